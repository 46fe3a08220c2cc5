"""First run takes only recent items; dropped items are counted; a poll with no overlap is a possible gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from extractors.types import FeedEntry, FeedPoll, FeedState
from flows.daily import _drop_errors, _first_run_filter, _gap_warning
from warehouse import store
from warehouse.db import connect

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
FEED = "https://feed.example/rss"


def entries(days_ago: list[float | None]) -> list[FeedEntry]:
    return [FeedEntry(FEED, f"https://pub.example/{i}", title=f"t{i}",
                      published=None if d is None else NOW - timedelta(days=d)) for i, d in enumerate(days_ago)]


def test_first_run_keeps_only_recent_items_and_counts_the_rest():
    poll = FeedPoll(FEED, "ok", entries=entries([1, 3, 8, 30, None]), dropped={"no_link": 2})
    _first_run_filter(poll, None, NOW, 7)
    assert [e.url[-1] for e in poll.entries] == ["0", "1", "4"]  # undated items are kept
    assert poll.dropped == {"no_link": 2, "older_than_first_run_days": 2}
    errors = _drop_errors(poll)
    assert {(e.kind, e.message) for e in errors} == {
        ("dropped_no_link", "2 item(s) left out: no link"),
        ("dropped_older_than_first_run_days", "2 item(s) left out: older than first run days"),
    }
    later = FeedPoll(FEED, "ok", entries=entries([1, 30]))
    _first_run_filter(later, FeedState(FEED, last_success=NOW - timedelta(days=1)), NOW, 7)
    assert len(later.entries) == 2  # not a first run: nothing is cut


def test_no_overlap_with_the_last_poll_is_reported(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    try:
        state = FeedState(FEED, last_success=NOW - timedelta(hours=6))
        first = entries([0.5, 0.6, 0.7, 0.8, 0.9])
        store.record_sources(con, first, "run1", NOW - timedelta(hours=6))
        # the next poll repeats some items: overlap, no warning
        again = FeedPoll(FEED, "ok", entries=[*first[:2], *entries([0.01, 0.02, 0.03])])
        assert _gap_warning(con, again, state, "Feed") is None
        # a poll of only new items, none as old as the last poll: items may be missing
        fresh = [FeedEntry(FEED, f"https://pub.example/new{i}", published=NOW - timedelta(hours=i)) for i in range(5)]
        warning = _gap_warning(con, FeedPoll(FEED, "ok", entries=fresh), state, "Feed")
        assert warning and "may be missing" in warning
        # the same poll reaching back past the last one is fine
        fresh[-1].published = NOW - timedelta(days=2)
        assert _gap_warning(con, FeedPoll(FEED, "ok", entries=fresh), state, "Feed") is None
        # a first poll has nothing to overlap with
        assert _gap_warning(con, FeedPoll(FEED, "ok", entries=fresh), None, "Feed") is None
    finally:
        con.close()


def test_same_story_two_sources_one_article(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    try:
        a = FeedEntry("https://agg.example/rss", "https://pub.example/story", guid="agg-1", outlet="Pub")
        b = FeedEntry("https://pub.example/feed", "https://pub.example/story", guid="pub-9")
        store.record_sources(con, [a, b, a], "run1", NOW)
        rows = con.execute("SELECT article_id, feed_url, guid, outlet FROM article_sources ORDER BY feed_url").fetchall()
    finally:
        con.close()
    assert len(rows) == 2 and rows[0][0] == rows[1][0]
    assert [r[2] for r in rows] == ["agg-1", "pub-9"] and rows[0][3] == "Pub"
