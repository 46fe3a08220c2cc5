"""The date of an event: of the trigger's own clause, else of a governing clause, else
the timeline header, else an earlier sentence's day when the sentence refers back to it,
else the publication day when the clause is in the present / perfect tense (or past tense
in a "Today, ..." press release).

Why clause by clause: news sentences carry several dates ("said on Monday it had signed
in April"); only the one the trigger's clause owns dates the event. Date phrases are
found by extractors.dates; background cues by extractors.dating.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import models
from extractors import dating as date_cues
from extractors.dates import DateMention, find_dates
from extractors.events.context import ArticleContext, Cand, Seg, StageData
from extractors.events.modality import is_future, is_now, reported
from extractors.events.rules import ACTOR_LOOKBACK, LEDE, LEDE_FOLLOW, NEWS_LEDE
from models.orgs import NER_ORG

UNDATED_PAST_IS_NEWS = False  # an undated past-tense event is taken as the article's news
USE_OTHER_CLAUSE_DATES = False  # a date in an unrelated clause of the sentence dates nothing
PAST_TAKES_PREVIOUS_DATE = True  # an undated simple past continues the previous sentence's time


_SINCE = re.compile(
    r"\b(?:since|until|till|through|by|ahead of|before|deadline of)\s+(?:the\s+|a\s+)?"
    r"(?:early\s+|late\s+|mid-?)?$",
    re.IGNORECASE,
)


_SAID_ON = re.compile(
    r"\b(?:said|announced|told \w+|stated|confirmed|disclosed|reported)\s+(?:on\s+|late\s+|early\s+)?$",
    re.IGNORECASE,
)


def lede_news(data: StageData, segs: list[Seg], pub: date) -> tuple[str, set[str], int] | None:
    """The day and the organisations of the article's news, when the lede dates it
    ("Acme said on Wednesday it would build ..."): (date, organisations, last lede index)."""
    body = [(n, s) for n, s in enumerate(segs) if not s.is_title][:LEDE]
    for _n, s in body:
        if s.doc is None:
            continue
        days = [d for d in find_dates(s.text, pub, False) if d.precision == "day"]
        days = [d for d in days if 0 <= (pub - date.fromisoformat(d.date)).days <= 3]
        orgs = {
            e.ent_id_ for e in s.doc.ents
            if e.label_ in ("COMPANY", NER_ORG) or (e.label_ == "AGENCY" and e.ent_id_ not in data.members)
        }
        if days and orgs:
            return days[0].date, orgs, body[-1][0]
    return None


def lede_dated(ctx: ArticleContext, c: Cand, i: int) -> bool:
    """An undated past-tense deal or investment of the lede's own company, told a few
    sentences after the lede ("To feed it, Acme signed a supply agreement with ..."),
    happened on the lede's day: news stories unfold one announcement."""
    lede = ctx.lede
    if lede is None or c.type not in ("agreement", "investment"):
        return False
    day, orgs, last = lede
    head = c.verb if c.verb is not None else c.trigger
    if head.tag_ != "VBD" or not (last < i <= last + LEDE_FOLLOW):
        return False
    if not orgs & set(c.actors):
        return False
    c.date, c.precision, c.source = day, "day", "explicit"
    return True


def _earlier_day(ctx: ArticleContext, seg: Seg, pub: date) -> str | None:
    """The last day-precise date of the (up to three) sentences before `seg`."""
    segs = ctx.segs
    i = next((n for n, x in enumerate(segs) if x is seg), None)
    for x in reversed(segs[max(0, (i or 0) - ACTOR_LOOKBACK) : i or 0]):
        if x.is_title:
            continue
        days = [d for d in find_dates(x.text, pub, False) if d.precision == "day"]
        if days:
            return days[-1].date
    return None


