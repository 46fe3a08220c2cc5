"""Money figures: "$8.5 billion" -> (8.5e9, "USD"), "A$180 million" -> (1.8e8, "AUD").

Why regex and not spaCy MONEY entities: the currency prefix (A$, US$, C$) is what
matters here and spaCy's tokens split it unpredictably; a regex over the sentence
is exact and cheap.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_PREFIX = {
    "us$": "USD",
    "usd": "USD",
    "$": "USD",
    "a$": "AUD",
    "au$": "AUD",
    "aud": "AUD",
    "c$": "CAD",
    "ca$": "CAD",
    "cad": "CAD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "¥": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "jpy": "JPY",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "r$": "BRL",
}
_SUFFIX = {
    "dollars": "USD",
    "dollar": "USD",
    "us dollars": "USD",
    "u.s. dollars": "USD",
    "australian dollars": "AUD",
    "canadian dollars": "CAD",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rmb": "CNY",
    "euros": "EUR",
    "euro": "EUR",
    "yen": "JPY",
    "pounds": "GBP",
    "pounds sterling": "GBP",
    "won": "KRW",
    "rupees": "INR",
    "rupee": "INR",
    "ringgit": "MYR",
    "baht": "THB",
}
_SCALE = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "million": 1e6,
    "bn": 1e9,
    "b": 1e9,
    "billion": 1e9,
    "tn": 1e12,
    "trillion": 1e12,
}
_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE_RE = r"(?:\s?(thousand|million|billion|trillion|mln|mn|bn|tn|[kmb])\b)?"
_PREFIX_RE = re.compile(
    r"(?<![\w$])(US\$|A\$|AU\$|C\$|CA\$|NZ\$|HK\$|S\$|R\$|USD|AUD|CAD|EUR|GBP|RMB|CNY|JPY|\$|€|£|¥)\s?"
    + _NUM
    + _SCALE_RE,
    re.IGNORECASE,
)
_SUFFIX_RE = re.compile(
    # "80bn rupees", and the adjective "an 80bn-rupee plan", "a 10-billion-yuan fund"
    _NUM + _SCALE_RE.replace(r"\s?", r"[\s-]?") + r"[\s-](australian dollars|canadian dollars|u\.s\. dollars|us dollars|"
    r"dollars?|yuan|renminbi|rmb|euros?|yen|pounds(?: sterling)?|won|rupees?|ringgit|baht)\b",
    re.IGNORECASE,
)


_PRICE = re.compile(
    r"\s*(?:/|per\b|a (?:kg|kilogram|tonne|ton|pound|share|barrel|unit)\b|an (?:ounce|hour)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Money:
    """One money figure found in a text span."""

    amount: float
    currency: str
    start: int
    end: int


MAX_AMOUNT = 1e15  # a quadrillion: ten times world GDP; a larger "amount" is a typo or an attack


def _value(num: str, scale: str | None) -> float | None:
    """The figure's value, or None if absurd (400 digits is infinity as a float)."""
    if len(num) > 40:
        return None
    value = float(num.replace(",", "")) * _SCALE.get((scale or "").lower(), 1.0)
    return value if math.isfinite(value) and value <= MAX_AMOUNT else None


def find_money(text: str) -> list[Money]:
    """All money figures in `text`, in order of appearance.

    >>> [(m.amount, m.currency) for m in find_money("an $8.5 billion pact and A$180 million")]
    [(8500000000.0, 'USD'), (180000000.0, 'AUD')]
    """
    found: list[Money] = []
    for m in _PREFIX_RE.finditer(text):
        if _PRICE.match(text, m.end()):
            continue  # "$110/kg", "$5 a share": a price, not a sum of money
        cur = _PREFIX[m.group(1).lower()]
        value = _value(m.group(2), m.group(3))
        if value is not None:
            found.append(Money(value, cur, m.start(), m.end()))
    for m in _SUFFIX_RE.finditer(text):
        if any(f.start <= m.start() < f.end for f in found):
            continue
        cur = _SUFFIX[m.group(3).lower()]
        value = _value(m.group(1), m.group(2))
        if value is not None:
            found.append(Money(value, cur, m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def parse_money(text: str) -> tuple[float, str] | None:
    """The first money figure in `text` as (amount, ISO 4217 currency), else None."""
    found = find_money(text)
    return (found[0].amount, found[0].currency) if found else None
