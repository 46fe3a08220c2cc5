"""Mentions of one event become one Event: candidates of the same type, with compatible
dates, nested actor sets and no conflicting company or amount, merge; a headline
restating a body event becomes one more mention of it, never an event of its own.
"""

from __future__ import annotations

from collections.abc import Container

from extractors.evaluate import dates_compatible
from extractors.events.arguments import fill
from extractors.events.context import ArticleContext, Cand, Seg, StageData
from extractors.events.triggers import find_triggers
from extractors.types import Event, Mention

_RANK = {"day": 0, "month": 1, "year": 2, None: 3}


def merge(data: StageData, ctx: ArticleContext, cands: list[Cand]) -> list[Event]:
    """The article's events from its filled candidates, in order of first mention."""
    events: list[Event] = []
    sources: dict[int, str] = {}
    for c in cands:
        m = mention(c)
        new = {"type": c.type, "date": c.date, "date_precision": c.precision}
        target = None
        for ev in events:
            if ev.type != c.type:
                continue
            if not dates_compatible(
                {"date": ev.date, "date_precision": ev.date_precision}, new
            ):
                continue
            if _mergeable(ev, c, c.weak | ctx.article_weak, data.agency_country):
                target = ev
                break
        if target is None:
            made = Event(c.type, c.date, c.precision, list(c.actors), list(c.commodities),
                         c.amount, c.currency, [m], confidence=_confidence(c))
            events.append(made)
            sources[id(made)] = c.source
            continue
        target.mentions.append(m)
        target.confidence = max(target.confidence, _confidence(c))
        target.actors = list(dict.fromkeys(target.actors + c.actors))
        target.commodities = list(dict.fromkeys(target.commodities + c.commodities))
        src = sources[id(target)]
        better = (c.source != "now" and src == "now") or (
            (c.source == "now") == (src == "now") and _RANK[c.precision] < _RANK[target.date_precision]
        )
        if better:
            target.date, target.date_precision = c.date, c.precision
            sources[id(target)] = c.source
        if target.amount is None and c.amount is not None:
            target.amount, target.currency = c.amount, c.currency
    return events


def attach_headline(data: StageData, ctx: ArticleContext, seg: Seg, i: int, events: list[Event]) -> None:
    """A headline restating a body event becomes one more mention of it (never a new event)."""
    for c in find_triggers(data, seg):
        if not fill(data, ctx, c, i, None):
            continue
        for ev in events:
            if ev.type != c.type or not _mergeable(ev, c, c.weak | ctx.article_weak, data.agency_country):
                continue
            same_day = dates_compatible(
                {"date": ev.date, "date_precision": ev.date_precision},
                {"date": c.date, "date_precision": c.precision},
            )
            if same_day or c.source == "now":
                ev.mentions.insert(0, mention(c))
                break


def _confidence(c: Cand) -> float:
    """Rough rule confidence: lower when the commodity or the date came from context."""
    score = 0.95
    if c.in_context:
        score -= 0.2
    if c.source in ("now", "header"):
        score -= 0.1 if c.source == "now" else 0.0
    return round(score, 2)


def mention(c: Cand) -> Mention:
    seg = c.seg
    return Mention(
        sentence=seg.text,
        start=seg.start,
        end=seg.end if seg.end is not None else seg.start + len(seg.text),
        trigger=c.trigger.text if c.verb is None else f"{c.verb.text}/{c.trigger.text}",
    )


def title_seg_index(segs: list[Seg]) -> int:
    return next((n for n, s in enumerate(segs) if s.is_title), 0)


def _mergeable(
    ev: Event, c: Cand, weak: set[str] | frozenset[str] = frozenset(), agencies: Container[str] = frozenset()
) -> bool:
    """Same real-world event? Nested country sets, no conflicting company or amount."""
    if ev.amount is not None and c.amount is not None:
        if abs(ev.amount - c.amount) > 0.01 * max(ev.amount, c.amount) or ev.currency != c.currency:
            return False
    ca = {x for x in ev.actors if len(x) == 2 and x.isupper()}
    cb = {x for x in c.actors if len(x) == 2 and x.isupper()}
    oa, ob = set(ev.actors) - ca, set(c.actors) - cb
    comp_a = {x for x in oa if x not in agencies and x not in weak}  # NER guesses never block
    comp_b = {x for x in ob if x not in agencies and x not in weak}
    if comp_a and comp_b and not comp_a & comp_b:
        return False
    if ca and cb:
        return ca <= cb or cb <= ca or len(ca & cb) * 2 >= len(ca | cb)
    return bool(set(ev.actors) & set(c.actors))