def _earlier_date(ctx: ArticleContext, seg: Seg, pub: date, lead_in: bool = False) -> DateMention | None:
    """The last day- or month-precise date of the sentence just before `seg`: the time of
    the event a following clause continues (further back, the thread is lost). `lead_in`:
    only when that sentence has no trigger of its own - it sets the time ("A telling
    demonstration came in December.") rather than telling another event."""
    segs = ctx.segs
    i = next((n for n, x in enumerate(segs) if x is seg), 0)
    prev = next((x for x in reversed(segs[:i]) if not x.is_title), None)
    if prev is None:
        return None
    if lead_in and segs.index(prev) in ctx.trigger_segs:
        return None
    dated = [d for d in find_dates(prev.text, pub, False) if d.precision in ("day", "month")]
    if not dated:
        return None
    d = dated[-1]
    return DateMention(d.start, d.end, _in_story_year(ctx, prev, d, pub, False), d.precision, d.kind, d.text)


STORY_LOOKBACK = 30  # sentences back in which a narrative's year is looked for
_HEADING_YEAR = re.compile(r"\(((?:19|20)\d{2})(?:/(?:19|20)\d{2})?\)\W*$")
_YEAR_IN = re.compile(r"\b(?:19|20)\d{2}\b")


def story_year(ctx: ArticleContext, seg: Seg, pub: date) -> int | None:
    """The year a narrative is told in: that of the last day or month written with its year
    ("On September 8, 2010, ...", "In July 2016", a heading "... (2010)"; a bare year such
    as "since 2015" is an aside, not the story's time) in the sentences
    before `seg`, unless a date counted from the publication day ("on Monday", "last
    week") comes first - then the story is back in the present. None: no such year."""
    segs = ctx.segs
    i = next((n for n, x in enumerate(segs) if x is seg), 0)
    for x in reversed(segs[max(0, i - STORY_LOOKBACK) : i]):
        if x.is_title:
            continue
        m = _HEADING_YEAR.search(x.text)
        if m:
            return int(m.group(1))
        dates = find_dates(x.text, pub, False)
        if any(d.kind in ("relative", "weekday") for d in dates):
            return None
        years = [
            int(d.date[:4]) for d in dates
            if d.kind == "explicit" and d.precision in ("day", "month") and _YEAR_IN.search(d.text)
        ]
        if years:
            return years[-1]
    return None


def _in_story_year(ctx: ArticleContext, seg: Seg, d: DateMention, pub: date, future: bool) -> str:
    """A date written without its year ("On September 28", "in July") in a story told in
    an earlier year (see `story_year`) is in that year, not in the one before publication."""
    if d.kind != "yearless" or future or d.precision == "year":
        return d.date
    year = story_year(ctx, seg, pub)
    if year is None or year >= int(d.date[:4]):
        return d.date
    return f"{year:04d}{d.date[4:]}"


_DAY_RANGE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r"\s*(?:-|–|to|through|until)\s*\d{1,2}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s*(?:-|–|to)\s*\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
    re.IGNORECASE,
)
_SPAN_ADJ = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|\d+)\s*-\s*day\s+(?:[\w-]+\s+){0,2}"
    r"(?:visit|trip|tour|summit|meeting|talks|conference|session|forum|gathering|mission)\b",
    re.IGNORECASE,
)  # "a four-day state visit" (a "90-day truce" is how long it lasts, not a meeting)


def _multi_day(c: Cand) -> bool:
    """ "a four-day state visit from Sunday", "will visit Beijing from Jan. 4 to 6": a
    meeting that spans days has no one day; it is dated to the month (a trip that "starts
    on Monday" keeps the day: the start is what is told)."""
    head = c.verb if c.verb is not None else c.trigger
    if head.lemma_.lower() in ("start", "begin", "open", "kick"):
        return False
    t = c.trigger
    before = t.doc[t.left_edge.i : t.i + 1].text  # "a four-day state visit" (spaCy splits "four-day")
    return bool(_SPAN_ADJ.search(before) or _DAY_RANGE.search(c.seg.text))


def event_date(ctx: ArticleContext, c: Cand, pub: date) -> bool:
    """`_event_date`, then a meeting spanning days is dated to its month."""
    if not _event_date(ctx, c, pub):
        return False
    if c.type == "talks" and c.precision == "day" and _multi_day(c):
        c.date, c.precision = c.date[:7], "month"
    return True


