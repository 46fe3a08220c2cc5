"""Held-out-outlet cross-validation of the event stage (`reewatch eval --cv`).

Why grouped by outlet: articles of one outlet share furniture, house style and stories,
so a model that saw an outlet's other articles is measured on text much like its
training data. Here every fold is scored by a classifier (and thresholds) trained on
the other folds only, and an outlet never sits in two folds. Near-identical outlet
names form one group: "BBC News" and its republication, the press-release variants of
one archive, "MailOnline (Daily Mail)" and "Daily Mail".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

_PAREN = re.compile(r"\(([^()]*)\)")
_NOISE = re.compile(r"\b(?:the|via|press release|press-release|archive|official release|not journalism|lightly rewritten republication on \S+|column)\b")


def _names(outlet: str) -> list[str]:
    """The normalised names an outlet string carries: its main name and any in brackets."""
    parts = [_PAREN.sub(" ", outlet)] + _PAREN.findall(outlet)
    out = []
    for p in parts:
        p = _NOISE.sub(" ", p.lower())
        p = re.sub(r"\.(?:ai|com|org|net)\b", "", p)
        p = re.sub(r"[^a-z0-9 ]+", " ", p)
        p = " ".join(p.split())
        if len(p) >= 3:
            out.append(p)
    return out


def outlet_groups(lines: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Article id -> outlet group; outlets sharing a normalised name are one group.

    Lines without an outlet are grouped by their URL's host (else "unknown").
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    keys: dict[str, list[str]] = {}
    for line in lines:
        outlet = line.get("outlet")
        if outlet:
            names = _names(str(outlet)) or [str(outlet).lower()]
        else:
            host = urlparse(line.get("url") or "").hostname or "unknown"
            names = [re.sub(r"^www\.", "", host)]
        keys[str(line["id"])] = names
        for n in names[1:]:
            parent[find(n)] = find(names[0])
        find(names[0])
    return {aid: find(names[0]) for aid, names in keys.items()}


def assign_folds(sizes: Mapping[str, int], k: int) -> dict[str, int]:
    """Group -> fold: largest groups first, each into the currently smallest fold
    (ties by fold number), so folds come out balanced and the same every time."""
    load = [0] * k
    out: dict[str, int] = {}
    for g in sorted(sizes, key=lambda g: (-sizes[g], g)):
        f = min(range(k), key=lambda i: (load[i], i))
        out[g] = f
        load[f] += sizes[g]
    return out


def actor_figures(result: Mapping[str, Any]) -> tuple[float, float]:
    """Actor precision over matched events (predicted actors that are gold actors) and the
    share of matched events with exactly the gold party set."""
    from extractors.evaluate import normalise_actor

    right = total = exact = 0
    pairs = result.get("matched_pairs") or []
    for p in pairs:
        g = {normalise_actor(a) for a in p["gold"].get("actors") or []}
        q = {normalise_actor(a) for a in p["predicted"].get("actors") or []}
        right += len(q & g)
        total += len(q)
        exact += q == g
    return (right / total if total else 0.0, exact / len(pairs) if pairs else 0.0)


def summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The figures a CV report prints for one scored set."""
    ap, exact = actor_figures(result)
    keys = ("articles", "gold", "predicted", "matched", "precision", "recall", "f1",
            "article_precision", "article_recall", "exact_date_share")
    return {**{k: result[k] for k in keys}, "actor_precision": ap, "exact_party_sets": exact}


def cross_validate(
    lines: Sequence[Mapping[str, Any]],
    extractor: Any,
    k: int = 5,
    seed: int | None = None,
    rules_only: bool = False,
    log=None,
    inner_folds: int | None = None,
    in_sample: bool = True,
) -> dict[str, Any]:
    """Per-fold, pooled held-out and in-sample figures over `lines` (gold article lines).

    Every article is parsed once; per fold the classifier and its thresholds are fitted on
    the other folds' articles only (extractors.training), then decide the held-out fold.
    With `rules_only` no model is trained: the folds show how the rules alone fare.
    """
    from extractors import training
    from extractors.evaluate import score

    prep = training.prepare(lines, extractor)
    sizes: dict[str, int] = {}
    for g in prep.groups.values():
        sizes[g] = sizes.get(g, 0) + 1
    fold_of_group = assign_folds(sizes, k)
    fold_of = [fold_of_group[prep.groups[str(x["id"])]] for x in prep.lines]
    every = list(range(len(prep.lines)))
    pooled: dict[str, list[dict]] = {}
    folds = []
    for f in range(k):
        held = [i for i in every if fold_of[i] == f]
        if not held:
            continue
        model = None
        if not rules_only:
            model = training.fit_decision(prep, [i for i in every if fold_of[i] != f], extractor, seed, inner_folds)
            training.set_scores(prep, held, model)
        preds = training.decide(prep, held, extractor, model)
        pooled.update(preds)
        res = summary(score([prep.lines[i] for i in held], preds))
        res["fold"] = f
        res["outlets"] = sorted({prep.groups[str(prep.lines[i]["id"])] for i in held})
        if model is not None:
            res["threshold"], res["keep_threshold"] = model.threshold, model.keep_threshold
        folds.append(res)
        if log:
            log(res)
    model = None
    if in_sample and not rules_only:
        model = training.fit_decision(prep, every, extractor, seed, inner_folds)
        training.set_scores(prep, every, model)
    inside = summary(score(prep.lines, training.decide(prep, every, extractor, model))) if in_sample else None
    if model is not None and inside is not None:
        inside["threshold"], inside["keep_threshold"] = model.threshold, model.keep_threshold
    held_out = score(prep.lines, pooled)
    return {
        "folds": folds,
        "held_out": summary(held_out),
        "in_sample": inside,
        "k": k,
        "rules_only": rules_only,
        "held_out_errors": {"misses": held_out["misses"], "false_alarms": held_out["false_alarms"]},
    }


def format_cv(result: Mapping[str, Any]) -> str:
    """Plain-text table: one row per fold, then pooled held-out beside in-sample."""
    cols = ("articles", "gold", "predicted", "matched", "precision", "recall", "f1",
            "article_precision", "article_recall", "exact_date_share", "actor_precision")
    short = ("arts", "gold", "pred", "match", "P", "R", "F1", "artP", "artR", "exactD", "actP")

    def row(name: str, r: Mapping[str, Any]) -> str:
        cells = [f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]) for c in cols]
        return f"{name:<12}" + "".join(f"{c:>7}" for c in cells)

    mode = "rules only" if result["rules_only"] else "trained type decision"
    lines = [f"{result['k']}-fold held-out-outlet cross-validation ({mode})",
             f"{'':<12}" + "".join(f"{c:>7}" for c in short)]
    for r in result["folds"]:
        lines.append(row(f"fold {r['fold']}", r))
    lines.append(row("held-out", result["held_out"]))
    extra = []
    if result["in_sample"] is not None:
        lines.append(row("in-sample", result["in_sample"]))
        extra = [dict(result["in_sample"], fold="in-sample", outlets=[])]
    for r in result["folds"] + extra:
        th = f" (thresholds new {r['threshold']}, keep {r['keep_threshold']})" if "threshold" in r else ""
        lines.append(f"fold {r['fold']}{th}: " + ", ".join(r["outlets"]))
    return "\n".join(lines)
