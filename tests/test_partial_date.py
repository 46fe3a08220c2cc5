"""The one partial-date type (extractors/partial_date.py) behind extraction, merging,
the warehouse and the evaluation."""

from __future__ import annotations

from datetime import date

import pytest

from extractors import dedup, evaluate
from extractors.partial_date import PartialDate, compatible


@pytest.mark.parametrize(
    ("value", "precision", "start", "end", "prec"),
    [
        ("2025-10-09", None, date(2025, 10, 9), date(2025, 10, 9), "day"),
        ("2025-10", None, date(2025, 10, 1), date(2025, 10, 31), "month"),
        ("2024-02", None, date(2024, 2, 1), date(2024, 2, 29), "month"),
        ("2025-12", None, date(2025, 12, 1), date(2025, 12, 31), "month"),
        ("2025", None, date(2025, 1, 1), date(2025, 12, 31), "year"),
        ("2025-10-09", "month", date(2025, 10, 1), date(2025, 10, 31), "month"),  # the given precision wins
        ("2025-10", "day", date(2025, 10, 1), date(2025, 10, 31), "month"),  # but cannot invent a day
        ("2025-10-09T08:00:00", None, date(2025, 10, 9), date(2025, 10, 9), "day"),
    ],
)
def test_parse(value, precision, start, end, prec):
    d = PartialDate.parse(value, precision)
    assert (d.start, d.end, d.precision) == (start, end, prec)


@pytest.mark.parametrize("value", [None, "", "soon", "2025-13", "2025-02-30", "Oct 2025"])
def test_not_a_date(value):
    assert PartialDate.parse(value) is None
    assert not compatible(value, None, "2025-10", None)


def test_one_compatibility_rule_everywhere():
    pairs = [
        (("2025-10-20", "day"), ("2025-10-21", "day"), True),
        (("2025-10-20", "day"), ("2025-10-22", "day"), False),
        (("2025-10-31", "day"), ("2025-11-01", "day"), True),  # across a month end
        (("2025-10-20", "day"), ("2025-10", "month"), True),
        (("2025-10-20", "day"), ("2025-11", "month"), False),
        (("2025-10", "month"), ("2025", "year"), True),
        (("2024-10", "month"), ("2025", "year"), False),
    ]
    for (a, pa), (b, pb), want in pairs:
        assert compatible(a, pa, b, pb) is want, (a, b)
        assert dedup.dates_compatible(a, pa, b, pb) is want, (a, b)
        assert evaluate.dates_compatible({"date": a, "date_precision": pa}, {"date": b, "date_precision": pb}) is want


def test_iso_round_trip():
    for v in ("2025-10-09", "2025-10", "2025"):
        assert PartialDate.parse(v).iso() == v
