"""Analysis and feature prose the event rules used to read as news (issue 12, held-out outlets).

Each case is one class of errors found on held-out outlets (magazine analysis, business
features), written here as new sentences (never taken from a gold file): a record of
partnerships tallied, a party described by what it has received, the simple present or
progressive of a meeting verb, a company's meeting, a share price, a decision to restrict
exports, a plan with a date of its own.
"""

from __future__ import annotations

import pytest

from extractors.events import EventExtractor
from tests.sentence_events import events, found


@pytest.fixture(scope="module")
def ex() -> EventExtractor:
    return EventExtractor()


@pytest.mark.parametrize(
    "text",
    [
        "Canada has signed critical minerals partnerships with more than 15 countries.",
        "Japan has struck rare earth partnerships with countries including India, Vietnam and Brazil.",
        "The EU has signed partnerships on lithium with Chile, Peru and others.",
        "Britain has signed bilateral agreements on critical minerals, for example with Kenya and Peru.",
    ],
)
def test_a_tally_of_partnerships_is_no_event(ex, text):
    assert found(ex, text, "agreement") == []


@pytest.mark.parametrize(
    "text",
    [
        "Canada signed critical minerals agreements with Peru and Chile on Monday.",
        "Canada has signed a critical minerals agreement with Peru and Chile.",
    ],
)
def test_named_counterparts_are_still_agreements(ex, text):
    deals = found(ex, text, "agreement")
    assert deals and all("CA" in e.actors for e in deals)
    assert {a for e in deals for a in e.actors} >= {"PE", "CL"}


@pytest.mark.parametrize(
    "text",
    [
        "Acme Metals, which has received $500m in government funding to build a lithium refinery, said costs had risen.",
        "Officials praised a graphite mine in Tanzania, whose owner has received a loan from the Japanese government.",
    ],
)
def test_a_party_described_by_its_record_is_no_news(ex, text):
    assert found(ex, text, "investment") == []


def test_the_same_record_said_as_news_stays_news(ex):
    text = "Acme Metals said it has received $500m in government funding to build a lithium refinery."
    inv = found(ex, text, "investment")
    assert [(e.date, e.amount) for e in inv] == [("2025-11-13", 5e8)]


@pytest.mark.parametrize(
    "text",
    [
        "The boss of a Canadian lithium firm is discussing his next venture in Congo.",
        "Japanese officials talk of lithium deals with Chile.",
        "Canadian and Chilean ministers meet every year to discuss lithium.",
    ],
)
def test_a_meeting_verb_in_the_present_is_no_meeting(ex, text):
    assert found(ex, text, "talks") == []


def test_a_meeting_told_in_the_past_is_talks(ex):
    talks = found(ex, "Canadian and Chilean ministers met on Tuesday to discuss lithium.", "talks")
    assert [e.date for e in talks] == ["2025-11-11"] and {"CA", "CL"} <= set(talks[0].actors)


@pytest.mark.parametrize(
    "text",
    [
        "Speaking at Acme Metals' annual shareholder meeting in Perth on Tuesday, the chief executive said rare earth prices were too low.",
        "Events at the Boreal Minerals annual general meeting last Friday worried officials in Canberra. Boreal mines rare earths.",
    ],
)
def test_a_company_meeting_is_no_talks(ex, text):
    assert found(ex, text, "talks") == []


def test_meeting_standards_is_no_meeting(ex):
    text = "Anglo American, a global miner, has to meet at least six different standards for mining cobalt."
    assert found(ex, text, "talks") == []


@pytest.mark.parametrize(
    "text",
    [
        "Acme Metals shares closed 2 cents lower yesterday after rare earth prices fell.",
        "Acme Metals shares closed 3 cents lower yesterday at $6.02 as rare earth prices fell.",
    ],
)
def test_a_share_price_is_no_investment(ex, text):
    assert found(ex, text, "investment") == []


def test_a_share_placement_closed_is_an_investment(ex):
    inv = found(ex, "Acme Metals closed a $200m share placement to fund its rare earth refinery on Tuesday.", "investment")
    assert [(e.date, e.amount) for e in inv] == [("2025-11-11", 2e8)]


@pytest.mark.parametrize(
    ("text", "date", "party"),
    [
        ("In April, Indonesia's decision to restrict exports of nickel ore shocked markets.", "2025-04", "ID"),
        ("Traders recalled the Chinese government's decision in March to ban the export of gallium refining technology.", "2025-03", "CN"),
    ],
)
def test_a_decision_to_restrict_exports_is_the_act(ex, text, date, party):
    ctl = found(ex, text, "export_control")
    assert [(e.date, e.actors) for e in ctl] == [(date, [party])]