def _event_date(ctx: ArticleContext, c: Cand, pub: date) -> bool:
    """The date of the trigger's own clause, else a higher clause's, else the timeline
    header, else any date in the sentence, else the publication day for 'now' clauses."""
    seg, verb = c.seg, c.verb
    head = verb if verb is not None else c.trigger
    scheduled = c.type == "talks" and (scheduled_meeting(head) or _committed(head))
    future = is_future(head) or scheduled
    found = [d for d in find_dates(seg.text, pub, future) if not _SINCE.search(seg.text[: d.start])]
    other_tense = {(d.start, d.end): d for d in find_dates(seg.text, pub, not future)}
    doc = c.trigger.doc
    tpos = c.trigger.idx
    own, higher, other, inner = [], [], [], []
    ancestors = {t.i for t in head.ancestors}
    for d in found:
        span = doc.char_span(d.start, d.end, alignment_mode="expand")
        if span is None or len(span) == 0:
            other.append(d)
            continue
        owner = _owner_verb(span[0], c.trigger)
        if owner is not None and owner.pos_ == "VERB" and owner.i != head.i and is_future(owner) != future:
            d = other_tense.get((d.start, d.end), d)  # "will create ..., it said on Monday"
        elif future and _SAID_ON.search(seg.text[: d.start]):
            d = other_tense.get((d.start, d.end), d)  # "said on Monday it will invest"
        if owner is None or owner.i == head.i or owner.i == c.trigger.i:
            own.append(d)
        elif _inner_infinitive(owner, head, c.trigger) and d.precision != "year":
            inner.append(d)
        elif owner.i in ancestors or (
            owner.dep_ == "xcomp" and owner.tag_ == "VBG" and owner.head.i in ancestors
        ):  # "opened bidding on Monday to buy ... for the stockpile"
            higher.append(d)
        else:
            other.append(d)
    # a later date in the infinitive is its own schedule ("... plant, scheduled to open in April")
    # unless the meeting itself is what is scheduled ("the meeting, scheduled to go ahead next week")
    inner = [d for d in inner if scheduled or (not future and d.date <= pub.isoformat())]
    if future and c.type == "talks":
        # a meeting announced as scheduled is dated at the meeting, when that falls in a
        # window around publication (SCHEDULE_WINDOW); a reading outside it is background
        for group in (own, higher, inner):
            if group:
                best = min(group, key=lambda d: (abs(d.start - tpos), d.start))
                for d in (best, other_tense.get((best.start, best.end))):
                    if d is not None and _in_window(d, pub):
                        c.date, c.precision = d.date, d.precision
                        return True
                return False
    for group in (own, higher):
        if group:
            best = min(group, key=lambda d: (abs(d.start - tpos), d.start))
            c.date, c.precision = _in_story_year(ctx, seg, best, pub, future), best.precision
            return True
    if seg.header is not None:
        c.date, c.precision = seg.header.date, seg.header.precision
        c.source = "header"
        return True
    if inner:
        best = min(inner, key=lambda d: (abs(d.start - tpos), d.start))
        c.date, c.precision = _in_story_year(ctx, seg, best, pub, future), best.precision
        return True
    if date_cues.refers_to_earlier_date(seg.text):
        earlier = _earlier_day(ctx, seg, pub)
        if earlier is not None:
            c.date, c.precision, c.source = earlier, "day", "explicit"
            return True
    if c.now_precision == "month" and head.tag_ == "VBD" and reported(head):
        # "said discussions were well advanced": a state reported in the past tense of the
        # speech is still current in the publication month
        c.date, c.precision, c.source = pub.isoformat()[:7], "month", "now"
        return True
    follows, offset = date_cues.follows_earlier_event(head, seg.text)
    if follows and not future:
        told = _earlier_date(ctx, seg, pub)
        if told is not None:
            if told.precision == "day" and offset is not None:
                c.date, c.precision = (date.fromisoformat(told.date) + timedelta(days=offset)).isoformat(), "day"
            else:
                c.date, c.precision = told.date[:7], "month"
            c.source = "explicit"
            return True
    # "MOUs are scheduled to be signed", "is set to conduct a stockpile": a future act
    # without its own date is not the day's news (an investment's "will build" is: allow_will)
    undated_future = future and c.type != "investment"
    if (
        is_now(head, allow_will=c.type == "investment") and not undated_future
        and not (date_cues.habitual(head) and c.now_precision != "month")  # "still in talks": current
        and not _background_perfect(ctx, c, head)
        and not _background_present(ctx, c, head)
    ):
        c.date, c.precision = pub.isoformat(), "day"
        if c.now_precision == "month":
            c.date, c.precision = pub.isoformat()[:7], "month"
        c.source = "now"
        return True
    if other and USE_OTHER_CLAUSE_DATES:
        best = min(other, key=lambda d: (abs(d.start - tpos), d.start))
        c.date, c.precision = best.date, best.precision
        return True
    if (
        PAST_TAKES_PREVIOUS_DATE and not found and not future and head.tag_ == "VBD"
        and not _subordinate(head) and not _VAGUE_TIME.search(seg.text)
    ):
        # "A telling demonstration came in December. ... China banned exports ...": an
        # undated simple past with no date in its sentence continues the time told just before
        told = _earlier_date(ctx, seg, pub, lead_in=True)
        if told is not None:
            c.date, c.precision, c.source = told.date, told.precision, "explicit"
            return True
    if (UNDATED_PAST_IS_NEWS or c.today_release) and head.tag_ in ("VBD", "VBN"):
        c.date, c.precision, c.source = pub.isoformat(), "day", "now"
        return True
    return False


