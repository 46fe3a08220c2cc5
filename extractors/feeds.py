"""Poll feeds: conditional GET through our Fetcher, feedparser on the bytes, clean entries.

feedparser never touches the network here (it has no timeout or size cap of
its own); it only parses bytes that `Fetcher` already bounded. Per-feed state
(`FeedState`) carries the validators for conditional GET and the failure count
that spaces out polls of a broken feed (`next_state`).
"""

from __future__ import annotations

import asyncio
import calendar
import codecs
import io
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from urllib.parse import urldefrag, urljoin

import courlan
import feedparser

from extractors import links
from extractors.charsets import text_codec
from extractors.http import (
    FEED_ACCEPT,
    BadContent,
    Fetcher,
    FetchError,
    run_async,
    safe_validator,
    unexpected_record,
)
from extractors.types import ErrorRecord, FeedEntry, FeedPoll, FeedSpec, FeedState, FetchSettings

FUTURE_TOLERANCE = timedelta(days=1)  # published dates further ahead are treated as unknown
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)  # earlier "published" dates are treated as unknown
RAW_ITEMS_PER_KEPT = 2  # items parsed per entry kept (room for duplicates and linkless items)
BACKOFF_AFTER = 3  # consecutive failures before polls are spaced out
MAX_BACKOFF = timedelta(hours=24)

