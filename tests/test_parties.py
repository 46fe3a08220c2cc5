"""Who the parties of an event are (extractors/parties.py), on hand-written sentences."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from extractors.events import EventExtractor
from extractors.parties import anaphor, is_lender, is_not_party, official_country
from extractors.types import Article


@pytest.fixture(scope="module")
def ex() -> EventExtractor:
    return EventExtractor()


def found(ex, text: str, pub: str = "2025-10-30") -> list[tuple[str, list[str]]]:
    a = Article(url=f"http://example.test/p{abs(hash(text))}", title="Minerals news", text=text,
                published=datetime.fromisoformat(pub))
    return [(e.type, sorted(e.actors)) for e in ex.extract([a])[0]]


def test_officials_resolve_by_date():
    assert official_country("Donald Trump", date(2019, 5, 1)) == "US"
    assert official_country("Donald Trump", date(2023, 5, 1)) is None  # between his terms
    assert official_country("Donald Trump", date(2025, 3, 1)) == "US"
    assert official_country("Joe Biden", date(2022, 1, 1)) == "US"
    assert official_country("Joe Biden", date(2025, 6, 1)) is None
    assert official_country("Sanae Takaichi", date(2025, 11, 1)) == "JP"
    assert official_country("Sanae Takaichi", date(2024, 1, 1)) is None
    assert official_country("Wang Wentao", date(2025, 1, 1)) == "CN"
    assert official_country("Nobody In Particular", date(2025, 1, 1)) is None


def test_leaders_stand_for_their_countries(ex):
    text = "Takaichi and Trump signed an agreement on rare earth supply on Tuesday."
    assert found(ex, text) == [("agreement", ["JP", "US"])]


def test_a_former_leader_is_nobody_s_party(ex):
    text = "Albanese and Biden signed an agreement on rare earth supply on Tuesday."
    # in 2025 Biden no longer speaks for the US; Albanese still does for Australia
    assert found(ex, text) == [("agreement", ["AU"])]


def test_the_two_leaders_are_the_ones_named_before(ex):
    text = ("Japan's prime minister welcomed Canada's prime minister on Monday. "
            "The two leaders signed an agreement on Tuesday to cut their reliance on China for rare earths.")
    assert found(ex, text) == [("agreement", ["CA", "JP"])]  # not China, the country the deal is about
    text = ("Mexico's economy minister visited Seoul this week. On Friday the ministry signed an agreement "
            "with Acme Metals on lithium and rare earths.")
    assert [a for t, a in found(ex, text) if t == "agreement"] == [["Acme Metals", "MX"]]


def test_the_target_of_a_measure_is_not_its_party(ex):
    assert found(ex, "The US imposed tariffs on Chinese graphite on Monday.") == [("trade_measure", ["US"])]
    assert found(ex, "Beijing restricted exports of gallium to the United States on Tuesday.") == [
        ("export_control", ["CN"])
    ]


def test_a_measure_is_a_government_s_not_a_company_s(ex):
    text = "Acme Metals said China banned exports of rare earth magnets on Monday."
    assert found(ex, text) == [("export_control", ["CN"])]


def test_a_ministry_stands_for_its_country_a_state_lender_for_itself(ex):
    evs = found(ex, "EXIM approved a $50 million loan to Kestrel Magnetics for a rare earths plant on Monday.")
    assert evs and evs[0][0] == "investment" and {"EXIM", "US", "Kestrel Magnetics"} <= set(evs[0][1])
    evs = found(ex, "The Commerce Department expanded export controls on rare earth magnets on Monday.")
    assert evs == [("export_control", ["US"])]


def test_commentators_are_never_parties():
    for name in ("Benchmark Mineral Intelligence", "London Metal Exchange", "ASX:LYC", "TikTok",
                 "Reuters", "Center for Strategic and International Studies", "Defense Production Act",
                 "GaAs", "Securing America", "AUD", "RMB", "HREE", "LREEs", "NdPr"):
        assert is_not_party(name), name
    for name in ("Lynas Rare Earths", "MP Materials", "Iluka", "Kestrel Magnetics", "EXIM", "Audi", "REE Holdings"):
        assert not is_not_party(name), name
    assert is_lender("Export Finance Australia") and is_lender("EXIM") and not is_lender("MOFCOM")


def test_a_cabinet_secretary_stands_for_the_us(ex):
    assert found(ex, "The Commerce Secretary imposed tariffs on Chinese graphite imports on Monday.") == [("trade_measure", ["US"])]


def test_a_recommendation_is_no_event(ex):
    assert found(ex, "The committee's report recommends enacting legislation to fund critical minerals refining.") == []
    assert found(ex, "Analysts advocate imposing tariffs on Chinese rare earth magnets.") == []


def test_anaphora_words():
    assert anaphor("the two leaders") == "plural" and anaphor("both sides") == "plural"
    assert anaphor("the ministry") == "single" and anaphor("the new plant") is None


def test_a_standing_practice_is_not_the_day_s_news(ex):
    # present perfect with a habitual modifier: background, not an event on the publication day
    assert found(ex, "China has periodically imposed export controls on rare earths for decades.") == []
    assert found(ex, "China has expanded export controls on rare earths.") == [("export_control", ["CN"])]


def test_a_background_clause_keeps_its_own_date(ex):
    a = Article(url="http://example.test/bg", title="Minerals news", published=datetime(2025, 10, 30),
                text="On Sept. 30 last year, Beijing banned exports of antimony to the United States.")
    assert [(e.type, e.date, e.actors) for e in ex.extract([a])[0]] == [("export_control", "2024-09-30", ["CN"])]


def test_a_named_administration_is_not_an_anaphor(ex):
    text = ("China criticised the plan. The Trump administration signed an agreement with Kestrel Magnetics "
            "on rare earth magnets on Monday.")
    assert [a for t, a in found(ex, text) if t == "agreement"] == [["Kestrel Magnetics", "US"]]


def test_the_measure_of_a_subordinate_clause_belongs_to_its_own_subject(ex):
    text = ("When China's commerce ministry announced its decision to impose controls on rare earth exports "
            "on Thursday, Trump reacted sharply.")
    assert found(ex, text) == [("export_control", ["CN"])]


def test_a_grouping_stands_for_its_members(ex):
    text = "Foreign ministers of the Quad met in Washington on Tuesday to discuss critical minerals supply."
    assert found(ex, text) == [("talks", ["AU", "IN", "JP", "US"])]


def test_at_the_same_event_takes_the_date_told_before(ex):
    a = Article(url="http://example.test/same", title="Minerals news", published=datetime(2025, 10, 30),
                text="Kestrel Magnetics held its investor day in Denver on Tuesday. At the same event, the company "
                     "said it will build a $200 million rare earth magnet plant in Texas.")
    assert [(e.type, e.date) for e in ex.extract([a])[0]] == [("investment", "2025-10-28")]


def test_the_department_is_the_one_the_article_names(ex):
    text = ("The department imposed anti-dumping duties on tungsten powder from China on Monday, siding with "
            "Canadian producers. The Commerce Department said the tungsten duties would take effect next month.")
    assert [a for t, a in found(ex, text) if t == "trade_measure"][:1] == [["US"]]


def test_a_pronoun_subject_takes_the_named_subject_above_it(ex):
    text = ("Japan and Canada agreed on Friday to deepen ties, with Beijing pledging to hold off for a year "
            "on the rare earth export regime it unveiled in early October.")
    assert [a for t, a in found(ex, text) if t == "export_control"] == [["CN"]]