SCHEDULE_WINDOW = (-7, 75)  # days around publication in which a scheduled meeting is news
_SCHEDULE_HEADS = {"schedule", "set", "due", "slate", "expect", "plan"}


def scheduled_meeting(head) -> bool:
    """ "the meeting, scheduled to go ahead next week", "talks are scheduled for Friday",
    "a summit slated for March", "will travel to Lima to meet X": the meeting's clause puts it
    on the calendar."""
    if head.lemma_.lower() in _SCHEDULE_HEADS and head.tag_ == "VBN":
        return True
    if head.pos_ in ("NOUN", "PROPN") and _withdrawn(head):
        return True  # "contemplated pulling out of a meeting in late October" (triggers._threatened_meeting)
    if head.dep_ in ("advcl", "xcomp") and any(c.dep_ == "aux" and c.lower_ == "to" for c in head.children) and (
        head.head.pos_ == "VERB" and is_future(head.head)
    ):
        return True  # "will fly to Beijing next week to meet Xi": the trip's purpose, as scheduled
    return any(c.lemma_.lower() in _SCHEDULE_HEADS and c.dep_ in ("acl", "acomp", "amod") for c in head.children)


_COMMITMENT = frozenset(
    lem for r in models.read_patterns("modality") if r.get("kind") == "commitment_heads" for lem in r["lemmas"]
)


_WITHDRAWAL = frozenset(
    lem for r in models.read_patterns("modality") if r.get("kind") == "withdrawal_verbs" for lem in r["lemmas"]
)


def _withdrawn(noun) -> bool:
    from extractors.events.triggers import withdrawn_from

    verb = withdrawn_from(noun)
    return verb is not None and verb.lemma_.lower() in _WITHDRAWAL


def _committed(head) -> bool:
    """ "commits both governments to convene a meeting", "pledged to hold talks": the
    meeting is an undertaking for later (modality.jsonl, commitment_heads)."""
    return head.dep_ in ("xcomp", "advcl", "oprd") and head.head.lemma_.lower() in _COMMITMENT and any(
        c.dep_ == "aux" and c.lower_ == "to" for c in head.children
    )


def _in_window(d: DateMention, pub: date) -> bool:
    """The date (at its precision) overlaps SCHEDULE_WINDOW around the publication day."""
    lo, hi = pub + timedelta(days=SCHEDULE_WINDOW[0]), pub + timedelta(days=SCHEDULE_WINDOW[1])
    if d.precision == "day":
        return lo <= date.fromisoformat(d.date) <= hi
    if d.precision == "month":
        return lo.isoformat()[:7] <= d.date[:7] <= hi.isoformat()[:7]
    return False


