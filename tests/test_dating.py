"""Which clauses tell the day's news and which tell background (extractors/dating.py),
on hand-written sentences through the event stage."""

from __future__ import annotations

from datetime import datetime

import pytest

from extractors.events import EventExtractor
from extractors.types import Article


@pytest.fixture(scope="module")
def ex() -> EventExtractor:
    return EventExtractor()


def found(ex, text: str, pub: str = "2025-10-30") -> list[tuple[str, str | None]]:
    a = Article(url=f"http://example.test/d{abs(hash(text))}", title="Minerals news", text=text,
                published=datetime.fromisoformat(pub))
    return [(e.type, e.date) for e in ex.extract([a])[0]]


def test_work_under_way_is_not_the_day_s_news(ex):
    assert found(ex, "Kestrel Metals is building a rare earth separation plant in Nevada.") == []
    assert found(ex, "Two rare earth miners are negotiating an offtake agreement with a magnet maker.") == []


def test_dated_or_announcing_progressive_stays_news(ex):
    assert found(ex, "Kestrel Metals said on Tuesday it had signed a rare earth supply agreement with Norcast.") == [
        ("agreement", "2025-10-28")]
    assert found(ex, "Kestrel Metals built a rare earth separation plant in Nevada in March 2024.") == [
        ("investment", "2024-03")]


def test_rare_and_cumulative_practice_is_background(ex):
    assert found(ex, "Beijing has rarely imposed export controls on rare earths.") == []
    assert found(ex, "China has already imposed export controls on gallium.") == []
    assert found(ex, "Since the ban, Indonesia has invested $2 billion in nickel smelters.") == []
    assert found(ex, "So far, the Energy Department has awarded $6 billion in grants to critical minerals refiners.") == []
    # without the background modifier the same clause is the day's news
    assert found(ex, "China has imposed export controls on gallium.") == [("export_control", "2025-10-30")]


def test_an_undated_scheduled_act_is_not_the_day_s_news(ex):
    assert found(ex, "A rare earth supply agreement with Kestrel Metals is scheduled to be signed with Japan.") == []
    # with its own date it is annotated; an investment's "will build" is the day's announcement
    assert found(ex, "Japan is scheduled to sign a rare earth supply agreement with Kestrel Metals on Nov. 4.") == [
        ("agreement", "2025-11-04")]
    assert found(ex, "Kestrel Metals will invest $300 million in a rare earth refinery in Texas.") == [
        ("investment", "2025-10-30")]
