"""Date expressions resolved against the publication date; country normalisation."""

from datetime import date

import pytest

from extractors.dates import date_header, find_dates, weekday_before
from extractors.geo import country_code

PUB = date(2025, 10, 30)  # a Thursday


def first(text, pub=PUB, future=False):
    found = find_dates(text, pub, future)
    assert found, text
    return found[0].date, found[0].precision


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On Oct. 28, 2025, they signed", ("2025-10-28", "day")),
        ("on Oct. 26 and", ("2025-10-26", "day")),
        ("From 4 April, companies need licences", ("2025-04-04", "day")),
        ("In April 2025 China began", ("2025-04", "month")),
        ("In May, talks were held", ("2025-05", "month")),
        ("announced in December 2024", ("2024-12", "month")),
        ("last month", ("2025-09", "month")),
        ("next month", ("2025-11", "month")),
        ("this week", ("2025-10", "month")),
        ("today", ("2025-10-30", "day")),
        ("on Wednesday", ("2025-10-29", "day")),
        ("Thursday's call", ("2025-10-30", "day")),
        ("this twentieth day of October, two thousand and twenty-five", ("2025-10-20", "day")),
        ("this 28th day of October, two thousand and twenty-five", ("2025-10-28", "day")),
        ("in 2024", ("2024", "year")),
        ("two days ago", ("2025-10-28", "day")),
        ("three months ago", ("2025-07", "month")),
        ("in mid-October", ("2025-10", "month")),
        ("Sept. 30", ("2025-09-30", "day")),
        ("On Sept. 30 last year, Beijing banned", ("2024-09-30", "day")),
        ("on the 4th of April this year", ("2025-04-04", "day")),
        ("until March 1 next year", ("2026-03-01", "day")),
        ("imposed last December", ("2024-12", "month")),
        ("Friday's update to the list", ("2025-10-24", "day")),
        ("earlier this year", ("2025", "year")),
    ],
)
def test_find_dates(text, expected):
    assert first(text) == expected


def test_month_without_year_prefers_the_past():
    assert first("in November", pub=date(2025, 4, 25)) == ("2024-11", "month")
    assert first("in October", pub=date(2026, 1, 16)) == ("2025-10", "month")


def test_future_clause_points_forward():
    assert first("will meet on Monday", future=True) == ("2025-11-03", "day")


def test_yearless_day_just_after_publication_stays_in_year():
    assert first("leaders will meet on Oct. 31", future=True) == ("2025-10-31", "day")


def test_may_the_modal_is_not_a_date():
    assert find_dates("China may impose controls", PUB) == []


def test_weekday_before():
    assert weekday_before(date(2025, 11, 10), 6) == date(2025, 11, 9)
    assert weekday_before(date(2025, 11, 10), 0) == date(2025, 11, 10)


def test_timeline_header():
    h = date_header("Oct. 9, 2025:", PUB)
    assert h is not None and h.date == "2025-10-09"
    assert date_header("April 2025:", PUB).date == "2025-04"
    assert date_header("China expands export controls.", PUB) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Beijing", "CN"), ("Chinese", "CN"), ("Washington", "US"), ("U.S.", "US"),
        ("American", "US"), ("Tokyo", "JP"), ("Canberra", "AU"), ("European Union", "EU"),
        ("EU", "EU"), ("Britain", "GB"), ("DRC", "CD"), ("Kuala Lumpur", "MY"), ("us", None),
    ],
)
def test_country_code(text, code):
    assert country_code(text) == code