def _perfect(v, depth: int = 0) -> bool:
    """ "has signed", "have been imposed" (also through "has signed and ratified")."""
    if v.tag_ == "VBN" and any(ch.dep_ == "aux" and ch.lower_ in date_cues.perfect_aux() for ch in v.children):
        return True
    return v.dep_ == "conj" and v.tag_ == "VBN" and depth < 2 and _perfect(v.head, depth + 1)


def _background_perfect(ctx: ArticleContext, c: Cand, head) -> bool:
    """ "It has joined the partnership", "the agency has committed $2bn to projects": an
    undated present perfect told after the article's opening sentences sums up a party's
    record (analysis and feature prose); the day's news in the perfect opens the story
    ("China has expanded its controls, the ministry said") or is a press release's."""
    if ctx.today_release or not _perfect(head):
        return False
    body = [s for s in ctx.segs if not s.is_title]
    pos = next((n for n, s in enumerate(body) if s is c.seg), 0)
    return pos >= NEWS_LEDE


def _present(v, depth: int = 0) -> bool:
    """ "prefers to restrict", "is set to conduct", "are established": a simple present
    (active or passive, not the perfect), also through the verb an xcomp or conj hangs on."""
    if v.tag_ in ("VBZ", "VBP"):
        return True
    if any(ch.dep_ in ("aux", "auxpass") and ch.lower_ in ("is", "are", "am", "'s", "'re") for ch in v.children):
        return not _perfect(v)
    if v.dep_ in ("xcomp", "conj") and v.head.pos_ in ("VERB", "AUX") and depth < 3:
        return _present(v.head, depth + 1)
    return False


def _background_present(ctx: ArticleContext, c: Cand, head) -> bool:
    """ "Countries that establish partnerships are well placed", "grants, which provide
    support to projects", "it sets a floor on the price": an undated simple present told
    after the opening sentences describes how things stand or work (analysis and
    background prose), not the day's news, which the lede tells. A state the rule itself
    dates to the month ("talks are well advanced", "the latest text removes the
    reference") is current, and a press release's present is its news."""
    if ctx.today_release or c.now_precision == "month" or not _present(head):
        return False
    body = [s for s in ctx.segs if not s.is_title]
    pos = next((n for n, s in enumerate(body) if s is c.seg), 0)
    return pos >= NEWS_LEDE


def _inner_infinitive(owner, head, trigger) -> bool:
    """ "approved a plan to pay magnet makers on Wednesday": the parser hangs the date on an
    infinitive under the trigger; a to-infinitive tells a purpose, not a dated act of its own,
    so its date is the trigger's (used only when the trigger's own clause has none)."""
    return (
        owner.tag_ == "VB" and any(ch.dep_ == "aux" and ch.lower_ == "to" for ch in owner.children)
        and any(a.i in (head.i, trigger.i) for a in owner.ancestors)
    )


_VAGUE_TIME = re.compile(
    r"\b(?:spring|summer|autumn|winter|(?:days?|weeks?|months?|years?|decades?)\s+(?:after|before|later|earlier|ago))\b"
    r"|\bwithin\s+(?:a|an|one|two|three|\d+)\s+(?:days?|weeks?|months?|years?)\b",
    re.IGNORECASE,
)  # a time of its own that find_dates cannot place: the previous sentence's date is not it


def _subordinate(head) -> bool:
    """ "The announcement came after China imposed ...": a clause under "after", "when",
    "because" is told relative to its main clause, not to the sentence before."""
    return any(ch.dep_ == "mark" for v in (head, *head.ancestors) for ch in v.children)


def _owner_verb(tok, trigger):
    """First verb above a date token (the clause the date belongs to); the trigger counts."""
    cur = tok
    for _ in range(8):
        if cur.i == trigger.i:
            return cur
        if cur.pos_ in ("VERB", "AUX") and cur.i != tok.i:
            return cur
        if cur.head.i == cur.i:
            return cur if cur.pos_ in ("VERB", "AUX") else None
        cur = cur.head
    return None

