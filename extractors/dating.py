"""Which clauses report the news of the publication day, and which tell background.

Why: a clause in the present or present perfect with no date of its own is dated to the
publication day ("China has expanded its controls"). A clause that describes a standing
practice ("China has periodically imposed controls for decades", "the Pentagon has at
times stopped ...") is background, not the day's news: it must not become a new event
on the publication date; nor does one that tells work under way ("Acme is building a
refinery"), or a cumulative or rare practice ("has already imposed", "so far has
awarded", "since the ban has invested", "has rarely used"). And a clause that points
back ("at the same event", "the same day") takes the date told just before. A relative
clause in the perfect ("Acme, which has received $50m") describes a party, and the simple
present of a meeting verb ("officials talk of") a habit: neither is the day's news. The
vocabulary is data (models/patterns/dating.jsonl).
"""

from __future__ import annotations

import re
from functools import lru_cache

import models

_CLAUSES = {"ccomp", "advcl", "relcl", "acl", "xcomp", "conj", "parataxis", "csubj"}


@lru_cache(maxsize=1)
def _habitual() -> tuple[frozenset[str], list[re.Pattern[str]]]:
    words: set[str] = set()
    phrases: list[re.Pattern[str]] = []
    for row in models.read_patterns("dating"):
        if row.get("kind") == "habitual":
            words.update(w.lower() for w in row.get("adverbs", []))
            phrases += [re.compile(p) for p in row.get("phrases", [])]
    return frozenset(words), phrases


@lru_cache(maxsize=1)
def _same_time() -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for row in models.read_patterns("dating")
            if row.get("kind") == "same_time" for p in row.get("phrases", [])]


def refers_to_earlier_date(sentence: str) -> bool:
    """ "At the same event, ...", "the same day": the clause takes the date told just before."""
    return any(p.search(sentence) for p in _same_time())


@lru_cache(maxsize=1)
def _sequence() -> tuple[frozenset[str], list[re.Pattern[str]], dict[str, int]]:
    rows = [row for row in models.read_patterns("dating") if row.get("kind") == "sequence"]
    return (
        frozenset(w for row in rows for w in row.get("adverbs", [])),
        [re.compile(p, re.IGNORECASE) for row in rows for p in row.get("phrases", [])],
        {k: v for row in rows for k, v in row.get("days", {}).items()},
    )


def follows_earlier_event(verb, sentence: str) -> tuple[bool, int | None]:
    """ "Beijing then imposed ...", "The next day, customs began blocking ...": the clause
    is told as following the event narrated just before. Returns (whether it does, the
    offset in days when the phrase gives one: "the next day" 1, "two days later" 2)."""
    adverbs, phrases, days = _sequence()
    if any(ch.dep_ == "advmod" and ch.lower_ in adverbs for ch in verb.children):
        return True, None
    if any(ch.dep_ == "mark" for v in (verb, *verb.ancestors) for ch in v.children):
        return False, None  # "... after America had announced curbs": a subordinate clause
    for p in phrases:
        m = p.search(sentence)
        if m:
            words = re.findall(r"[\w-]+", m.group(0).lower())
            hit = next((days[w] for w in words if w in days), None)
            return True, hit
    return False, None


@lru_cache(maxsize=1)
def _ongoing() -> tuple[frozenset[str], frozenset[str]]:
    rows = [row for row in models.read_patterns("dating") if row.get("kind") == "ongoing"]
    return (frozenset(w for row in rows for w in row.get("aux", [])),
            frozenset(w for row in rows for w in row.get("lemmas", [])))


def ongoing(verb) -> bool:
    """ "Acme is building a refinery", "the two firms are negotiating a deal": the present
    progressive of an activity that lasts (build, negotiate, expand) tells work under way,
    not the day's news (news of it carries its day: "said on Tuesday it is building"). The
    progressive of an act ("the department is awarding $5 million") stays news."""
    aux, lemmas = _ongoing()
    if verb.tag_ != "VBG" or verb.lemma_.lower() not in lemmas:
        return False
    return any(ch.dep_ == "aux" and ch.lower_ in aux for ch in verb.children)


@lru_cache(maxsize=1)
def _kind_words(kind: str, key: str) -> frozenset[str]:
    return frozenset(w for row in models.read_patterns("dating") if row.get("kind") == kind for w in row.get(key, []))


def present_habit(verb) -> bool:
    """ "Officials talk of ...", "the ministers meet every year": the simple present of a
    meeting verb is a habit or a manner of speaking; a meeting in the news is told in the
    past, the progressive or the future."""
    return verb.tag_ in ("VBZ", "VBP") and verb.lemma_.lower() in _kind_words("present_habit", "lemmas") and not any(
        ch.dep_ in ("aux", "auxpass") for ch in verb.children
    )


def perfect_aux() -> frozenset[str]:
    """The auxiliaries of the present perfect ("has", "have", "'s", "'ve")."""
    return _kind_words("background_relative", "aux")


def background_relative(verb) -> bool:
    """ "Acme, which has received $50m in grants", "a mine whose owner has secured a loan":
    a perfect in a relative clause describes a party by its record; news of the act is
    told in a clause of its own."""
    aux = _kind_words("background_relative", "aux")
    return verb.dep_ == "relcl" and any(ch.dep_ == "aux" and ch.lower_ in aux for ch in verb.children)


def habitual(verb) -> bool:
    """The clause of `verb` carries a habitual or durative modifier, is an activity under
    way (see module doc and `ongoing`), a meeting verb's simple present or a perfect that
    describes a party (`present_habit`, `background_relative`)."""
    if ongoing(verb) or present_habit(verb) or background_relative(verb):
        return True
    words, phrases = _habitual()
    for ch in verb.children:
        if ch.dep_ in _CLAUSES:
            continue
        if ch.dep_ in ("advmod", "npadvmod") and ch.lower_ in words:
            return True
        if ch.dep_ in ("prep", "npadvmod", "advmod"):
            text = " ".join(t.lower_ for t in ch.subtree)
            if any(p.search(text) for p in phrases):
                return True
    return False