# An internal DTD subset with entity declarations is how "billion laughs" and
# external-entity attacks start; no real feed needs one.
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^<>\[]*\[", re.IGNORECASE)
# All patterns below are linear on hostile input: no nested repeats, bounded spans.
_XML_DECL_ENCODING = re.compile(
    rb"""^\s{0,64}<\?xml[^<>?]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']"""
)
_CHARREF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_ITEM_OPEN = re.compile(r"<(?:[A-Za-z_][\w.-]{0,30}:)?(?:item|entry)[\s/>]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class ParsedFeed:
    """Entries kept plus how many were dropped, and why (for the run report)."""

    entries: list[FeedEntry] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> count
    errors: list[ErrorRecord] = field(default_factory=list)  # items dropped for a bad URL

    def drop(self, reason: str, count: int = 1) -> None:
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + count


def canonical_url(link: str, base: str) -> str | None:
    """Absolute, normalised link without fragment or tracking parameters; None if unusable.

    Raises ValueError for a link that is not a URL at all (`http://[foo]/`). An aggregator's
    redirect link (Bing, Google Alerts) becomes the publisher's URL first.
    """
    absolute, _fragment = urldefrag(urljoin(base, links.unwrap(link.strip())))
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
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    # Year 1 or 9999: later date arithmetic (relative dates, "N days ago") would overflow.
    return None if when > now + FUTURE_TOLERANCE or when < EARLIEST else when


def clean_text(value: object) -> str:
    """A feed string fit for storage: no lone surrogates (UTF-8 cannot store them)."""
    text = value if isinstance(value, str) else ""
    return _SURROGATE.sub("\ufffd", text).strip()


def _decode_feed(body: bytes, header_charset: str | None) -> str:
    """The feed as text: BOM, XML declaration, header charset, UTF-8, then windows-1252.

    Only real text codecs are tried (see extractors/charsets.py): feedparser itself
    would hand a declared `undefined` or `base64` to Python's codec registry.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    declared = _XML_DECL_ENCODING.match(body)
    labels = [declared.group(1).decode("ascii") if declared else None, header_charset, "utf-8"]
    for name in dict.fromkeys(filter(None, map(text_codec, labels))):
        try:
            return body.decode(name)
        except UnicodeError:
            continue
    return body.decode("cp1252", errors="replace")


def _safe_charref(match: re.Match[str]) -> str:
    """Character references XML allows stay; the rest (surrogates, > U+10FFFF) become U+FFFD."""
    digits = match.group(1) or match.group(2)
    try:
        code = int(digits, 16 if match.group(1) else 10) if len(digits) < 12 else -1
    except ValueError:
        code = -1
    allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0x10FFFF
    return match.group(0) if allowed and code not in (0xFFFE, 0xFFFF) else "&#65533;"


def _cut_items(text: str, keep: int) -> tuple[str, int]:
    """The document cut before item `keep + 1`, closed again; and how many items were cut.

    A 1 MB gzip of 500,000 tiny items is 20 MB of XML; feedparser would build every
    entry before our cap could apply, so the cap is applied to the text first.
    """
    starts = _ITEM_OPEN.finditer(text)
    cut_at = next(islice(starts, keep, None), None)
    if cut_at is None:
        return text, 0
    rest = 1 + sum(1 for _ in starts)
    head = text[: cut_at.start()]
    if "<feed" in head[:4096]:
        closer = "</feed>"
    elif "<rdf:RDF" in head[:4096]:
        closer = "</rdf:RDF>"
    else:
        closer = "</channel></rss>"
    return head + closer, rest


def prepare_feed(body: bytes, max_items: int, header_charset: str | None = None) -> tuple[bytes, int]:
    """UTF-8 bytes that feedparser can parse without harm, and the number of items cut.

    Decoded with a safe codec and re-declared as UTF-8; character references that
    name no character are replaced (feedparser raises on `&#55296;`); at most
    `max_items` items are left.
    """
    text = _decode_feed(body, header_charset)
    head = text[:300].lstrip()
    if head.startswith("<?xml"):
        end = text.find("?>", 0, 300)
        if end >= 0:
            text = '<?xml version="1.0" encoding="utf-8"?>' + text[end + 2 :]
    text = _CHARREF.sub(_safe_charref, text)
    text, cut = _cut_items(text, max_items)
    return _SURROGATE.sub("\ufffd", text).encode("utf-8"), cut


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
    body: bytes,
    feed_url: str,
    max_entries: int,
    now: datetime | None = None,
    charset: str | None = None,
) -> ParsedFeed:
    """Parse a feed document into clean entries; see `parse_feed`."""
    now = now or datetime.now(UTC)
    data, cut = prepare_feed(body, max(1, max_entries) * RAW_ITEMS_PER_KEPT, charset)
    check_feed_safety(data, feed_url)
    # A stream, never bytes or str: feedparser opens a "document" that looks like a
    # path (/etc/hostname, /dev/zero) or URL as one.
    doc = feedparser.parse(
        io.BytesIO(data),
        sanitize_html=True,
        resolve_relative_uris=False,
        response_headers={"content-type": "application/xml; charset=utf-8"},
    )
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
    base = feed_url
    headline_only = links.unfollowable(feed_url) is not None
    result = ParsedFeed()
    result.drop("over_max_entries", cut)
    seen_urls: set[str] = set()
    seen_guids: set[str] = set()
    for raw in raw_entries:
        if len(result.entries) >= max_entries:
            result.drop("over_max_entries")
            continue
        link = clean_text(raw.get("link"))
        if not link:
            result.drop("no_link")
            continue
        try:
            url = canonical_url(link, base)
            problem = "is not an http(s) URL"
        except ValueError as exc:
            url, problem = None, f"is malformed ({exc})"
        if url is None:
            result.drop("bad_url")
            result.errors.append(ErrorRecord(
                stage="feed", url=link[:300], kind="bad_url", transient=False, feed_url=feed_url,
                message=f"item link {link[:200]!r} {problem}; item skipped",
            ))
            continue
        guid = clean_text(raw.get("id")) or None
        if url in seen_urls or (guid is not None and guid in seen_guids):
            result.drop("duplicate")
            continue
        seen_urls.add(url)
        if guid is not None:
            seen_guids.add(guid)
        published = _utc(raw.get("published_parsed") or raw.get("updated_parsed"), now)
        opaque = headline_only or links.unfollowable(url) is not None  # a mirror of such a feed too
        result.entries.append(entry_from_item(raw, feed_url, url, guid, published, opaque))
    return result


def _outlet(raw: dict) -> str | None:
    """The publisher the item names: Bing's <News:Source>, RSS <source>, Atom source title."""
    name = raw.get("news_source")
    if not name:
        source = raw.get("source") or {}
        name = source.get("title") if isinstance(source, dict) else None
    return clean_text(name) or None


def entry_from_item(
    raw: dict, feed_url: str, url: str, guid: str | None, published: datetime | None,
    headline_only: bool,
) -> FeedEntry:
    """One feedparser item as a FeedEntry; `headline_only` for sources whose links are opaque."""
    title = clean_text(raw.get("title"))
    outlet = _outlet(raw)
    content = ""
    for part in raw.get("content") or []:  # content:encoded / Atom content: the full text
        value = clean_text(part.get("value") if isinstance(part, dict) else None)
        if len(value) > len(content):
            content = value
    summary = clean_text(raw.get("summary"))
    if headline_only:
        # Google News: the title ends in " - Publisher" and the description is a link cluster
        if outlet and title.endswith(f" - {outlet}"):
            title = title[: -len(outlet) - 3].rstrip()
        summary, content = "", ""
    return FeedEntry(
        feed_url=feed_url,
        url=url,
        title=title,
        summary=summary,
        published=published,
        guid=guid,
        content=content,
        outlet=outlet,
        headline_only=headline_only,
        fetch=not headline_only,
    )


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
    """Conditional GET and parse one feed; failures come back as status "failed", never raised.

    Any error, foreseen or not, is this feed's failure (recorded, and polls spaced out
    by `next_state`), never the run's.
    """
    try:
        return await _poll_feed(fetcher, feed, state, now)
    except FetchError as exc:
        error = exc.to_record("feed", feed.url, url=feed.url)
        return FeedPoll(feed.url, "failed", http_status=exc.http_status, error=error)
    except Exception as exc:  # the catch-all for one feed
        return FeedPoll(feed.url, "failed", error=unexpected_record("feed", feed.url, feed.url, exc))


async def _poll_feed(
    fetcher: Fetcher, feed: FeedSpec, state: FeedState, now: datetime | None
) -> FeedPoll:
    # A validator stored before it was checked (or by an older version) is dropped here.
    etag, last_modified = safe_validator(state.etag), safe_validator(state.last_modified)
    response = await fetcher.get(
        feed.url, etag=etag, last_modified=last_modified, accept=FEED_ACCEPT
    )
    new_etag = safe_validator(response.headers.get("etag"))
    new_modified = safe_validator(response.headers.get("last-modified"))
    if response.status == 304:
        return FeedPoll(
            feed.url,
            "not_modified",
            etag=new_etag or etag,
            last_modified=new_modified or last_modified,
            http_status=304,
        )
    parsed = await asyncio.to_thread(
        parse_feed_detailed,
        response.body,
        feed.url,
        fetcher.settings.max_feed_entries,
        now,
        response.charset,
    )
    return FeedPoll(
        feed.url,
        "ok",
        entries=parsed.entries,
        etag=new_etag,
        last_modified=new_modified,
        http_status=response.status,
        dropped=parsed.dropped,
        item_errors=parsed.errors,
    )


def poll_feeds(
    feeds: list[FeedSpec],
    states: dict[str, FeedState],
    settings: FetchSettings,
    now: datetime | None = None,
    first_run_days: float = 7,
) -> list[FeedPoll]:
    """Poll all sources concurrently (sync entry point); results in the order of `feeds`.

    Each source is read by the module of its kind (extractors/sources/).

    Feeds whose state says `next_poll_after` is still ahead are not requested
    and come back as status "skipped".
    """
    from extractors.sources import poll_source  # the sources import this module

    now = now or datetime.now(UTC)

    async def run() -> list[FeedPoll]:
        async with Fetcher(settings) as fetcher:

            async def one(feed: FeedSpec) -> FeedPoll:
                state = states.get(feed.url) or FeedState(feed.url)
                if state.next_poll_after is not None and state.next_poll_after > now:
                    return FeedPoll(
                        feed.url, "skipped", etag=state.etag, last_modified=state.last_modified
                    )
                return await poll_source(fetcher, feed, state, now, first_run_days)

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
