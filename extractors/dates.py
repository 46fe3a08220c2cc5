"""Event dates in a sentence, resolved against the article's publication date.

Why a custom scanner around dateparser: dateparser parses one date string well but
does not find date expressions inside running text reliably (its `search_dates`
turns "to" and "may" into dates). We find the expressions with regexes, let
dateparser (languages=["en"], RELATIVE_BASE=publication date) parse the explicit
ones, and resolve the relative ones ("on Thursday", "last month", "this week")
ourselves with news conventions: weekdays point backwards unless the clause is
in the future tense; a year-less date takes the year that puts it nearest to the
publication date, leaning to the past.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import dateparser

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MON = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sep(?:t(?:ember)?|\.)?\.?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_ORD = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
_UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
}
_YEAR = r"(?:19|20)\d{2}"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(rf"\b({_YEAR})-(\d{{2}})-(\d{{2}})\b")),
    (
        "words",
        re.compile(
            rf"\b(\w+(?:-\w+)?) day of ({_MON}),? (?:in the year (?:of our Lord )?)?two thousand(?: and)? ([\w-]+)",
            re.IGNORECASE,
        ),
    ),
    ("mdy", re.compile(rf"\b({_MON})\s+(\d{{1}}|\d{{2}})(?:st|nd|rd|th)?,?\s+({_YEAR})\b")),
    ("dmy", re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MON}),?\s+({_YEAR})\b")),
    # "Sept. 30 last year", "the 4th of April this year": a day in a year given relatively
    ("md_rel_year", re.compile(rf"\b({_MON})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?i:last|this|next)) year\b")),
    ("dm_rel_year", re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MON}),?\s+((?i:last|this|next)) year\b")),
    (
        "md",
        re.compile(
            rf"\b({_MON})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?![,.]?\s*\d)(?!\s*(?:per|%|million|billion))"
        ),
    ),
    ("dm", re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MON})\b(?!,?\s+{_YEAR})")),
    ("my", re.compile(rf"\b({_MON}),?\s+(?:of\s+)?({_YEAR})\b")),
    ("m_last_year", re.compile(rf"\b({_MON})\s+(last|this|next) year\b")),
    ("last_m", re.compile(rf"\b((?i:last|this|next|earlier this|late|early|mid-?))\s*({_MON})\b")),
    (
        "m",
        re.compile(
            rf"\b(?i:in|since|from|during|until|by|through|of|on|late|early|mid-?|end of|beginning of)\s+(?i:late |early |mid-?)?({_MON})\b(?![\w-])"
        ),
    ),
    ("year", re.compile(rf"\b(?i:in|since|during|of|late|early|mid-?)\s+({_YEAR})\b(?!-)")),
    (
        "rel",
        re.compile(
            r"\b(today|yesterday|tonight|this morning|this afternoon|this evening|this week|last week|"
            r"next week|earlier this week|later this week|this month|last month|next month|"
            r"earlier this month|later this month|this year|last year|next year|earlier this year|"
            r"the previous day|the day before|this weekend|last weekend|the past week|the past month)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "ago",
        re.compile(
            r"\b(a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2}) (day|week|month)s? ago\b",
            re.IGNORECASE,
        ),
    ),
    (
        "weekday",
        re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:'s)?\b"),
    ),
]


@dataclass(frozen=True)
class DateMention:
    """A resolved date expression: char span in the searched text, ISO date string, precision."""

    start: int
    end: int
    date: str
    precision: str  # "day" | "month" | "year"
    kind: str  # explicit | yearless | relative | weekday
    text: str


def _month(s: str) -> int:
    return _MONTHS[s.lower().rstrip(".")[:4] if s.lower().startswith("sept") else s.lower()[:3]]


def _fmt(d: date, precision: str) -> str:
    if precision == "day":
        return d.isoformat()
    if precision == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return f"{d.year:04d}"


@lru_cache(maxsize=4096)
def _dateparser(text: str, base: date, prefer: str) -> date | None:
    res = dateparser.parse(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": datetime(base.year, base.month, base.day),
            "PREFER_DATES_FROM": prefer,
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return res.date() if res else None


def _nearest_year(month: int, day: int, pub: date, future: bool) -> date | None:
    """Year-less day: same year as publication unless that lands far in the future."""
    try:
        d = date(pub.year, month, day)
    except ValueError:
        return None
    if d > pub + timedelta(days=3) and not future:
        if (d - pub).days > 10:
            d = d.replace(year=pub.year - 1)
    elif future and (pub - d).days > 120:
        d = d.replace(year=pub.year + 1)
    return d


def _month_year(month: int, pub: date, future: bool) -> date:
    if month > pub.month and not (future and month - pub.month <= 6):
        return date(pub.year - 1, month, 1)
    if future and month < pub.month - 1:
        return date(pub.year + 1, month, 1)
    return date(pub.year, month, 1)


def _words_year(tail: str) -> int | None:
    parts = re.split(r"[-\s]+", tail.lower())
    total = 0
    for p in parts:
        if p in _UNITS:
            total += _UNITS[p]
        elif p in _ORD:
            total += _ORD[p]
    return 2000 + total if total else None


def _ordinal(word: str) -> int | None:
    parts = re.split(r"[-\s]+", word.lower())
    total = 0
    for p in parts:
        if p in _ORD:
            total += _ORD[p]
        elif p in _UNITS:
            total += _UNITS[p]
        elif re.fullmatch(r"\d+(?:st|nd|rd|th)?", p):
            total += int(re.sub(r"\D", "", p))
        else:
            return None
    return total or None


def weekday_before(pub: date, weekday: int, future: bool = False) -> date:
    """The most recent `weekday` on or before `pub` (or the next one on/after it if future)."""
    if future:
        return pub + timedelta(days=(weekday - pub.weekday()) % 7)
    return pub - timedelta(days=(pub.weekday() - weekday) % 7)


def _relative(expr: str, pub: date, future: bool) -> tuple[date, str] | None:
    e = expr.lower()
    if e in ("today", "tonight", "this morning", "this afternoon", "this evening"):
        return pub, "day"
    if e in ("yesterday", "the previous day", "the day before"):
        return pub - timedelta(days=1), "day"
    if e in ("this week", "earlier this week", "later this week", "this weekend", "the past week"):
        return pub, "month"
    if e in ("last week", "last weekend"):
        return pub - timedelta(days=7), "month"
    if e == "next week":
        return pub + timedelta(days=7), "month"
    if e in ("this month", "earlier this month", "later this month", "the past month"):
        return pub, "month"
    if e == "last month":
        return (pub.replace(day=1) - timedelta(days=1)), "month"
    if e == "next month":
        return (pub.replace(day=28) + timedelta(days=7)), "month"
    if e in ("this year", "earlier this year"):
        return pub, "year"
    if e == "last year":
        return pub.replace(year=pub.year - 1, day=1), "year"
    if e == "next year":
        return pub.replace(year=pub.year + 1, day=1), "year"
    return None


def find_dates(text: str, published: date | datetime, future: bool = False) -> list[DateMention]:
    """Every date expression in `text` resolved against `published`, in text order.

    `future` says the clause is about what will happen (weekdays then point forward).

    >>> [m.date for m in find_dates("On Oct. 28, and on Thursday", date(2025, 10, 31))]
    ['2025-10-28', '2025-10-30']
    """
    pub = published.date() if isinstance(published, datetime) else published
    taken: list[tuple[int, int]] = []
    out: list[DateMention] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for kind, rx in _PATTERNS:
        for m in rx.finditer(text):
            s, e = m.span()
            if not free(s, e):
                continue
            res: tuple[date, str] | None = None
            k = "explicit"
            g = m.groups()
            try:
                if kind == "iso":
                    res = date(int(g[0]), int(g[1]), int(g[2])), "day"
                elif kind == "words":
                    day, yr = _ordinal(g[0]), _words_year(g[2])
                    if day and yr:
                        res = date(yr, _month(g[1]), day), "day"
                elif kind in ("mdy", "dmy"):
                    raw = m.group(0)
                    d = _dateparser(raw, pub, "past")
                    if d is None:
                        mon, day = (g[0], g[1]) if kind == "mdy" else (g[1], g[0])
                        d = date(int(g[2]), _month(mon), int(day))
                    res = d, "day"
                elif kind in ("md_rel_year", "dm_rel_year"):
                    mon, day = (g[0], g[1]) if kind == "md_rel_year" else (g[1], g[0])
                    off = {"last": -1, "this": 0, "next": 1}[g[2].lower()]
                    res = date(pub.year + off, _month(mon), int(day)), "day"
                elif kind in ("md", "dm"):
                    if (
                        kind == "md"
                        and g[0] == "May"
                        and not re.match(r"\s+\d{1,2}\b", text[m.end(1) :])
                    ):
                        continue
                    mon, day = (g[0], g[1]) if kind == "md" else (g[1], g[0])
                    if not 1 <= int(day) <= 31:
                        continue
                    d = _nearest_year(_month(mon), int(day), pub, future)
                    res = (d, "day") if d else None
                    k = "yearless"
                elif kind == "my":
                    res = date(int(g[1]), _month(g[0]), 1), "month"
                elif kind == "m_last_year":
                    off = {"last": -1, "this": 0, "next": 1}[g[1].lower()]
                    res = date(pub.year + off, _month(g[0]), 1), "month"
                elif kind == "last_m":
                    mod = g[0].lower()
                    if g[1] == "May" and mod in ("late", "early", "mid", "mid-"):
                        pass
                    mon = _month(g[1])
                    if mod == "last":
                        yr = pub.year if mon < pub.month else pub.year - 1
                        res = date(yr, mon, 1), "month"
                    elif mod == "next":
                        yr = pub.year if mon > pub.month else pub.year + 1
                        res = date(yr, mon, 1), "month"
                    else:
                        res = _month_year(mon, pub, future), "month"
                    k = "yearless"
                elif kind == "m":
                    res = _month_year(_month(g[0]), pub, future), "month"
                    k = "yearless"
                elif kind == "year":
                    res = date(int(g[0]), 1, 1), "year"
                elif kind == "rel":
                    res = _relative(g[0], pub, future)
                    k = "relative"
                elif kind == "ago":
                    n = 1 if g[0].lower() in ("a", "an") else (
                        int(g[0]) if g[0].isdigit() else _UNITS[g[0].lower()]
                    )
                    unit = g[1].lower()
                    if unit == "day":
                        res = pub - timedelta(days=n), "day"
                    elif unit == "week":
                        res = pub - timedelta(weeks=n), "month"
                    else:
                        y, mth = divmod(pub.year * 12 + pub.month - 1 - n, 12)
                        res = date(y, mth + 1, 1), "month"
                    k = "relative"
                elif kind == "weekday":
                    wd = _WEEKDAYS.index(g[0].lower())
                    res = weekday_before(pub, wd, future), "day"
                    k = "weekday"
            except (ValueError, KeyError):
                res = None
            if res is None:
                continue
            d, prec = res
            taken.append((s, e))
            out.append(DateMention(s, e, _fmt(d, prec), prec, k, m.group(0)))
    return sorted(out, key=lambda x: x.start)


_HEADER = re.compile(
    rf"^\s*(?:(?:{_MON})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR}|\d{{1,2}}\s+{_MON}\s+{_YEAR}|"
    rf"(?:{_MON}),?\s+{_YEAR}|{_YEAR}-\d{{2}}-\d{{2}}|{_YEAR})\s*[:\-–—]?\s*$"
)


def date_header(line: str, published: date | datetime) -> DateMention | None:
    """A line that is only a date (a timeline entry's "Oct. 9, 2025:"), resolved; else None."""
    if not _HEADER.match(line):
        return None
    found = find_dates(line, published)
    if found:
        return found[0]
    m = re.search(_YEAR, line)
    if m:
        return DateMention(m.start(), m.end(), m.group(0), "year", "explicit", m.group(0))
    return None
