"""Poll feeds: conditional GET through our Fetcher, feedparser on the bytes, clean entries.

feedparser never touches the network here (it has no timeout or size cap of
its own); it only parses bytes that `Fetcher` already bounded. Per-feed state
(`FeedState`) carries the validators for conditional GET and the failure count
that spaces out polls of a broken feed (`next_state`).
"""

from __future__ import annotations

import asyncio
import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urldefrag, urljoin

import courlan
import feedparser

from extractors.http import FEED_ACCEPT, BadContent, Fetcher, FetchError, run_async
from extractors.types import FeedEntry, FeedPoll, FeedSpec, FeedState, FetchSettings

FUTURE_TOLERANCE = timedelta(days=1)  # published dates further ahead are treated as unknown
BACKOFF_AFTER = 3  # consecutive failures before polls are spaced out
MAX_BACKOFF = timedelta(hours=24)

# An internal DTD subset with entity declarations is how "billion laughs" and
# external-entity attacks start; no real feed needs one.
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)


@dataclass
class ParsedFeed:
    """Entries kept plus how many were dropped, and why (for the run report)."""

    entries: list[FeedEntry] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> count

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


def canonical_url(link: str, base: str) -> str | None:
    """Absolute, normalised link without fragment or tracking parameters; None if unusable."""
    absolute, _fragment = urldefrag(urljoin(base, link.strip()))
    if not absolute.lower().startswith(("http://", "https://")):
        return None
    try:
        normalised = courlan.normalize_url(absolute, strict=False)
    except (ValueError, AttributeError):
        return None
    return urldefrag(normalised)[0] or None


