"""Which sentences are worth parsing: a trigger word and a commodity term in or near them.

Why: spaCy is the stage's cost, and most sentences of a relevant article report nothing.
A cheap regex built from every trigger lemma, plus the commodity flags set at
segmentation, picks the candidates; page furniture and related-article teasers never are.
"""

from __future__ import annotations

import re

from extractors.alternation import compile_words
from extractors.events.context import Rule, Seg
from extractors.events.rules import LEDE, WINDOW

MAX_PARSE_CHARS = 40_000  # characters sent to spaCy per article (about 7k words, 2 s)
MAX_CANDIDATES = 300  # parsed sentences per article at most

_TRIGGER_HINT = re.compile(
    r"\b(export|control|curb|ban|restrict|licen[cs]|sign|ink|deal|agree|pact|framework|"
    r"memorand|mou|partnership|accord|invest|loan|financ|fund|stake|equity|plant|refiner|"
    r"facilit|mine\b|tariff|dut(?:y|ies)|investigat|probe|quota|stockpil|reserve|talk|"
    r"negotiat|summit|meet|call|truce|consensus|dialogue|ministerial|order|law|strateg|"
    r"program|polic|rule|fast-track|suspen|lift|eas|exempt|resum|halt|sanction|sign)",
    re.IGNORECASE,
)

_FURNITURE = compile_words(
    ["read more", "appeared first on", "originally published", "read original article", "sign up", "subscribe",
     "newsletter", "related:", "click here", "share this", "follow us", "all rights reserved", "copyright"],
    True,
)
# a source list or citation: "Sources: ...", "Notes: ...", '... Billion”, Reuters, 6 September 2023'
_CITATION = re.compile(
    r"^\W*(?:sources?|notes?|references?|bibliography|further reading)\s*:"
    r"|[”\"],\s*[A-Z][\w.&' -]{1,40},\s*(?:\d{1,2} [A-Z][a-z]+|[A-Z][a-z]+ \d{1,2},?) \d{4}",
    re.IGNORECASE,
)
# a related-article teaser: "Mar 6, 2026 Clean Energy Frontier South African project ..."
_TEASER = re.compile(
    r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4} [A-Z][a-z]+ [A-Z]"
)


_IRREGULAR = (
    "met", "struck", "held", "began", "begun", "took", "taken", "led", "made", "won", "brought",
    "sought", "came", "went", "gone", "got", "lent", "froze", "frozen", "spoke", "spoken", "set",
    "cut", "put", "hit", "drew", "drawn", "rose", "grew", "bought", "told", "oversaw",
)


def hint_regex(rules: list[Rule]) -> re.Pattern[str]:
    """Cheap prefilter built from every trigger lemma (plus irregular verb forms)."""
    stems = set(_IRREGULAR)
    for r in rules:
        for lem in r.lemmas:
            stem = lem[:-1] if len(lem) > 4 and lem.endswith("e") else lem
            stems.add(stem[:-1] if stem.endswith("y") and len(stem) > 4 else stem)
    return compile_words(sorted((re.escape(x) for x in stems), key=len, reverse=True), True, r"\b")


def is_cand(segs: list[Seg], i: int, title_commodity: bool, hint: re.Pattern[str] = _TRIGGER_HINT) -> bool:
    """Parse a sentence only if it has a trigger word and a commodity term in or near it."""
    s = segs[i]
    if _FURNITURE.search(s.text) or _TEASER.search(s.text) or _CITATION.search(s.text):
        return False
    if not hint.search(s.text):
        return False
    if s.commodity:
        return True
    lo, hi = max(0, i - WINDOW), min(len(segs), i + WINDOW + 1)
    return title_commodity or any(x.commodity for x in segs[lo:hi])


def choose(segs: list[Seg], hits: int, hint: re.Pattern[str]) -> list[Seg]:
    """The sentences of one article to parse, in order, within the per-article budget.

    The title always (a headline may restate a body event), candidates (`is_cand`), and
    when the article names commodities often (`hits` >= 3) the lede's sentences with a
    trigger word; nothing when the title is the only candidate (events come from body
    sentences).
    """
    title_com = any(s.is_title and s.commodity for s in segs)
    lede = {n for n, x in enumerate(segs) if not x.is_title}
    lede = set(sorted(lede)[:LEDE]) if hits >= 3 else set()
    chosen = [
        s for i, s in enumerate(segs)
        if s.is_title or is_cand(segs, i, title_com, hint)
        or (i in lede and hint.search(s.text) and not _FURNITURE.search(s.text) and not _CITATION.search(s.text))
    ]
    if all(s.is_title for s in chosen):
        chosen = []
    out: list[Seg] = []
    budget = MAX_PARSE_CHARS
    for seg in chosen[:MAX_CANDIDATES]:
        budget -= len(seg.text)
        if budget < 0:
            break
        out.append(seg)
    return out
