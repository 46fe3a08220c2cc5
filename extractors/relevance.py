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


# --- the same gate on raw markup, before any text extraction ---------------------------


def _top_level(pattern: str) -> list[str]:
    """The top-level alternatives of a regex source (split on `|` outside parentheses)."""
    parts, depth, cur = [], 0, ""
    for ch in pattern:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "|" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


# one-word terms ("lithium", "ndfeb") come straight from _STRONG; every phrase term needs a
# word of each group below (tests/test_relevance_markup.py keeps the two in step)
_WORDS = frozenset(t.encode() for t in _top_level(_STRONG) if re.fullmatch(r"[a-z]+", t))
_PHRASES: tuple[tuple[frozenset[bytes], frozenset[bytes]], ...] = tuple(
    (frozenset(a.encode().split()), frozenset(b.encode().split()))
    for a, b in (
        ("rare", "earth earths"),
        ("critical strategic transition", "mineral minerals material materials metal metals"),
        ("mineral minerals", "deal pact agreement framework partnership security supply reserve "
                             "reserves stockpile dialogue"),
        ("permanent", "magnet magnets"),
        ("superhard", "materials"),
        ("seabed sea", "mining"),
    )
)
_LETTERS = bytes(c if 97 <= c <= 122 else 32 for c in range(256))  # a-z kept, all else a space
_MARKUP_TAG = re.compile(rb"<[^<>]*>")


def markup_may_mention(markup: str) -> bool:
    """False only when no text extracted from this HTML can pass the gate (never too strict).

    Why: text extraction costs ~25 ms a page and most news names no mineral. Extracted text is
    made of the page's text nodes, so each term's words are in the markup as words: read with
    tags as separators and, for words split by inline tags ("<b>Li</b>thium"), with tags
    removed. A word-set test over bytes costs ~2 ms where the regex over 130 kB costs ~15.
    (Letters written as numeric entities are not decoded; no news site spells words so.)
    """
    low = markup.encode("utf-8", "ignore").lower()
    for variant in (low, _MARKUP_TAG.sub(b"", low)):
        words = set(variant.translate(_LETTERS).split())
        if words & _WORDS or any(a & words and b & words for a, b in _PHRASES):
            return True
    return False
