"""Feed polling and parsing through the real Fetcher against loopback feeds."""

# ruff: noqa: F811  (pytest fixtures imported from tests.httpserver are shadowed by parameters)

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from extractors.feeds import canonical_url, next_state, parse_feed, poll_feeds
from extractors.http import BadContent
from extractors.types import ErrorRecord, FeedPoll, FeedSpec, FeedState
from tests.httpserver import (
    BILLION_LAUGHS,
    CONDITIONAL_ETAG,
    CONDITIONAL_LAST_MODIFIED,
    http_server,  # noqa: F401
    item,
    rss,
    settings_for,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def poll_one(server, path, state=None, **overrides) -> FeedPoll:
    url = server.url(path)
    states = {url: state} if state else {}
    return poll_feeds([FeedSpec(url, path)], states, settings_for(server, **overrides), now=NOW)[0]


def test_good_feed(http_server):
    poll = poll_one(http_server, "/feed/good")
    assert poll.status == "ok" and poll.http_status == 200
    assert [e.url for e in poll.entries] == [
        http_server.url("/page/good"),
        http_server.url("/page/good2"),
    ]
    first = poll.entries[0]
    assert first.title == "Norvania adds licences" and first.guid == "g-1"
    assert first.summary == "Licences for alloys."
    assert first.published == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert first.feed_url == http_server.url("/feed/good")
    assert "rss+xml" in http_server.requests[0].headers["accept"]


def test_conditional_get_round_trip(http_server):
    first = poll_one(http_server, "/feed/conditional")
    assert first.status == "ok"
    assert (first.etag, first.last_modified) == (CONDITIONAL_ETAG, CONDITIONAL_LAST_MODIFIED)
    state = next_state(FeedState(http_server.url("/feed/conditional")), first, NOW)
    second = poll_one(http_server, "/feed/conditional", state)
    assert second.status == "not_modified" and second.entries == []
    assert second.http_status == 304 and second.etag == CONDITIONAL_ETAG
    headers = http_server.requests[1].headers
    assert headers["if-none-match"] == CONDITIONAL_ETAG
    assert headers["if-modified-since"] == CONDITIONAL_LAST_MODIFIED
    after = next_state(state, second, NOW)
    assert after.etag == CONDITIONAL_ETAG and after.last_new_items == 0
    assert after.last_success == NOW


def test_malformed_feed_keeps_recovered_entries(http_server):
    poll = poll_one(http_server, "/feed/malformed")
    assert poll.status == "ok"
    assert [e.guid for e in poll.entries][:2] == ["m-1", "m-2"]


def test_not_a_feed_fails_with_bad_feed(http_server):
    poll = poll_one(http_server, "/feed/not-xml")
    assert poll.status == "failed"
    assert poll.error.kind == "bad_feed" and not poll.error.transient
    assert "not a readable RSS/Atom feed" in poll.error.message
    assert poll.error.stage == "feed" and poll.error.feed_url == http_server.url("/feed/not-xml")


def test_entity_bomb_is_refused_unparsed(http_server):
    start = time.monotonic()
    poll = poll_one(http_server, "/feed/bomb")
    assert time.monotonic() - start < 5
    assert poll.status == "failed" and poll.error.kind == "unsafe_feed"
    assert "billion laughs" in poll.error.message


def test_entity_bomb_refused_by_parse_feed_directly():
    with pytest.raises(BadContent) as info:
        parse_feed(rss([], prolog=BILLION_LAUGHS), "http://f.invalid/", 10)
    assert info.value.kind == "unsafe_feed"


def test_big_feed_is_capped_at_max_entries(http_server):
    start = time.monotonic()
    poll = poll_one(http_server, "/feed/big", max_feed_entries=500)
    assert time.monotonic() - start < 15
    assert poll.status == "ok" and len(poll.entries) == 500
    assert poll.dropped == {"over_max_entries": 9500}
    assert poll.entries[0].guid == "big-0"


def test_duplicates_by_canonical_url_and_guid(http_server):
    poll = poll_one(http_server, "/feed/dupes")
    assert [e.url for e in poll.entries] == [
        "http://example.invalid/a?id=1",
        "http://example.invalid/c",
    ]
    assert poll.dropped == {"duplicate": 2}


def test_entries_without_links_are_counted_and_without_dates_kept(http_server):
    poll = poll_one(http_server, "/feed/no-links-no-dates")
    assert [e.guid for e in poll.entries] == ["n-2", "n-3"]
    assert poll.entries[0].published is None
    assert poll.entries[1].published is not None
    assert poll.dropped == {"no_link": 1}


def test_future_dates_are_clamped_to_none(http_server):
    poll = poll_one(http_server, "/feed/future")
    dates = {e.guid: e.published for e in poll.entries}
    assert dates["f-1"] is None
    assert dates["f-2"] == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_relative_links_resolved_and_tracking_dropped(http_server):
    poll = poll_one(http_server, "/feed/relative")
    assert [e.url for e in poll.entries] == [
        http_server.url("/news/rooted"),
        http_server.url("/feed/sibling.html"),
    ]


def test_canonical_url_strips_fragment_and_trackers():
    assert canonical_url(
        "HTTP://Example.invalid/a/?b=2&utm_source=x&a=1#frag", "http://x.invalid/"
    ) == ("http://example.invalid/a/?a=1&b=2")
    assert canonical_url("mailto:a@example.invalid", "http://x.invalid/") is None
    assert canonical_url("javascript:void(0)", "http://x.invalid/") is None


def test_one_broken_feed_does_not_affect_others(http_server):
    feeds = [
        FeedSpec(http_server.url("/fault/404"), "gone"),
        FeedSpec(http_server.url("/fault/drip?seconds=5"), "slow"),
        FeedSpec(http_server.url("/feed/good"), "good"),
    ]
    start = time.monotonic()
    polls = poll_feeds(feeds, {}, settings_for(http_server, retries=0), now=NOW)
    assert time.monotonic() - start < 10
    assert [p.status for p in polls] == ["failed", "failed", "ok"]
    assert polls[0].error.kind == "http_404" and polls[0].http_status == 404
    assert polls[1].error.kind == "timeout" and polls[1].error.transient
    assert len(polls[2].entries) == 2


def test_backed_off_feed_is_skipped_without_request(http_server):
    url = http_server.url("/feed/good")
    state = FeedState(
        url, consecutive_failures=4, next_poll_after=NOW + timedelta(hours=1), etag='"x"'
    )
    polls = poll_feeds([FeedSpec(url, "good")], {url: state}, settings_for(http_server), now=NOW)
    assert polls[0].status == "skipped"
    assert http_server.requests == []
    assert next_state(state, polls[0], NOW) == state


def test_feed_whose_backoff_expired_is_polled(http_server):
    url = http_server.url("/feed/good")
    state = FeedState(url, consecutive_failures=4, next_poll_after=NOW - timedelta(minutes=1))
    polls = poll_feeds([FeedSpec(url, "good")], {url: state}, settings_for(http_server), now=NOW)
    assert polls[0].status == "ok"


def _failed(url: str) -> FeedPoll:
    return FeedPoll(
        url, "failed", error=ErrorRecord("feed", url, "http_500", "server answered HTTP 500", True)
    )


def test_next_state_backoff_schedule():
    url = "http://f.invalid/rss"
    state = FeedState(url)
    waits = []
    for _ in range(10):
        state = next_state(state, _failed(url), NOW)
        waits.append(None if state.next_poll_after is None else state.next_poll_after - NOW)
    hours = [None if w is None else w / timedelta(hours=1) for w in waits]
    assert hours == [None, None, 1, 2, 4, 8, 16, 24, 24, 24]
    assert state.consecutive_failures == 10
    assert state.last_error == "http_500: server answered HTTP 500"
    ok = FeedPoll(url, "ok", entries=[], etag='"e"', last_modified="lm")
    reset = next_state(state, ok, NOW)
    assert reset.consecutive_failures == 0 and reset.next_poll_after is None
    assert reset.last_error is None and reset.etag == '"e"' and reset.last_success == NOW


def test_next_state_backoff_does_not_overflow():
    state = FeedState("u", consecutive_failures=10_000)
    after = next_state(state, _failed("u"), NOW)
    assert after.next_poll_after == NOW + timedelta(hours=24)


def test_parse_feed_is_pure_and_handles_atom():
    atom = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>A</title><id>urn:a</id><updated>2026-03-01T00:00:00Z</updated>"
        b'<entry><title>One</title><id>urn:1</id><link href="/one"/>'
        b"<updated>2026-03-01T10:00:00Z</updated><summary>S</summary></entry></feed>"
    )
    entries = parse_feed(atom, "http://site.invalid/feed.atom", 10, now=NOW)
    assert len(entries) == 1
    assert entries[0].url == "http://site.invalid/one"
    assert entries[0].published == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert entries[0].guid == "urn:1"


def test_empty_but_valid_feed_gives_no_entries():
    assert parse_feed(rss([]), "http://f.invalid/", 10) == []


def test_item_helper_without_guid_dedupes_by_url():
    body = rss([item("a", "http://x.invalid/1"), item("b", "http://x.invalid/1")])
    assert len(parse_feed(body, "http://f.invalid/", 10, now=NOW)) == 1
