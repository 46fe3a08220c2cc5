"""The grouped word alternation matches exactly what the plain alternation matches."""

from __future__ import annotations

import re

from extractors.alternation import alternation, compile_words
from extractors.relevance import _LOOSE, _RX, _STRONG

TEXTS = [
    "Beijing tightened export controls on rare earths and REEs on Friday.",
    "The rare-earth magnets plant will refine lithium; ree and Rare Earth Elements follow.",
    "A minerals deal was signed, mining companies said, and smelters agreed.",
    "Nothing here at all, only critical and strategic raw materials in a list.",
    "Kelvin \u212a and long s \u017f are odd letters; Signing, signed, sign-up.",
]
ALTS = ["critical raw materials", "critical", "crit", "rare[\\s-]+earths?", "(?-i:REEs?)", "sign", "signed", "mining", "mine"]


def _plain(alts: list[str], flags: int) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{'|'.join(alts)})\b", flags)


def test_same_matches_as_plain_alternation() -> None:
    for flags in (re.IGNORECASE, 0):
        grouped = compile_words(ALTS, bool(flags), r"\b", r"\b")
        plain = _plain(ALTS, flags)
        for text in TEXTS:
            assert [m.span() for m in grouped.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_not_plain_to_see_falls_back() -> None:
    for odd in (["s?ign", "mine"], ["(?:a|b)c", "d"], ["ab|cd"], ["\\d+ tonnes"]):
        assert alternation(odd, True) == "|".join(odd)


def test_commodity_gate_unchanged() -> None:
    plain = re.compile(rf"\b(?:{_STRONG})\b", re.IGNORECASE)
    loose = re.compile(
        rf"\b(?:{_STRONG}|minerals?|mining|magnets?|refiner(?:y|ies)|smelt\w*|processing plant)\b", re.IGNORECASE
    )
    for text in TEXTS:
        assert _RX.findall(text) == plain.findall(text)
        assert [m.span() for m in _LOOSE.finditer(text)] == [m.span() for m in loose.finditer(text)]
