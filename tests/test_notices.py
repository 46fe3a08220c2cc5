"""Official notices as a document kind (extractors/notices.py), on hand-written notices.

tests/data/notices.jsonl holds notices written for these tests in the shapes of the
Federal Register (AGENCY / ACTION / SUMMARY / DATES, and the API abstract under
"## Summary"), a proclamation and a ministry announcement, with the events a reader
would annotate (FORMAT.md).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from extractors import notices
from extractors.evaluate import article_from_line, score
from extractors.types import Article, Event

DATA = Path(__file__).parent / "data" / "notices.jsonl"
PUB = date(2025, 6, 10)


def art(text: str, title: str = "Notice", pub: date = PUB) -> Article:
    return Article(url=f"http://example.test/n{abs(hash(text))}", title=title, text=text,
                   published=datetime(pub.year, pub.month, pub.day))


def fr(agency: str, action: str, summary: str, dates: str = "") -> str:
    out = f"AGENCY: {agency}\n\nACTION: {action}\n\nSUMMARY: {summary}\n\n"
    return out + (f"DATES: {dates}\n\n" if dates else "") + "SUPPLEMENTARY INFORMATION: Background follows."


def one(text: str, title: str = "Notice", pub: date = PUB) -> tuple | None:
    evs = notices.notice_events(art(text, title, pub), pub)
    assert len(evs) <= 1
    return (evs[0].type, evs[0].date, evs[0].actors, evs[0].commodities) if evs else None


def test_ordinary_article_is_no_notice():
    assert notices.parse("China curbs rare earths", "Beijing said on Friday it would curb exports of rare earths.") is None
    assert one("Beijing said on Friday it would curb exports of rare earths.") is None


def test_sections_are_read_in_both_layouts():
    n = notices.parse("T", fr("Bureau of Industry and Security, Commerce.", "Final rule.", "This rule adds items.", "Effective June 1, 2025."))
    assert n is not None and n.doc == "federal_register"
    assert n.sections["agency"].startswith("Bureau of Industry")
    assert n.sections["dates"] == "Effective June 1, 2025."
    m = notices.parse("T", "## Summary\n\nThe Department of Commerce is issuing an order.\n\n## Dates\n\nApplicable June 2, 2025.")
    assert m is not None and m.sections["summary"].startswith("The Department of Commerce")
    assert m.sections["dates"] == "Applicable June 2, 2025."


def test_agency_gives_the_actor():
    text = fr("Office of the United States Trade Representative.", "Notice of action.",
              "The Trade Representative is raising tariffs on tungsten products from China.")
    assert one(text) == ("trade_measure", "2025-06-10", ["US"], ["tungsten"])
    mofcom = "Announcement No. 7 of 2025\n\nThe Ministry of Commerce decides to implement export control on antimony items."
    assert one(mofcom)[:3] == ("export_control", "2025-06-10", ["CN"])


def test_action_and_summary_give_the_type():
    bis = fr("Bureau of Industry and Security, Department of Commerce.", "Interim final rule.",
             "BIS imposes license requirements on exports of germanium refining equipment.")
    assert one(bis)[0] == "export_control"
    easing = fr("Bureau of Industry and Security, Department of Commerce.", "Final rule.",
                "This rule removes license requirements for exports of gallium to allied countries.")
    assert one(easing)[0] == "export_control_easing"
    stock = fr("Defense Logistics Agency, Department of Defense.", "Notice.",
               "The Annual Materials Plan lists the cobalt the National Defense Stockpile may acquire.")
    assert one(stock)[0] == "stockpile"


def test_notices_that_take_no_measure_give_no_event():
    fonsi = fr("Nuclear Regulatory Commission.", "Environmental assessment and finding of no significant impact.",
               "The Commission assesses a license for a rare earth separation plant.")
    assert one(fonsi) is None
    paperwork = fr("Bureau of Industry and Security, Commerce.", "Notice of information collection.",
                   "BIS invites comment on the burden of export license applications for rare earths.")
    assert one(paperwork) is None
    no_mineral = fr("International Trade Administration, Commerce.", "Notice.",
                    "Commerce is issuing an antidumping duty order on steel nails from Oman.")
    assert one(no_mineral) is None


def test_event_date_rules():
    applicable = fr("International Trade Administration, Commerce.", "Notice.",
                    "Commerce is initiating a countervailing duty investigation of graphite electrodes from China.",
                    "Applicable June 3, 2025.")
    assert one(applicable)[1] == "2025-06-03"  # the act's day, before publication
    later = fr("Office of the United States Trade Representative.", "Notice of modification.",
               "The Trade Representative has determined to increase the tariff on permanent magnets.",
               "The increase is effective January 1, 2026.")
    assert one(later)[1] == "2025-06-10"  # announced on publication; the later date is a phase
    opened = fr("Bureau of Industry and Security, Commerce.", "Notice of request for comments.",
                "On May 2, 2025, the Secretary initiated an investigation of imports of lithium under section 232.",
                "Comments are due June 30, 2025.")
    assert one(opened)[1] == "2025-05-02"  # a deadline for comments is no event date
    signed = ("By the President of the United States of America\n\nA Proclamation\n\nImports of cobalt "
              "threaten to impair the national security, and I therefore impose a tariff on them.\n\n"
              "IN WITNESS WHEREOF, I have hereunto set my hand this third day of June, in the year of our "
              "Lord two thousand twenty-five.")
    assert one(signed, "Adjusting Imports of Cobalt") == ("trade_measure", "2025-06-03", ["US"], ["cobalt"])
    force = "Announcement No. 3 of 2025\n\nExport control on tungsten items is implemented. This announcement shall come into force on the date of its publication.\n\nMinistry of Commerce\n\nJune 8, 2025"
    assert one(force)[1] == "2025-06-08"


def test_apply_replaces_the_undated_sentence_event():
    text = fr("International Trade Administration, Commerce.", "Notice.",
              "Commerce is initiating an antidumping duty investigation of imports of magnets from China.",
              "Applicable June 3, 2025.")
    stale = Event("trade_measure", "2025-06-10", "day", ["US", "CN"], ["magnets"])
    other = Event("talks", "2025-05", "month", ["US", "CN"], ["magnets"])
    out = notices.apply(art(text), [stale, other], PUB)
    assert [(e.type, e.date, e.actors) for e in out] == [("talks", "2025-05", ["US", "CN"]), ("trade_measure", "2025-06-03", ["US"])]
    assert notices.apply(art("An ordinary story about magnets."), [stale], PUB) == [stale]


@pytest.fixture(scope="module")
def ex():
    from extractors.events import EventExtractor

    return EventExtractor()


def test_notice_fixtures_through_the_event_stage(ex):
    """The whole stage on the notice fixtures: every notice's own act found with its
    agency's country and its day; the proclamation's recited background investigation is
    the one the stage does not find (stated below, so a change shows)."""
    lines = [json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines() if x.strip()]
    preds = {x["id"]: [e.to_format() for e in evs] for x, evs in zip(lines, ex.extract([article_from_line(x) for x in lines]), strict=True)}
    res = score(lines, preds)
    assert res["false_alarms"] == []
    assert [(m["id"], m["event"]["date"]) for m in res["misses"]] == [("n-proclamation", "2025-04-22")]
    assert res["exact_date_share"] == 1.0
