"""Talks the rules used to miss or invent (issue 12, recall of `talks` on unseen news).

Each case is one class found by error analysis on held-out outlets, written here as new
sentences (never taken from a gold file): negotiations under way as a state of the
parties ("is still in talks with the government"), scheduled meetings and state visits,
and words that are no talks (a deal struck, one person discussing his plans).
"""

from __future__ import annotations

import pytest

from extractors.events import EventExtractor
from tests.sentence_events import events


@pytest.fixture(scope="module")
def ex() -> EventExtractor:
    return EventExtractor()


def talks(ex: EventExtractor, text: str, pub: str = "2025-11-13") -> list:
    return [e for e in events(ex, text, pub) if e.type == "talks"]


@pytest.mark.parametrize(
    "text",
    [
        "Ridgeway Metals is building a rare earths refinery in Queensland, but is still in negotiations "
        "with the federal government over an extension of its loan facility.",
        "Bluewater Minerals said it remained in talks with the government on funding for its graphite plant.",
        "Bluewater Minerals runs a graphite plant in Ontario. Its chief executive said discussions with the "
        "government on the plant were \"well advanced\" and declined to comment further.",
        "Talks between Bluewater Minerals and the government on the graphite plant's funding are ongoing, "
        "the company said.",
    ],
)
def test_negotiations_under_way_are_talks_of_the_publication_month(ex, text):
    found = talks(ex, text)
    assert [(e.date, e.date_precision) for e in found] == [("2025-11", "month")]


def test_ongoing_talks_keep_the_day_of_the_report(ex):
    found = talks(ex, "Bluewater Minerals said on Tuesday it remained in talks with the government on "
                      "funding for its graphite plant.")
    assert [e.date[:7] for e in found] == ["2025-11"] and "Bluewater Minerals" in found[0].actors


@pytest.mark.parametrize(
    "text",
    [
        "The lithium talks were in Geneva, officials said.",  # where talks were, no state of parties
        "Bluewater Minerals is in talks to buy a graphite mine.",  # no counterpart named
    ],
)
def test_the_word_talks_under_be_is_no_ongoing_negotiation(ex, text):
    assert talks(ex, text) == []


@pytest.mark.parametrize(
    "text",
    [
        # one private person talking about his own plans: no counterpart, no negotiation
        "Maria Lopez, the boss of a Canadian lithium firm, discussed her next venture on Monday.",
        # the negotiations only borrow the verb of the deal struck: that is the agreement
        "Although the lithium curbs were lifted after Canada and Chile struck a trade deal on November 3rd, "
        "Peru, despite its ambitions, found itself a bystander to negotiations with deep consequences for its miners.",
        # a later bare infinitive still hangs on "is expected to": an expectation, not a meeting
        "Kim is also expected to meet with other Japanese leaders, attend business events and meet with the "
        "Korean community in Japan on lithium.",
    ],
)
def test_no_talks(ex, text):
    assert talks(ex, text) == []


def test_a_person_discussing_with_a_counterpart_still_talks(ex):
    found = talks(ex, "Maria Lopez, the boss of a Canadian lithium firm, discussed a supply deal with "
                      "Chile's mining minister on Monday.")
    assert [e.date for e in found] == ["2025-11-10"] and "CL" in found[0].actors


def test_a_deal_struck_keeps_its_agreement(ex):
    text = ("Although the lithium curbs were lifted after Canada and Chile struck a trade deal on November 3rd, "
            "Peru, despite its ambitions, found itself a bystander to negotiations with deep consequences for its miners.")
    assert [e.date for e in events(ex, text) if e.type == "agreement"] == ["2025-11-03"]


# --- scheduled meetings and visits (dated at the meeting, inside a window around publication)
# publication day 2025-11-13 is a Thursday


@pytest.mark.parametrize(
    ("text", "day"),
    [
        # a state visit over several days: dated to its month; the agenda told in the sentences after it
        ("Mark Carney will make a three-day state visit to Japan from Monday, his office said, to deepen "
         "economic ties. Officials in Ottawa expect agreements on graphite supply chains.", "2025-11"),
        ("Mark Carney will visit Tokyo from Nov. 17 to 19 to discuss graphite supply chains.", "2025-11"),
        # a trip that starts on a day keeps it
        ("Mark Carney will start a three-day trip to Japan on Monday to discuss graphite supply chains.", "2025-11-17"),
        # a visit to a country, its agenda in the same sentence
        ("Anthony Albanese will visit Jakarta on Tuesday to discuss nickel processing.", "2025-11-18"),
        # leaders due to meet: the commodity is the article's topic (the meeting is about trade in general)
        ("Lithium prices fell again as Canberra weighed new lithium royalties. Lithium exporters want certainty. "
         "Anthony Albanese and Xi Jinping are due to meet on Saturday to ease trade tensions.", "2025-11-15"),
        # a summit hosted on a date: the summit is the event, not the setting of another
        ("On December 2nd Canada will host ministers at a graphite summit in Ottawa.", "2025-12-02"),
    ],
)
def test_scheduled_meetings_are_talks_of_the_meeting_day_or_month(ex, text, day):
    found = talks(ex, text)
    assert [e.date for e in found] == [day]