def _utc(parsed: object, now: datetime) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime; far-future dates -> None."""
    if parsed is None:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return None if when > now + FUTURE_TOLERANCE else when


def check_feed_safety(body: bytes, feed_url: str) -> None:
    """Refuse XML with a DOCTYPE internal subset or ENTITY declarations (entity bombs)."""
    head = body[:65536]  # the prolog comes first; a DTD later than this is not a feed
    if _ENTITY_DECL.search(head) or _DOCTYPE_SUBSET.search(head):
        raise BadContent(
            "feed declares XML entities in a DOCTYPE (the entity-expansion "
            "'billion laughs' pattern); refused unparsed",
            url=feed_url,
            kind="unsafe_feed",
        )


def parse_feed_detailed(
    body: bytes, feed_url: str, max_entries: int, now: datetime | None = None
) -> ParsedFeed:
    """Parse a feed document into clean entries; see `parse_feed`."""
    now = now or datetime.now(UTC)
    check_feed_safety(body, feed_url)
    doc = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=False)
    raw_entries = doc.get("entries") or []
    if not raw_entries:
        # An empty but well-formed feed is fine; bytes that are not a feed are not.
        if doc.get("bozo") or not doc.get("version"):
            reason = doc.get("bozo_exception") or "no RSS or Atom root element"
            raise BadContent(
                f"not a readable RSS/Atom feed ({reason}); "
                "check that the URL points at the feed, not at a web page",
                url=feed_url,
                kind="bad_feed",
            )
        return ParsedFeed()
    base = doc.get("href") or feed_url
    result = ParsedFeed()
    seen_urls: set[str] = set()
    seen_guids: set[str] = set()
    for raw in raw_entries:
        if len(result.entries) >= max_entries:
            result.drop("over_max_entries")
            continue
        link = raw.get("link") or ""
        url = canonical_url(link, base) if link else None
        if url is None:
            result.drop("no_link")
            continue
        guid = raw.get("id") or None
        if url in seen_urls or (guid is not None and guid in seen_guids):
            result.drop("duplicate")
            continue
        seen_urls.add(url)
        if guid is not None:
            seen_guids.add(guid)
        result.entries.append(
            FeedEntry(
                feed_url=feed_url,
                url=url,
                title=(raw.get("title") or "").strip(),
                summary=(raw.get("summary") or "").strip(),
                published=_utc(raw.get("published_parsed") or raw.get("updated_parsed"), now),
                guid=guid,
            )
        )
    return result


def parse_feed(
    body: bytes, feed_url: str, max_entries: int, now: datetime | None = None
) -> list[FeedEntry]:
    """Entries of an RSS/Atom document, canonicalised and deduplicated.

    Pure. A broken (bozo) feed keeps whatever entries feedparser recovered; one
    with no entries at all raises BadContent kind "bad_feed". Entity
    declarations raise kind "unsafe_feed" before feedparser runs.
    """
    return parse_feed_detailed(body, feed_url, max_entries, now).entries


async def poll_feed(
    fetcher: Fetcher, feed: FeedSpec, state: FeedState, now: datetime | None = None
) -> FeedPoll:
    """Conditional GET and parse one feed; failures come back as status "failed"."""
    try:
        response = await fetcher.get(
            feed.url, etag=state.etag, last_modified=state.last_modified, accept=FEED_ACCEPT
        )
        if response.status == 304:
            return FeedPoll(
                feed.url,
                "not_modified",
                etag=response.headers.get("etag") or state.etag,
                last_modified=response.headers.get("last-modified") or state.last_modified,
                http_status=304,
            )
        parsed = await asyncio.to_thread(
            parse_feed_detailed, response.body, feed.url, fetcher.settings.max_feed_entries, now
        )
    except FetchError as exc:
        return FeedPoll(
            feed.url,
            "failed",
            http_status=exc.http_status,
            error=exc.to_record("feed", feed.url, url=feed.url),
        )
    return FeedPoll(
        feed.url,
        "ok",
        entries=parsed.entries,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        http_status=response.status,
        dropped=parsed.dropped,
    )


def poll_feeds(
    feeds: list[FeedSpec],
    states: dict[str, FeedState],
    settings: FetchSettings,
    now: datetime | None = None,
) -> list[FeedPoll]:
    """Poll all feeds concurrently (sync entry point); results in the order of `feeds`.

    Feeds whose state says `next_poll_after` is still ahead are not requested
    and come back as status "skipped".
    """
    now = now or datetime.now(UTC)

    async def run() -> list[FeedPoll]:
        async with Fetcher(settings) as fetcher:

            async def one(feed: FeedSpec) -> FeedPoll:
                state = states.get(feed.url) or FeedState(feed.url)
                if state.next_poll_after is not None and state.next_poll_after > now:
                    return FeedPoll(
                        feed.url, "skipped", etag=state.etag, last_modified=state.last_modified
                    )
                return await poll_feed(fetcher, feed, state, now)

            return list(await asyncio.gather(*(one(f) for f in feeds)))

    return run_async(run())


def next_state(state: FeedState, poll: FeedPoll, now: datetime) -> FeedState:
    """The feed's state after `poll` (pure).

    Success resets the failure count; from the third consecutive failure on,
    the next poll waits 2^(n-3) hours (1, 2, 4, ... capped at 24 h).
    `last_new_items` is the number of entries the feed returned; the caller may
    overwrite it with the count that was new to the warehouse.
    """
    if poll.status == "skipped":
        return replace(state)
    if poll.status in ("ok", "not_modified"):
        return replace(
            state,
            etag=poll.etag if poll.status == "ok" else (poll.etag or state.etag),
            last_modified=poll.last_modified
            if poll.status == "ok"
            else (poll.last_modified or state.last_modified),
            last_polled=now,
            last_success=now,
            consecutive_failures=0,
            next_poll_after=None,
            last_error=None,
            last_new_items=len(poll.entries),
        )
    failures = state.consecutive_failures + 1
    wait = None
    if failures >= BACKOFF_AFTER:
        exponent = min(failures - BACKOFF_AFTER, 5)  # 2^5 h > 24 h; avoids overflow
        wait = min(timedelta(hours=2**exponent), MAX_BACKOFF)
    error = poll.error
    return replace(
        state,
        last_polled=now,
        consecutive_failures=failures,
        next_poll_after=now + wait if wait else None,
        last_error=f"{error.kind}: {error.message}" if error else "failed",
        last_new_items=0,
    )
