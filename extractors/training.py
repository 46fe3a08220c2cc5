"""Train the type decision end to end: classifier weights, then thresholds by event F1.

Why thresholds by event F1 and not by sentence scores: what counts is the events the
whole stage reports (the rules still read arguments and dates and may drop a sentence),
and a sentence-level optimum can cost events. So the thresholds are picked on the
training articles from out-of-fold classifier scores (an inner cross-validation that
holds out whole outlet groups), by re-running only the cheap decision step over one
parse. The grid holds the rule-only decision (never veto, never add), so a classifier
that does not help on the training articles is switched off rather than trusted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from extractors import event_data, type_model
from extractors.crossval import assign_folds, outlet_groups
from extractors.evaluate import article_from_line, score

OFF_NEW = 1.01  # a threshold no score reaches: the model adds no event
NEW_GRID = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, OFF_NEW)
USE_RULE_SENTENCES = True  # add the rules' matched events and false alarms to the training sentences
KEEP_GRID = (0.0, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3)


@dataclass
class Prepared:
    """Gold lines with their articles parsed once, for repeated decisions."""

    lines: list[Mapping[str, Any]]
    articles: list[Any]
    plans: list[Any]
    groups: dict[str, str]
    sentences: list[event_data.LabelledSentence]

    def ids(self, idx: Sequence[int]) -> set[str]:
        return {str(self.lines[i]["id"]) for i in idx}


def prepare(lines: Sequence[Mapping[str, Any]], extractor: Any, for_models: bool = True) -> Prepared:
    """Parse every article once and derive the labelled training sentences.

    `for_models`: parse what any trained type model could read (every sentence with a
    trigger word, NER on all), so models and thresholds can be tried on one parse;
    False parses exactly as `reewatch extract` does with the rules alone."""
    lines = list(lines)
    groups = outlet_groups(lines)
    articles = [article_from_line(x) for x in lines]
    saved, extractor.type_model = extractor.type_model, None
    try:
        plans = extractor.prepare(articles, full_ner=for_models, loose=for_models)
    finally:
        extractor.type_model = saved
    sentences, _ = event_data.build(lines, extractor.data.hint, groups)
    return Prepared(lines, articles, plans, groups, sentences)


def _body(plan) -> list[Any]:
    return [s for s in plan or () if s.doc is not None and not s.is_title]


def set_scores(prep: Prepared, idx: Sequence[int], model: type_model.TypeModel) -> None:
    """Score the parsed body sentences of articles `idx` with `model`."""
    segs = [s for i in idx for s in _body(prep.plans[i])]
    for s, cats in zip(segs, model.scores([s.text for s in segs]), strict=True):
        s.cats = cats


def decide(prep: Prepared, idx: Sequence[int], extractor: Any, model: type_model.TypeModel | None) -> dict[str, list[dict]]:
    """Predictions for articles `idx` from their parse and current scores."""
    saved, extractor.type_model = extractor.type_model, model
    try:
        arts = [prep.articles[i] for i in idx]
        if model is None:
            for i in idx:
                for s in prep.plans[i] or ():
                    s.cats = None
        results = extractor.decide(arts, [prep.plans[i] for i in idx])
    finally:
        extractor.type_model = saved
    return {a.id: [e.to_format() for e in evs] for a, evs in zip(arts, results, strict=True)}


def rule_sentences(prep: Prepared, idx: Sequence[int], extractor: Any) -> list[event_data.LabelledSentence]:
    """More training sentences from what the rules report on articles `idx`.

    An event the rules report that matches a gold event (required or optional) gives its
    sentences as positives of its type (news restates an event; the notes quote one
    sentence). An event of a type the article has no gold event of gives its sentences
    as negatives: the rules' own false alarms are the hardest negatives there are. An
    event of a gold type that matches none (wrong date or parties) teaches nothing about
    the type and is left out.
    """
    from extractors.evaluate import events_match

    saved, extractor.type_model = extractor.type_model, None
    try:
        for i in idx:
            for seg in prep.plans[i] or ():
                seg.cats = None
        results = extractor.decide([prep.articles[i] for i in idx], [prep.plans[i] for i in idx])
    finally:
        extractor.type_model = saved
    out: list[event_data.LabelledSentence] = []
    for i, events in zip(idx, results, strict=True):
        line = prep.lines[i]
        aid = str(line["id"])
        gold = line.get("events") or []
        gold_types = {g.get("type") for g in gold}
        seen: set[str] = set()
        for ev in events:
            fmt = ev.to_format()
            if any(events_match(g, fmt) for g in gold):
                labels = {ev.type}
            elif ev.type not in gold_types:
                labels = set()
            else:
                continue
            for m in ev.mentions:
                if m.sentence not in seen:
                    seen.add(m.sentence)
                    out.append(event_data.LabelledSentence(m.sentence, set(labels), aid, prep.groups[aid]))
    return out


def _f1(prep: Prepared, idx: Sequence[int], extractor: Any, new: float, keep: float) -> float:
    probe = type_model.TypeModel(None, new, keep)
    return score([prep.lines[i] for i in idx], decide(prep, idx, extractor, probe))["f1"]


def choose_thresholds(prep: Prepared, idx: Sequence[int], extractor: Any) -> tuple[float, float, float]:
    """(threshold, keep threshold, F1) by coordinate search over the grids, on articles
    `idx` whose sentences carry out-of-fold scores. Ties keep the value nearer rule-only."""
    new, keep = OFF_NEW, 0.0
    best = _f1(prep, idx, extractor, new, keep)
    for _round in range(2):
        for k in KEEP_GRID:
            f = _f1(prep, idx, extractor, new, k)
            if f > best + 1e-9:
                best, keep = f, k
        for n in NEW_GRID:
            f = _f1(prep, idx, extractor, n, keep)
            if f > best + 1e-9:
                best, new = f, n
    return new, keep, best


def fit_decision(
    prep: Prepared, idx: Sequence[int], extractor: Any, seed: int | None = None, inner_folds: int | None = None
) -> type_model.TypeModel:
    """Train the classifier on the sentences of articles `idx` and pick its thresholds on
    those articles only (out-of-fold scores of an inner outlet-grouped cross-validation)."""
    config = type_model.read_config()
    seed = int(config["training"]["seed"] if seed is None else seed)
    k = int(inner_folds or config["training"]["threshold_folds"])
    ids = prep.ids(idx)
    sents = [s for s in prep.sentences if s.article in ids]
    if USE_RULE_SENTENCES:
        known = {(s.article, s.text) for s in sents}
        sents += [s for s in rule_sentences(prep, idx, extractor) if (s.article, s.text) not in known]
    sizes: dict[str, int] = {}
    for i in idx:
        g = prep.groups[str(prep.lines[i]["id"])]
        sizes[g] = sizes.get(g, 0) + 1
    fold_of = assign_folds(sizes, k)
    for f in sorted(set(fold_of.values())):
        held = [i for i in idx if fold_of[prep.groups[str(prep.lines[i]["id"])]] == f]
        held_ids = prep.ids(held)
        rest = [s for s in sents if s.article not in held_ids]
        if not rest:
            continue
        set_scores(prep, held, type_model.TypeModel(type_model.fit(rest, config, seed)))
    new, keep, f1 = choose_thresholds(prep, idx, extractor)
    info = {
        "seed": seed,
        "sentences": len(sents),
        "positives": sum(1 for s in sents if s.labels),
        "articles": len(idx),
        "inner_event_f1": round(f1, 4),
    }
    return type_model.TypeModel(type_model.fit(sents, config, seed), new, keep, info)
