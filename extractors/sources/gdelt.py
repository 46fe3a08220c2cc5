"""kind = "gdelt": the GDELT DOC 2.0 API, cross-outlet discovery that its terms allow.

One request per poll: `mode=artlist&format=json`, the configured `query`, the
newest first, from the last successful poll (less an hour of overlap) to now.
GDELT asks for at most one request every 5 seconds; `min_interval` (default 5)
spaces requests to its host inside one run, across every gdelt source.

What it really serves (saved captures in ../shared/peers/sources/gdelt): JSON
`{"articles": [{url, url_mobile, title, seendate "20260722T121500Z", socialimage,
domain, language "English", sourcecountry}]}`, and under HTTP 200 plain-text
refusals ("Please limit requests to one every 5 seconds ...", "A maximum of 250
records ...", "One or more of your keywords were too short ..."). A title only:
the page is fetched for text, the outlet is `domain`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from extractors.feeds import ParsedFeed
from extractors.http import BadContent, Fetcher, FetchError, host_port_of
from extractors.sources.common import (
    JSON_ACCEPT,
    add_entry,
    clamp_future,
    failed,
    load_json,
    ok,
    since,
)
from extractors.types import FeedPoll, FeedSpec, FeedState

GDELT_INTERVAL = 5.0  # seconds between requests, as GDELT asks
MAX_RECORDS = 250  # the API's cap


def request_url(feed: FeedSpec, start: datetime, end: datetime) -> str:
    """The DOC 2.0 query URL for the window start..end (UTC)."""
    params = {
        "query": feed.query,
        "mode": "artlist",
        "format": "json",
        "maxrecords": str(min(feed.max_items, MAX_RECORDS)),
        "sort": "datedesc",
        "startdatetime": start.astimezone(UTC).strftime("%Y%m%d%H%M%S"),
        "enddatetime": end.astimezone(UTC).strftime("%Y%m%d%H%M%S"),
    }
    joiner = "&" if urlsplit(feed.url).query else "?"
    return f"{feed.url}{joiner}{urlencode(params)}"


def _seendate(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value or "", "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse(body: bytes, feed: FeedSpec, now: datetime, max_items: int = MAX_RECORDS) -> ParsedFeed:
    """Entries of one artlist answer (pure); GDELT's text refusals raise BadContent."""
    text = body.lstrip()[:200].decode("utf-8", errors="replace")
    if text.startswith("Please limit requests"):
        raise BadContent(
            f"GDELT rate-limited the request: {text[:80]!r}; it allows one request every 5 s",
            url=feed.url, kind="rate_limited", transient=True,
        )
    data = load_json(body, feed.url, "GDELT")
    if not isinstance(data, dict):
        raise BadContent("GDELT answer is not a JSON object", url=feed.url, kind="bad_api_answer")
    result = ParsedFeed()
    seen: set[str] = set()
    for item in data.get("articles") or []:
        if not isinstance(item, dict):
            result.drop("bad_item")
            continue
        add_entry(
            result, seen, feed, item.get("url"), feed.url, max_items,
            title=" ".join(str(item.get("title") or "").split()),
            published=clamp_future(_seendate(item.get("seendate")), now),
            guid=item.get("url") or None,
            outlet=(item.get("domain") or None),
            language=(item.get("language") or None),
            country=(item.get("sourcecountry") or None),
            headline_only=True,
        )
    return result


async def poll(fetcher: Fetcher, feed: FeedSpec, state: FeedState, now: datetime,
               first_run_days: float = 7) -> FeedPoll:
    url = request_url(feed, since(state.last_success, now, first_run_days), now)
    host = host_port_of(feed.url)
    interval = feed.min_interval or GDELT_INTERVAL
    fetcher.min_interval[host] = max(fetcher.min_interval.get(host, 0.0), interval)
    try:
        response = await fetcher.get(url, accept=JSON_ACCEPT)
        parsed = parse(response.body, feed, now, feed.max_items)
    except FetchError as exc:
        return failed(feed, exc)
    return ok(feed, parsed, response)


def check(feed: FeedSpec) -> list[str]:
    return [] if feed.query.strip() else ["gdelt needs `query`, e.g. '\"rare earth\" OR \"critical minerals\"'"]