def test_a_scheduled_meeting_names_the_leaders_countries(ex):
    found = talks(ex, "Anthony Albanese will visit Jakarta on Tuesday to discuss nickel processing.")
    assert "AU" in found[0].actors


@pytest.mark.parametrize(
    "text",
    [
        # scheduled too far from publication: background, not the news of a scheduled meeting
        "Anthony Albanese and Xi Jinping are due to meet in Beijing in June to discuss rare earths.",
        # a past visit is the setting of what was said there
        "On a visit to Berlin last week, Xi Jinping said the lithium curbs were lawful.",
        # a scheduled meeting with another topic of its own takes no commodity from elsewhere
        "Lithium exports rose in October. Anthony Albanese will meet Xi Jinping on Saturday to discuss the "
        "drought in the Murray basin. Lithium miners welcomed the figures.",
    ],
)
def test_no_scheduled_talks(ex, text):
    assert talks(ex, text) == []


def test_a_scheduled_meeting_in_the_publication_month(ex):
    found = talks(ex, "Anthony Albanese and Xi Jinping are due to meet in Beijing later this month to discuss "
                      "rare earths.")
    assert [e.date[:7] for e in found] == ["2025-11"]


def test_a_meeting_expected_on_a_date_is_scheduled(ex):
    found = talks(ex, "Next month, ministers from Kenya and Ghana are expected in Ottawa for a graphite ministerial.")
    assert [e.date for e in found] == ["2025-12"] and {"KE", "GH"} <= set(found[0].actors)


def test_the_host_of_a_visit_is_a_party(ex):
    found = talks(ex, "Mark Carney will make a state visit to Japan from Monday to discuss graphite supplies.")
    assert {"CA", "JP"} <= set(found[0].actors)


@pytest.mark.parametrize(
    "text",
    [
        # a meeting committed to, with no date of its own in the window: an undertaking, not news
        "The new lithium framework between Canada and Chile commits both governments to convene a ministerial "
        "meeting within 180 days.",
        # a meeting named after one company is its shareholders' meeting
        "Rarely has an annual meeting mattered more for rare earths than the Kestrel Minerals meeting held "
        "in Perth on Thursday.",
    ],
)
def test_no_talks_of_undertakings_or_company_meetings(ex, text):
    assert talks(ex, text) == []


@pytest.mark.parametrize(
    ("text", "day"),
    [
        # the date of a scheduling verb reads forward ("scheduled for Friday" is the coming Friday)
        ("Talks between Canada and Chile on lithium are scheduled for Friday.", "2025-11-14"),
        ("A summit on rare earths between Japan and India is set for December 4.", "2025-12-04"),
        # a trip whose purpose is the meeting: the traveller is its party
        ("Mark Carney will fly to Beijing on Monday to meet Xi Jinping on rare earths.", "2025-11-17"),
    ],
)
def test_meetings_on_the_calendar(ex, text, day):
    found = talks(ex, text)
    assert [e.date for e in found] == [day] and len(found[0].actors) >= 2


def test_a_withdrawal_only_considered_leaves_the_meeting_scheduled(ex):
    found = talks(ex, "Cobalt prices jumped. The premier also contemplated pulling out of a meeting in late "
                      "November with Xi Jinping.")
    assert [e.date for e in found] == ["2025-11"] and "CN" in found[0].actors


@pytest.mark.parametrize(
    "text",
    [
        "Cobalt prices jumped. Mark Carney cancelled a meeting in late November with Xi Jinping.",  # called off
        "Cobalt prices jumped. Mark Carney considered skipping the summit with Xi Jinping.",  # no date
    ],
)
def test_no_talks_of_a_cancelled_or_undated_meeting(ex, text):
    assert talks(ex, text) == []


def test_the_staged_ner_keeps_these_talks(ex):
    """The rules added here read entities (a visit's party object, a meeting's own date, a
    company's meeting): `may_trigger` waives them, so NER still reaches these sentences."""
    from datetime import datetime

    from extractors.types import Article

    texts = [
        "Cobalt prices jumped. The premier also contemplated pulling out of a meeting in late November with Xi Jinping.",
        "Anthony Albanese will visit Jakarta on Tuesday to discuss nickel processing.",
        "Rarely has an annual meeting mattered more for rare earths than the Kestrel Minerals meeting held in Perth "
        "on Thursday.",
    ]
    arts = [Article(url=f"http://example.test/staged/{n}", title="Minerals news", text=t,
                    published=datetime(2025, 11, 13)) for n, t in enumerate(texts)]
    staged = [[e.to_format() for e in evs] for evs in ex.decide(arts, ex.prepare(arts))]
    full = [[e.to_format() for e in evs] for evs in ex.decide(arts, ex.prepare(arts, full_ner=True))]
    assert staged == full and [len([e for e in evs if e["type"] == "talks"]) for evs in staged] == [1, 1, 0]
