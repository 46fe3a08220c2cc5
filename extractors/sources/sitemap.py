"""kind = "sitemap": a publisher's news sitemap (`xmlns:news`) or a sitemap index.

For outlets without a usable feed, and for backfill: `collect(..., since=...)` reads
every URL of the index published since a day (the backfill flow calls it).

What sites serve (../shared/peers/sources/sitemaps): `<urlset>` of `<url><loc>` with
`<news:news><news:publication><news:name>/<news:language>`, `<news:publication_date>`
and `<news:title>`; the namespace may be bound to any prefix (one capture uses `ns0:`
beside an unused `news:`), so elements are matched by namespace URI; an empty
self-closed `<urlset/>` when no story is younger than 48 hours. A `<sitemapindex>`
lists child sitemaps with `<lastmod>`; the newest are read first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from extractors.feeds import ParsedFeed, check_feed_safety
from extractors.http import BadContent, Fetcher, FetchError
from extractors.sources.common import XML_ACCEPT, add_entry, clamp_future, failed, ok
from extractors.types import FeedEntry, FeedPoll, FeedSpec, FeedState

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
MAX_CHILD_SITEMAPS = 3  # children of an index read per poll (newest lastmod first)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _child(el: etree._Element, ns: str, name: str) -> etree._Element | None:
    return el.find(f"{{{ns}}}{name}")


def _text(el: etree._Element | None) -> str:
    return " ".join((el.text or "").split()) if el is not None else ""


def _when(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _root(body: bytes, url: str) -> etree._Element:
    check_feed_safety(body, url)
    try:
        return etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadContent(f"not a readable sitemap ({exc})", url=url, kind="bad_sitemap") from exc


def child_sitemaps(body: bytes, url: str) -> list[str]:
    """The <loc> of a sitemap index, newest <lastmod> first; [] for a urlset."""
    root = _root(body, url)
    if _local(root) != "sitemapindex":
        return []
    children = []
    for sm in root.iter(f"{{{SITEMAP_NS}}}sitemap"):
        loc = _text(_child(sm, SITEMAP_NS, "loc"))
        if loc:
            when = _when(_text(_child(sm, SITEMAP_NS, "lastmod")))
            children.append((when or datetime.min.replace(tzinfo=UTC), loc))
    children.sort(key=lambda c: c[0], reverse=True)
    return [loc for _, loc in children]


def parse(body: bytes, feed: FeedSpec, now: datetime, max_items: int = 1000,
          since: datetime | None = None, result: ParsedFeed | None = None) -> ParsedFeed:
    """Entries of one <urlset> (pure); `since` leaves out older URLs (counted)."""
    root = _root(body, feed.url)
    if _local(root) not in ("urlset", "sitemapindex"):
        raise BadContent(f"not a sitemap: root element <{_local(root)}>", url=feed.url, kind="bad_sitemap")
    result = result if result is not None else ParsedFeed()
    seen = {e.url for e in result.entries}
    for node in root.iter(f"{{{SITEMAP_NS}}}url"):
        news = _child(node, NEWS_NS, "news")
        pub = _child(news, NEWS_NS, "publication") if news is not None else None
        day = _text(_child(news, NEWS_NS, "publication_date")) if news is not None else ""
        published = clamp_future(_when(day or _text(_child(node, SITEMAP_NS, "lastmod"))), now)
        if since is not None and published is not None and published < since:
            result.drop("older_than_since")
            continue
        add_entry(
            result, seen, feed, _text(_child(node, SITEMAP_NS, "loc")), feed.url, max_items,
            title=_text(_child(news, NEWS_NS, "title")) if news is not None else "",
            published=published,
            outlet=_text(_child(pub, NEWS_NS, "name")) or None if pub is not None else None,
            language=_text(_child(pub, NEWS_NS, "language")) or None if pub is not None else None,
        )
    return result


async def collect(fetcher: Fetcher, feed: FeedSpec, now: datetime, since: datetime | None = None,
                  max_children: int = MAX_CHILD_SITEMAPS) -> ParsedFeed:
    """Read the sitemap (and, for an index, its newest children); raises FetchError."""
    response = await fetcher.get(feed.url, accept=XML_ACCEPT)
    result = ParsedFeed()
    children = child_sitemaps(response.body, feed.url)
    if not children:
        return parse(response.body, feed, now, feed.max_items, since, result)
    for loc in children[:max_children]:
        child = await fetcher.get(loc, accept=XML_ACCEPT)
        parse(child.body, feed, now, feed.max_items, since, result)
    return result


async def poll(fetcher: Fetcher, feed: FeedSpec, state: FeedState, now: datetime,
               first_run_days: float = 7) -> FeedPoll:
    try:
        parsed = await collect(fetcher, feed, now)
    except FetchError as exc:
        return failed(feed, exc)
    return ok(feed, parsed)


def check(feed: FeedSpec) -> list[str]:
    return []


__all__ = ["FeedEntry", "child_sitemaps", "collect", "parse", "poll"]
