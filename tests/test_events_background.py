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
