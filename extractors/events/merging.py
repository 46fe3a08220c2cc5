"""Mentions of one event become one Event: candidates of the same type, with compatible
dates, nested actor sets and no conflicting company or amount, merge; a headline
restating a body event becomes one more mention of it, never an event of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Container

from extractors.events.arguments import fill
from extractors.events.context import ArticleContext, Cand, Seg, StageData
from extractors.events.triggers import find_triggers
from extractors.same_event import actors_overlap, dates_agree, same_event
from extractors.types import Event, Mention

_RANK = {"day": 0, "month": 1, "year": 2, None: 3}


def merge(data: StageData, ctx: ArticleContext, cands: list[Cand]) -> list[Event]:
    """The article's events from its filled candidates, in order of first mention."""
    events: list[Event] = []
    sources: dict[int, str] = {}
    for c in cands:
        m = mention(c)
        actors = _actor_rule(c.weak | ctx.article_weak, data.agency_country)
        target = next((ev for ev in events if same_event(ev, c, actors=actors, extra=_amounts_agree)), None)
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
        actors = _actor_rule(c.weak | ctx.article_weak, data.agency_country)
        for ev in events:
            # a headline in the present tense ("now") restates the event whatever its date
            if same_event(ev, c, dates=lambda e, x: x.source == "now" or dates_agree(e, x),
                          actors=actors, extra=_amounts_agree):
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


def _amounts_agree(ev: Event, c: Cand) -> bool:
    """Amounts both stated agree within 1% and in one currency (in-article merging only)."""
    if ev.amount is not None and c.amount is not None:
        if abs(ev.amount - c.amount) > 0.01 * max(ev.amount, c.amount) or ev.currency != c.currency:
            return False
    return True


def _actor_rule(weak: set[str] | frozenset[str], agencies: Container[str]) -> Callable[[Event, Cand], bool]:
    """In-article actor test, stricter than the core overlap: no conflicting company (NER
    guesses and agencies never block) and, when both name countries, nested or mostly
    shared country sets; otherwise the core overlap."""

    def agree(ev: Event, c: Cand) -> bool:
        ca = {x for x in ev.actors if len(x) == 2 and x.isupper()}
        cb = {x for x in c.actors if len(x) == 2 and x.isupper()}
        oa, ob = set(ev.actors) - ca, set(c.actors) - cb
        comp_a = {x for x in oa if x not in agencies and x not in weak}
        comp_b = {x for x in ob if x not in agencies and x not in weak}
        if comp_a and comp_b and not comp_a & comp_b:
            return False
        if ca and cb:
            return ca <= cb or cb <= ca or len(ca & cb) * 2 >= len(ca | cb)
        return actors_overlap(ev.actors, c.actors)

    return agree
