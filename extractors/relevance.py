"""Cheap lexicon gate: does an article mention rare earths / critical minerals at all?

Why: most news never mentions a critical mineral, and spaCy costs ~0.3 s per
article; a regex over title + text rejects those before any parsing. The gate is
deliberately generous (recall first); the event rules do the precise work.
"""

from __future__ import annotations

import re

from extractors.types import Article

_STRONG = (
    r"rare[\s-]+earths?|critical[\s-]+(?:and strategic\s+)?(?:raw\s+)?(?:minerals?|materials?|metals?)|"
    r"strategic[\s-]+(?:minerals?|metals?)|transition minerals?|minerals? (?:deal|pact|agreement|"
    r"framework|partnership|security|supply|reserves?|stockpile|dialogue)|"
    r"scandium|yttrium|lanthanum|cerium|praseodymium|neodymium|promethium|samarium|europium|"
    r"gadolinium|terbium|dysprosium|holmium|erbium|thulium|ytterbium|lutetium|gallium|germanium|"
    r"antimony|graphite|tungsten|lithium|cobalt|nickel|manganese|tantalum|niobium|indium|"
    r"tellurium|bismuth|vanadium|molybdenum|beryllium|hafnium|permanent magnets?|"
    r"rare[\s-]earth magnets?|ndfeb|superhard materials|seabed mining|deep[\s-]sea mining"
)
_RX = re.compile(rf"\b(?:{_STRONG})\b", re.IGNORECASE)
MAX_SCAN_CHARS = 400_000


def relevance_hits(article: Article) -> int:
    """Number of strong commodity terms in the title and (the first 400k chars of) the text."""
    title = article.title or ""
    text = (article.text or "")[:MAX_SCAN_CHARS]
    return len(_RX.findall(title)) * 3 + len(_RX.findall(text))


def is_relevant(article: Article, min_hits: int = 1) -> bool:
    """True when the article mentions a critical mineral often enough to be worth parsing."""
    return relevance_hits(article) >= min_hits


def has_commodity(text: str) -> bool:
    """True when `text` names a rare earth / critical mineral term (used for context windows)."""
    return bool(_RX.search(text))


_LOOSE = re.compile(
    rf"\b(?:{_STRONG}|minerals?|mining|magnets?|refiner(?:y|ies)|smelt\w*|processing plant)\b",
    re.IGNORECASE,
)


def has_commodity_loose(text: str) -> bool:
    """Broader test for choosing sentences to parse ("mineral production", "mining")."""
    return bool(_LOOSE.search(text))
