"""Score predicted events against gold annotations exactly as ../shared/eval/FORMAT.md says.

Why a module of its own: the same scorer backs `reewatch eval`, the evaluation
gate test (tests/test_eval_gate.py) and the development script, so the numbers
the product is judged on are computed in one place.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from extractors.partial_date import compatible as partial_compatible
from extractors.same_event import normalise_actor, same_event
from extractors.types import EVENT_TYPES, Article


class EvalInputError(ValueError):
    """A gold or input file line is malformed (bad JSON, missing id, bad date)."""


def dates_compatible(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Compare at the coarser precision; day vs day tolerates one day (extractors.partial_date)."""
    return partial_compatible(a.get("date"), a.get("date_precision"), b.get("date"), b.get("date_precision"))


def events_match(gold: Mapping[str, Any], pred: Mapping[str, Any]) -> bool:
    """FORMAT.md: same type, compatible dates, at least one shared normalised actor (the
    core rule of extractors.same_event, with nothing added)."""
    return same_event(gold, pred)


def _max_matching(
    left: Sequence[Any], right: Sequence[Any], ok, quality=None
) -> dict[int, int]:
    """Maximum bipartite matching (augmenting paths); returns {left index: right index}."""
    adj = [[j for j, r in enumerate(right) if ok(lv, r)] for lv in left]
    if quality is not None:  # among maximum matchings, try the closest pairs first
        adj = [sorted(js, key=lambda j, i=i: -quality(left[i], right[j])) for i, js in enumerate(adj)]
    match_r: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in match_r or augment(match_r[j], seen):
                match_r[j] = i
                return True
        return False

    for i in range(len(left)):
        augment(i, set())
    return {i: j for j, i in match_r.items()}


def _pair_quality(g: Mapping[str, Any], p: Mapping[str, Any]) -> float:
    """Tie-break between equally large matchings: exact date, same amount, shared actors."""
    ga = {normalise_actor(a) for a in g.get("actors") or []}
    pa = {normalise_actor(a) for a in p.get("actors") or []}
    return (
        2.0 * (g.get("date") == p.get("date"))
        + 2.0 * _same_amount(g, p)
        + len(ga & pa) / max(1, len(ga | pa))
    )


def _same_amount(g: Mapping[str, Any], p: Mapping[str, Any]) -> bool:
    ga, pa = g.get("amount"), p.get("amount")
    if ga is None or pa is None:
        return False
    if (g.get("currency") or "").upper() != (p.get("currency") or "").upper():
        return False
    return abs(float(pa) - float(ga)) <= 0.01 * abs(float(ga))


def score(gold: list[dict], predicted: Mapping[str, list[dict]]) -> dict[str, Any]:
    """Score predictions (article id -> list of FORMAT.md events) against gold article lines.

    Returns counts, precision/recall/F1, article-level figures, exact-date and amount
    shares, per-type counts, and the lists `misses` / `false_alarms` of
    `{"id", "event"}` for error analysis.
    """
    tp = n_pred = n_gold = 0
    exact = amount_ok = amount_total = 0
    actors_pred = actors_right = exact_sets = 0
    art_tp = art_pred = art_gold = 0
    per_type = {t: {"gold": 0, "predicted": 0, "matched": 0} for t in EVENT_TYPES}
    misses: list[dict] = []
    false_alarms: list[dict] = []
    matched_pairs: list[dict] = []
    for line in gold:
        aid = line["id"]
        events = line.get("events") or []
        required = [e for e in events if not e.get("optional")]
        optional = [e for e in events if e.get("optional")]
        preds = list(predicted.get(aid, []))
        m = _max_matching(required, preds, events_match, _pair_quality)
        used = set(m.values())
        rest = [i for i in range(len(preds)) if i not in used]
        m_opt = _max_matching([preds[i] for i in rest], optional, lambda p, g: events_match(g, p))
        neutral = {rest[i] for i in m_opt}
        counted = [i for i in range(len(preds)) if i not in neutral]
        tp += len(m)
        n_gold += len(required)
        n_pred += len(counted)
        for g in required:
            per_type.setdefault(g["type"], {"gold": 0, "predicted": 0, "matched": 0})["gold"] += 1
        for i in counted:
            t = preds[i].get("type", "?")
            per_type.setdefault(t, {"gold": 0, "predicted": 0, "matched": 0})["predicted"] += 1
        for gi, pi in m.items():
            g, p = required[gi], preds[pi]
            per_type[g["type"]]["matched"] += 1
            if g.get("date") == p.get("date"):
                exact += 1
            g_act = {normalise_actor(a) for a in g.get("actors") or []}
            p_act = {normalise_actor(a) for a in p.get("actors") or []}
            actors_pred += len(p_act)
            actors_right += len(p_act & g_act)
            exact_sets += p_act == g_act
            if g.get("amount") is not None:
                amount_total += 1
                amount_ok += _same_amount(g, p)
            matched_pairs.append({"id": aid, "gold": g, "predicted": p})
        for gi, g in enumerate(required):
            if gi not in m:
                misses.append({"id": aid, "event": g})
        for i in counted:
            if i not in used:
                false_alarms.append({"id": aid, "event": preds[i]})
        if required or not optional:
            gold_pos = bool(required)
            pred_pos = bool(preds)
            art_gold += gold_pos
            art_pred += pred_pos
            art_tp += gold_pos and pred_pos
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    ap = art_tp / art_pred if art_pred else 0.0
    ar = art_tp / art_gold if art_gold else 0.0
    return {
        "articles": len(gold),
        "gold": n_gold,
        "predicted": n_pred,
        "matched": tp,
        "precision": p,
        "recall": r,
        "f1": f1,
        "article_precision": ap,
        "article_recall": ar,
        "article_f1": 2 * ap * ar / (ap + ar) if ap + ar else 0.0,
        "exact_date_share": exact / tp if tp else 0.0,
        # of the matched events: predicted actors that are gold actors, and exact party sets
        "actor_precision": actors_right / actors_pred if actors_pred else 0.0,
        "exact_party_share": exact_sets / tp if tp else 0.0,
        "amount_share": amount_ok / amount_total if amount_total else 0.0,
        "amount_total": amount_total,
        "per_type": per_type,
        "misses": misses,
        "false_alarms": false_alarms,
        "matched_pairs": matched_pairs,
    }


