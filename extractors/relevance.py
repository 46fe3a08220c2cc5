"""Cheap lexicon gate: does an article mention rare earths / critical minerals at all?

Why: most news never mentions a critical mineral, and spaCy costs ~0.3 s per
article; a regex over title + text rejects those before any parsing. The gate is
deliberately generous (recall first); the event rules do the precise work.
"""

from __future__ import annotations

import re

import models
from extractors.alternation import compile_words
from extractors.types import Article

# Context phrases the gate counts though they name no single mineral ("a minerals deal");
# the minerals themselves come from the one vocabulary, models/patterns/entities.jsonl.
_MINERAL_CONTEXT = ("deal", "pact", "agreement", "framework", "partnership", "security", "supply",
                    "reserve", "reserves", "stockpile", "dialogue")


def _variants(form: str) -> list[str]:
    """A form and its other number ("critical materials" / "critical material")."""
    if form.endswith("ies"):
        return [form, form[:-3] + "y"]
    if form.endswith("s") and not form.endswith("ss") and len(form) > 3:
        return [form, form[:-1]]
    return [form]


def gate_forms() -> list[str]:
    """Every surface form the gate looks for: the strong (not `weak`) COMMODITY rows of the
    entity vocabulary, each in both numbers, plus the mineral context phrases."""
    rows = models.read_patterns("entities")
    forms = [r["pattern"] for r in rows if r["label"] == "COMMODITY" and not r.get("weak")]
    forms += [f"{m} {w}" for m in ("mineral", "minerals") for w in _MINERAL_CONTEXT]
    return list(dict.fromkeys(v for f in forms for v in _variants(f)))


def _form_regex(form: str) -> str:
    words = re.split(r"[\s-]+", form)
    rx = r"[\s-]+".join(re.escape(w) for w in words)
    if form.isupper() or (len(form) <= 5 and form[:-1].isupper()):
        return f"(?-i:{rx})"  # "REE", "REEs", "PGMs" only with their capitals
    return rx


_FORMS = sorted(gate_forms(), key=len, reverse=True)  # longest first: one hit per phrase
_STRONG_ALTS = [_form_regex(f) for f in _FORMS]
_STRONG = "|".join(_STRONG_ALTS)
_RX = compile_words(_STRONG_ALTS, True, r"\b", r"\b")
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


_LOOSE = compile_words(
    [*_STRONG_ALTS, "minerals?", "mining", "magnets?", r"refiner(?:y|ies)", r"smelt\w*", "processing plant"],
    True, r"\b", r"\b",
)


def has_commodity_loose(text: str) -> bool:
    """Broader test for choosing sentences to parse ("mineral production", "mining")."""
    return bool(_LOOSE.search(text))


# --- the same gate on raw markup, before any text extraction ---------------------------


# one-word forms as words; every phrase form as the set of its words (all must be there)
_LETTERS = bytes(c if 97 <= c <= 122 else 32 for c in range(256))  # a-z kept, all else a space
_WORDS = frozenset(w for f in _FORMS if len(ws := f.lower().encode().translate(_LETTERS).split()) == 1 for w in ws)
_PHRASES: tuple[frozenset[bytes], ...] = tuple(dict.fromkeys(
    frozenset(ws) for f in _FORMS if len(ws := f.lower().encode().translate(_LETTERS).split()) > 1
))
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
        if words & _WORDS or any(p <= words for p in _PHRASES):
            return True
    return False


def _gate_version() -> str:
    """A short hash of the markup gate's vocabulary: pages it skipped are re-read when it changes."""
    import hashlib

    phrases = sorted(sorted(p) for p in _PHRASES)
    raw = repr((_STRONG, sorted(_WORDS), phrases)).encode()
    return "gate-" + hashlib.sha1(raw).hexdigest()[:12]


GATE_VERSION = _gate_version()