def test_a_plan_with_its_own_date_is_scheduled(ex):
    ctl = found(ex, "Brazil plans to introduce export controls on niobium in January.", "export_control")
    assert [(e.date, e.actors) for e in ctl] == [("2026-01", ["BR"])]
    pol = found(ex, "Canberra plans to unveil a critical minerals strategy next month.", "industrial_policy")
    assert [(e.date, e.actors) for e in pol] == [("2025-12", ["AU"])]


@pytest.mark.parametrize(
    "text",
    [
        "Brazil plans to introduce export controls on niobium.",
        "Brazil plans to introduce export controls on niobium by 2030.",
        "Brazil planned to introduce export controls on niobium in January.",
    ],
)
def test_an_undated_or_past_plan_stays_speculation(ex, text):
    assert found(ex, text, "export_control") == []


def test_a_stockpile_programme_is_one_stockpile_event(ex):
    evs = events(ex, "Japan launched a $2 billion rare earths stockpile initiative on Monday.")
    assert [(e.type, e.date, e.actors) for e in evs] == [("stockpile", "2025-11-10", ["JP"])]


_OPENING = (
    "Copper prices rose on Monday. Traders in London were cautious. Shipping rates fell. "
    "A port strike in Chile ended. Analysts cut their forecasts. Factory output in Asia slowed. "
    "The dollar weakened against the euro. Oil was flat. Bond yields edged up. "
    "Stocks in Tokyo closed higher. "
)


@pytest.mark.parametrize(
    ("text", "typ"),
    [
        ("Canada has also signed a rare earths supply agreement with Japan.", "agreement"),
        ("The agency has committed $900m in loans to lithium and graphite refineries.", "investment"),
    ],
)
def test_an_undated_perfect_deep_in_the_body_is_background(ex, text, typ):
    # after the opening sentences an undated perfect sums up a party's record
    assert found(ex, _OPENING + text, typ) == []


@pytest.mark.parametrize(
    ("text", "typ"),
    [
        ("Canada has signed a rare earths supply agreement with Japan.", "agreement"),
        ("The US Department of Energy has committed $900m in loans to a lithium refinery.", "investment"),
    ],
)
def test_an_undated_perfect_in_the_opening_is_the_days_news(ex, text, typ):
    assert [e.date for e in found(ex, text + " Copper prices rose. Traders were cautious.", typ)] == ["2025-11-13"]


def test_a_dated_perfect_deep_in_the_body_keeps_its_date(ex):
    deals = found(ex, _OPENING + "Canada has signed a rare earths supply agreement with Japan on Tuesday.", "agreement")
    assert [e.date for e in deals] == ["2025-11-11"]


@pytest.mark.parametrize(
    ("text", "typ"),
    [
        ("Provinces that sign offtake agreements with Japan are well placed to win rare earth contracts.",
         "agreement"),
        ("The US bill adds $300m to federal grants, which provide funding to critical mineral projects.", "investment"),
        ("Vietnam prefers to tax imports rather than restrict exports of rare earths.", "export_control"),
        ("The Pentagon sets a price floor for rare earth oxide in its deals with miners.", "trade_measure"),
    ],
)
def test_an_undated_present_deep_in_the_body_is_background(ex, text, typ):
    # after the opening sentences an undated simple present says how things stand or work
    assert found(ex, _OPENING + text, typ) == []


@pytest.mark.parametrize(
    ("text", "typ"),
    [
        ("Vietnam restricts exports of rare earths to its neighbours.", "export_control"),
        ("Japan signs a rare earths supply agreement with Australia.", "agreement"),
    ],
)
def test_an_undated_present_in_the_opening_is_the_days_news(ex, text, typ):
    assert [e.date for e in found(ex, text + " Copper prices rose. Traders were cautious.", typ)] == ["2025-11-13"]


def test_a_dated_present_deep_in_the_body_keeps_its_date(ex):
    text = _OPENING + "On Tuesday Vietnam restricts exports of rare earths to its neighbours."
    assert [e.date for e in found(ex, text, "export_control")] == ["2025-11-11"]


@pytest.mark.parametrize(
    "text",
    ["On Tuesday the US government declared an intent to provide $900m in loans to Kestrel Magnetics "
     "for its rare earth magnet plant.",
     "On Tuesday the Export-Import Bank announced its intent to provide $120 million in financing "
     "for Zorvan Metals' rare earth project."],
)
def test_an_intent_to_finance_is_an_announced_investment(ex, text):
    assert [e.date for e in found(ex, text, "investment")] == ["2025-11-11"]
