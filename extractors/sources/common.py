"""What every source kind shares: making entries, counting drops, reporting failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from extractors.feeds import FUTURE_TOLERANCE, ParsedFeed, canonical_url
from extractors.http import BadContent, FetchError, Response
from extractors.types import FeedEntry, FeedPoll, FeedSpec

JSON_ACCEPT = "application/json,text/json;q=0.9,*/*;q=0.5"
XML_ACCEPT = "application/xml,text/xml;q=0.9,*/*;q=0.5"


def failed(feed: FeedSpec, exc: FetchError) -> FeedPoll:
    """A poll that did not work, with the error as data."""
    return FeedPoll(
        feed.url, "failed", http_status=exc.http_status,
        error=exc.to_record("feed", feed.url, url=feed.url),
    )


def ok(feed: FeedSpec, parsed: ParsedFeed, response: Response | None = None,
       warnings: list[str] | None = None) -> FeedPoll:
    return FeedPoll(
        feed.url, "ok", entries=parsed.entries,
        http_status=response.status if response is not None else None,
        dropped=parsed.dropped, warnings=list(warnings or []),
    )


def clamp_future(when: datetime | None, now: datetime) -> datetime | None:
    """Dates further ahead than a day are a publisher's error: treated as unknown."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return None if when > now + FUTURE_TOLERANCE else when


def add_entry(result: ParsedFeed, seen: set[str], feed: FeedSpec, link: str | None, base: str,
              max_items: int, **fields: Any) -> None:
    """Canonicalise `link` and add an entry, or count why it was left out."""
    if len(result.entries) >= max_items:
        result.drop("over_max_entries")
        return
    url = canonical_url(link, base) if link else None
    if url is None:
        result.drop("no_link")
        return
    if url in seen:
        result.drop("duplicate")
        return
    seen.add(url)
    result.entries.append(FeedEntry(feed_url=feed.url, url=url, **fields))


def load_json(body: bytes, url: str, source: str) -> Any:
    """JSON of an API answer; an API's plain-text refusal becomes a readable error."""
    try:
        return json.loads(body.decode("utf-8-sig", errors="replace"))
    except ValueError as exc:
        text = " ".join(body[:300].decode("utf-8", errors="replace").split())
        raise BadContent(
            f"{source} answered with text, not JSON: {text!r}", url=url, kind="bad_api_answer"
        ) from exc


def since(last_success: datetime | None, now: datetime, first_days: float,
          overlap: timedelta = timedelta(hours=1)) -> datetime:
    """Where a poll should start: the last success minus an overlap, else first_days back."""
    if last_success is None:
        return now - timedelta(days=first_days)
    return last_success - overlap
