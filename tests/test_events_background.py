"""Dated export-control events told in background clauses (issue 12, class A recall).

Analysis and feature prose tells earlier controls in passing: with a verb the rules did
not know ("eased magnet exports", "amended its export control list"), by a noun that
refers back to controls named before ("the measures announced in April"), or with a
date the sentence borrows ("then", "a day later", a year given earlier in the story).
The sentences are invented for these tests.
"""

from __future__ import annotations

import pytest

from extractors.events import EventExtractor
from tests.sentence_events import events


@pytest.fixture(scope="module")
def ex() -> EventExtractor:
    return EventExtractor()


def _typed(ex, text: str, typ: str, pub: str = "2025-11-13") -> list[tuple[str, list[str]]]:
    return [(e.date, e.actors) for e in events(ex, text, pub) if e.type == typ]


@pytest.mark.parametrize(
    "text",
    ["China eased magnet exports in June, after talks with Washington.",
     "In June Beijing eased exports of rare earth magnets to European carmakers."],
)
def test_easing_verb_on_exports_is_an_easing(ex, text):
    got = _typed(ex, text, "export_control_easing")
    assert [d for d, _ in got] == ["2025-06"] and "CN" in got[0][1]


@pytest.mark.parametrize("verb", ["amended", "revised", "updated"])
def test_amending_an_export_control_list_is_a_control(ex, verb):
    text = f"On March 3, 2025, China's commerce ministry {verb} its export control list to add equipment used to refine germanium."
    assert [d for d, _ in _typed(ex, text, "export_control")] == ["2025-03-03"]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Beijing has long restricted exports of gallium. The measures announced in July were far tougher, "
         "covering germanium too.", "2025-07"),
        ("China first curbed exports of graphite years ago. Similar measures were applied in August to antimony.",
         "2025-08"),
        ("China has tightened export licensing for tungsten. In March, citing security concerns, Beijing announced "
         "the restrictions, which required licences.", "2025-03"),
    ],
)
def test_a_measure_noun_refers_back_to_the_export_controls_before_it(ex, text, date):
    assert date in [d for d, _ in _typed(ex, text, "export_control")]


@pytest.mark.parametrize(
    "text",
    [
        # no export control named before: "the measures" are something else
        "Ottawa wants cleaner mines for nickel. The measures announced in July target tailings dams.",
        # an undated present tense describes the measure, it reports no new act
        "Beijing tightened export controls on gallium long ago. The restrictions add germanium compounds.",
    ],
)
def test_an_anaphoric_measure_needs_an_antecedent_and_a_date(ex, text):
    assert _typed(ex, text, "export_control") == []


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Washington raised tariffs on Chinese goods in April. Beijing then hit back with export controls on "
         "seven rare earths.", "2025-04"),
        ("On September 14, Tokyo detained a Chinese trawler captain. The next day, Chinese customs began "
         "blocking shipments of rare earths to Japan.", "2025-09-15"),
        ("In March, Washington added Chinese chip firms to its entity list. Just two days later, Beijing "
         "banned exports of antimony to America.", "2025-03"),
    ],
)
def test_a_clause_that_follows_the_event_before_takes_its_date(ex, text, date):
    assert [d for d, _ in _typed(ex, text, "export_control")] == [date]


@pytest.mark.parametrize(
    "text",
    [
        # the date told before belongs to the sentence before the one just before
        "In March, Washington added Chinese chip firms to its entity list. Markets fell sharply. "
        "Just two days later, Beijing banned exports of antimony to America.",
        # "N days after <clause>" counts from that clause's own event, not from the sentence before
        "The rule was announced on September 30. Beijing banned exports of gallium to America two days "
        "after the rule came into force.",
    ],
)
def test_no_borrowed_date_without_the_thread_of_the_story(ex, text):
    assert _typed(ex, text, "export_control") == []


def test_controls_on_exports_of_chips_are_not_mineral_controls(ex):
    text = "On Monday Washington imposed curbs on exports of computer chips to China, sending gallium prices up."
    assert _typed(ex, text, "export_control") == []


_CASE = (
    "Japan: Trawler Dispute (2012)\n\n"
    "On September 7, 2012, Japan detained the captain of a Chinese trawler. "
    "On September 20, China's foreign ministry warned of countermeasures. "
    "The next day, Chinese customs began blocking shipments of rare earths to Japan. "
    "On September 28, China lifted the rare earths export ban on Japan."
)


def test_a_day_without_a_year_in_a_story_of_an_earlier_year_is_in_that_year(ex):
    assert _typed(ex, _CASE, "export_control") == [("2012-09-21", ["CN"])]
    assert [d for d, _ in _typed(ex, _CASE, "export_control_easing")] == ["2012-09-28"]


@pytest.mark.parametrize(
    "text",
    [
        # a bare year is an aside, not the time of the story
        "China has restricted gallium since 2023. On October 9, Beijing expanded export controls on rare earths.",
        # a date counted from the publication day brings the story back to the present
        "On July 4, 2023, China restricted exports of gallium. On Monday, officials said more would come. "
        "On October 9, Beijing expanded export controls on rare earths.",
    ],
)
def test_a_day_without_a_year_stays_in_the_publication_year_otherwise(ex, text):
    assert "2025-10-09" in [d for d, _ in _typed(ex, text, "export_control")]


def test_the_scheduled_start_of_an_announced_control_is_the_announcement(ex):
    text = ("On July 3, Vietnam announced export controls on gallium. "
            "The new export controls will come into effect on August 1.")
    assert [d for d, _ in _typed(ex, text, "export_control", "2025-07-13")] == ["2025-07-03"]


def test_the_time_since_a_control_took_effect_is_no_new_control(ex):
    text = ("In July 2023 Vietnam announced licensing requirements on exports of gallium. "
            "Since Vietnam's export controls on gallium went into effect in August 2023, prices have diverged.")
    assert [d for d, _ in _typed(ex, text, "export_control", "2025-07-13")] == ["2023-07"]


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        # told alone, the start of a control is its event
        ("Since Vietnam's export controls on gallium went into effect in August 2023, prices have diverged.",
         ["2023-08"]),
        # a start told as the news stays an event beside the announcement
        ("On Friday Vietnam announced a ban on exports of gallium. The ban on gallium exports came into effect on Sunday.",
         ["2025-11-07", "2025-11-09"]),
    ],
)
def test_a_control_taking_effect_stays_an_event_otherwise(ex, text, dates):
    assert [d for d, _ in _typed(ex, text, "export_control", "2025-11-10")] == dates