def _fmt_event(e: Mapping[str, Any]) -> str:
    amt = f" {e.get('amount'):g} {e.get('currency')}" if e.get("amount") is not None else ""
    return f"{e.get('type')} {e.get('date')} {','.join(e.get('actors') or [])}{amt}"


def format_report(result: Mapping[str, Any], errors: bool = True) -> str:
    """Plain-text report (prints fine as is and inside rich)."""
    lines = [
        f"articles {result['articles']}  gold {result['gold']}  predicted {result['predicted']}"
        f"  matched {result['matched']}",
        f"event    P {result['precision']:.3f}  R {result['recall']:.3f}  F1 {result['f1']:.3f}",
        f"article  P {result['article_precision']:.3f}  R {result['article_recall']:.3f}"
        f"  F1 {result['article_f1']:.3f}",
        f"exact-date share {result['exact_date_share']:.3f}  amount share "
        f"{result['amount_share']:.3f} (of {result['amount_total']})",
        f"actor precision {result['actor_precision']:.3f}  exact party sets "
        f"{result['exact_party_share']:.3f} (of matched events)",
        "per type (gold / predicted / matched):",
    ]
    for t, c in result["per_type"].items():
        lines.append(f"  {t:<22} {c['gold']:>3} {c['predicted']:>4} {c['matched']:>4}")
    if errors:
        lines.append(f"misses ({len(result['misses'])}):")
        lines += [f"  {m['id']}: {_fmt_event(m['event'])}" for m in result["misses"]]
        lines.append(f"false alarms ({len(result['false_alarms'])}):")
        lines += [f"  {m['id']}: {_fmt_event(m['event'])}" for m in result["false_alarms"]]
    return "\n".join(lines)


class _Extractor(Protocol):
    def extract(self, articles: Sequence[Article]) -> list[list[Any]]: ...


def read_jsonl(path: str | Path) -> list[dict]:
    """Read a JSON-lines file; blank lines are skipped, bad lines raise EvalInputError."""
    out = []
    try:
        with open(path, encoding="utf-8") as fh:
            for n, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    line = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise EvalInputError(f"{path}:{n}: not JSON ({exc})") from exc
                if not isinstance(line, dict):
                    raise EvalInputError(f"{path}:{n}: each line must be a JSON object, not {type(line).__name__}")
                for key in ("title", "text", "url", "outlet", "published"):
                    if line.get(key) is not None and not isinstance(line[key], str):
                        raise EvalInputError(f"{path}:{n}: {key!r} must be a string")
                if not isinstance(line.get("id", ""), str | int) or isinstance(line.get("id"), bool):
                    raise EvalInputError(f"{path}:{n}: 'id' must be a string or a number")
                out.append(line)
    except UnicodeDecodeError as exc:
        raise EvalInputError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise EvalInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return out


def article_from_line(line: Mapping[str, Any]) -> Article:
    """Build an Article from an input line (`published` is "YYYY-MM-DD" or ISO datetime)."""
    if "id" not in line:
        raise EvalInputError("input line without 'id'")
    pub = line.get("published")
    published: datetime | None = None
    if pub:
        try:
            published = datetime.fromisoformat(str(pub)[:19])
        except ValueError as exc:
            raise EvalInputError(f"{line['id']}: bad published date {pub!r}") from exc
    return Article(
        url=line.get("url") or f"input:{line['id']}",
        title=line.get("title") or "",
        text=line.get("text") or "",
        published=published,
        site=line.get("outlet"),
        extraction="input",
        id=str(line["id"]),
    )


def predict_lines(
    lines: Iterable[Mapping[str, Any]], extractor: _Extractor
) -> dict[str, list[dict]]:
    """Run the extractor over input lines; return id -> FORMAT.md event dicts."""
    lines = list(lines)
    articles = [article_from_line(x) for x in lines]
    results = extractor.extract(articles)
    return {a.id: [e.to_format() for e in evs] for a, evs in zip(articles, results, strict=True)}


def extract_file(in_path: str | Path, out_path: str | Path | None, extractor: _Extractor) -> int:
    """Write one `{"id", "events"}` JSON line per input article (to stdout when `out_path`
    is None); returns the article count."""
    lines = read_jsonl(in_path)
    preds = predict_lines(lines, extractor)
    out = [json.dumps({"id": x["id"], "events": preds[str(x["id"])]}) + "\n" for x in lines]
    if out_path is None:
        sys.stdout.writelines(out)
        sys.stdout.flush()
    else:
        with open(out_path, "w", encoding="utf-8") as fh:
            fh.writelines(out)
    return len(lines)


def evaluate_file(gold_path: str | Path, extractor: _Extractor) -> dict[str, Any]:
    """Extract and score a gold file in one go (what `reewatch eval` calls)."""
    gold = read_jsonl(gold_path)
    return score(gold, predict_lines(gold, extractor))
