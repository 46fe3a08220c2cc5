"""One type for the dates of events: a day, a month or a year ("2025-10-09", "2025-10", "2025").

Why one type: extraction, merging (extractors/dedup.py), the warehouse (date ranges for
queries) and the evaluation all read these strings; each used to parse them its own way.
Here they are parsed once, with one rule for "compatible dates" (FORMAT.md: compare at the
coarser precision; two days at most one day apart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

PRECISIONS = ("day", "month", "year")
_RANK = {"day": 0, "month": 1, "year": 2}
_SHAPE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True)
class PartialDate:
    """A date known to the day, the month or the year; `start` is its first day."""

    start: date
    precision: str  # "day" | "month" | "year"

    @classmethod
    def parse(cls, value: str | None, precision: str | None = None) -> PartialDate | None:
        """From "YYYY[-MM[-DD]]" (a longer ISO string is read to the day); a given precision
        wins when the value holds it, else the value's own. None for anything else."""
        if not value:
            return None
        m = _SHAPE.match(str(value).strip())
        if m is None:
            return None
        y, mo, d = m.groups()
        own = "day" if d else "month" if mo else "year"
        prec = precision if precision in _RANK and _RANK[precision] >= _RANK[own] else own
        try:
            start = date(int(y), int(mo or 1), int(d or 1))
        except ValueError:
            return None
        if prec == "month":
            start = start.replace(day=1)
        elif prec == "year":
            start = date(start.year, 1, 1)
        return cls(start, prec)

    @property
    def end(self) -> date:
        """The last day it can mean."""
        if self.precision == "year":
            return date(self.start.year, 12, 31)
        if self.precision == "month":
            s = self.start
            return date(s.year + s.month // 12, s.month % 12 + 1, 1) - timedelta(days=1)
        return self.start

    def iso(self) -> str:
        return self.start.isoformat()[: {"year": 4, "month": 7}.get(self.precision, 10)]

    def compatible(self, other: PartialDate) -> bool:
        """FORMAT.md: compared at the coarser precision; day vs day at most one day apart."""
        coarse = self.precision if _RANK[self.precision] >= _RANK[other.precision] else other.precision
        if coarse == "day":
            return abs((self.start - other.start).days) <= 1
        if coarse == "month":
            return (self.start.year, self.start.month) == (other.start.year, other.start.month)
        return self.start.year == other.start.year


def compatible(a: str | None, a_prec: str | None, b: str | None, b_prec: str | None) -> bool:
    """Two date strings may name the same day; an undated side is compatible with nothing."""
    da, db = PartialDate.parse(a, a_prec), PartialDate.parse(b, b_prec)
    return da is not None and db is not None and da.compatible(db)
