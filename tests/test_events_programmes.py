"""Government funding programmes vs investments (issue 12, type boundary).

FORMAT.md: industrial_policy is a government's programme or subsidy scheme naming no
specific project's financing; a named company or project receiving the money is an
investment. The sentences are invented for these tests.
"""

from __future__ import annotations

import pytest

from extractors.events import EventExtractor
from tests.sentence_events import events


@pytest.fixture(scope="module")
def ex() -> EventExtractor:
    return EventExtractor()


@pytest.mark.parametrize(
    "text",
    [
        "The Department of Energy announced $300 million in grants on Monday to expand lithium refining capacity.",
        "On Monday Chile announced $400 million in financing for projects that develop copper and lithium mining.",
        "Canada on Tuesday committed C$250 million to nickel and cobalt processing projects across the country.",
    ],
)
def test_a_government_funding_a_sector_is_industrial_policy(ex, text):
    got = [e.type for e in events(ex, text)]
    assert "industrial_policy" in got and "investment" not in got


@pytest.mark.parametrize(
    "text",
    [
        "The Energy Department on Monday awarded $50 million to Acme Lithium to expand its lithium refinery.",
        "Export Finance Australia agreed on Monday to lend $200 million towards the refinery, which will process rare earths.",
        "On Monday the export bank offered $90 million in financing for Borealis Metals' graphite mine.",
    ],
)
def test_money_for_a_named_company_or_project_stays_an_investment(ex, text):
    got = [e.type for e in events(ex, text)]
    assert "investment" in got and "industrial_policy" not in got


def test_a_programme_without_money_is_not_retyped(ex):
    # "financing commitments" with no figure: neither a programme event nor an investment
    text = "Countries such as Norway offer a good base for graphite plants thanks to their financing commitments."
    assert [e.type for e in events(ex, text) if e.type == "industrial_policy"] == []
