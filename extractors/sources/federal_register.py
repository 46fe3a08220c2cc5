"""kind = "federal_register": the Federal Register documents API (US rules, orders, notices).

`conditions[term]` is `query`, `conditions[agencies][]` each of `agencies` (slugs such
as "industry-and-security-bureau"), `conditions[type][]` each of `document_types`
(RULE, PRORULE, NOTICE, PRESDOCU), published since the last poll, newest first.

What it serves (../shared/peers/sources/federalregister): compact JSON with count,
next_page_url and `results` of title, type, abstract, document_number, html_url,
publication_date, agencies[{name, slug ...}] and excerpts. The document pages at
html_url are for browsers: automated requests get a "Request Access" CAPTCHA page
(a saved copy is in blockpages/). So the entry is not fetched: its title and
abstract are the article (evidence "feed_text"), its URL the document's html_url.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlencode, urlsplit

from extractors.feeds import ParsedFeed
from extractors.http import BadContent, Fetcher, FetchError
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

DOCUMENT_TYPES = ("RULE", "PRORULE", "NOTICE", "PRESDOCU")
PER_PAGE = 100
OUTLET = "Federal Register"


def request_url(feed: FeedSpec, start: date) -> str:
    params: list[tuple[str, str]] = [("order", "newest"), ("per_page", str(min(feed.max_items, PER_PAGE)))]
    if feed.query:
        params.append(("conditions[term]", feed.query))
    params += [("conditions[agencies][]", a) for a in feed.agencies]
    params += [("conditions[type][]", t.upper()) for t in feed.document_types]
    params.append(("conditions[publication_date][gte]", start.isoformat()))
    joiner = "&" if urlsplit(feed.url).query else "?"
    return f"{feed.url}{joiner}{urlencode(params)}"


def _day(value: str | None) -> datetime | None:
    try:
        d = date.fromisoformat((value or "")[:10])
    except ValueError:
        return None
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def parse(body: bytes, feed: FeedSpec, now: datetime, max_items: int = PER_PAGE) -> ParsedFeed:
    """Entries of one documents.json answer (pure)."""
    data = load_json(body, feed.url, "the Federal Register API")
    if not isinstance(data, dict) or not isinstance(data.get("results", []), list):
        raise BadContent("Federal Register answer has no `results` list", url=feed.url,
                         kind="bad_api_answer")
    result = ParsedFeed()
    seen: set[str] = set()
    for doc in data.get("results") or []:
        if not isinstance(doc, dict):
            result.drop("bad_item")
            continue
        agencies = [a.get("name") for a in doc.get("agencies") or [] if isinstance(a, dict) and a.get("name")]
        kind = doc.get("type") or ""
        lead = f"{kind} by {', '.join(agencies)}." if agencies and kind else ""
        abstract = " ".join(str(doc.get("abstract") or "").split())
        add_entry(
            result, seen, feed, doc.get("html_url"), feed.url, max_items,
            title=" ".join(str(doc.get("title") or "").split()),
            summary=" ".join(p for p in (lead, abstract) if p),
            published=clamp_future(_day(doc.get("publication_date")), now),
            guid=doc.get("document_number") or None,
            outlet=OUTLET,
            language="en",
            fetch=False,
        )
    return result


async def poll(fetcher: Fetcher, feed: FeedSpec, state: FeedState, now: datetime,
               first_run_days: float = 7) -> FeedPoll:
    url = request_url(feed, since(state.last_success, now, first_run_days).date())
    try:
        response = await fetcher.get(url, accept=JSON_ACCEPT)
        parsed = parse(response.body, feed, now, feed.max_items)
    except FetchError as exc:
        return failed(feed, exc)
    return ok(feed, parsed, response)


def check(feed: FeedSpec) -> list[str]:
    bad = [t for t in feed.document_types if t.upper() not in DOCUMENT_TYPES]
    problems = [f"unknown document_types {bad}; known: {list(DOCUMENT_TYPES)}"] if bad else []
    if not (feed.query or feed.agencies):
        problems.append("federal_register needs `query` or `agencies`, or it lists every document")
    return problems
