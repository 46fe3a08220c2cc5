"""Fetch article pages and turn them into `Article`s (trafilatura text + metadata).

A page that cannot give us text (blocked, gone, a PDF, a JavaScript shell)
still yields an Article built from the feed entry's title and summary, marked
extraction="feed" with a `fallback_reason`, so the event extractor sees every
item. Transient failures (5xx, timeouts, resets) yield no article: the entry is
returned in `ArticleBatch.retry` for the next run.
"""

from __future__ import annotations

import asyncio
import atexit
import codecs
import contextlib
import gzip
import html
import multiprocessing
import os
import re
import select
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import charset_normalizer
import trafilatura

from extractors import interstitials, relevance
from extractors.charsets import text_codec
from extractors.http import (
    HTML_ACCEPT,
    BadContent,
    Fetcher,
    FetchError,
    run_async,
    unexpected_record,
)
from extractors.types import Article, ErrorRecord, FeedEntry, FetchSettings

MIN_TEXT_CHARS = 200  # shorter page text is a teaser or a JS shell; the feed is as good
HTML_TYPES = {"text/html", "application/xhtml+xml"}
SNIFF_BYTES = 4096

# Regexes here run on server bytes: each is linear (no nested or adjacent unbounded
# repeats that can match the same text, and tag bodies stop at the next "<").
_META_CHARSET = re.compile(
    rb"""<meta[^<>]{0,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]{1,40})""", re.IGNORECASE
)
_HTML_TAG_START = re.compile(rb"<(!doctype\s+html|html|head|body|meta|title)\b", re.IGNORECASE)
_HTML_LANG = re.compile(r"<html[^<>]*?\blang\s*=\s*[\"']?([a-zA-Z]{2,3})", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
)


@dataclass
class ArticleBatch:
    """What `fetch_articles` produced: articles, failures as data, entries to retry.

    `errors[i]` is why `failed[i]` failed (every failure, transient or not);
    `retry` is the transient subset, which got no article and should be tried
    again in a later run. Terminal failures got a feed-fallback article.
    """

    articles: list[Article] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    failed: list[FeedEntry] = field(default_factory=list)
    retry: list[FeedEntry] = field(default_factory=list)


# --------------------------------------------------------------------------- decoding


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None if unknown or not a text codec."""
    return text_codec(label)


def decode_html(body: bytes, header_charset: str | None) -> tuple[str, str]:
    """(text, codec used). Order: BOM, header charset, <meta> charset, detection, UTF-8.

    A declared charset is used only if the bytes decode cleanly with it: a wrong
    declaration (UTF-8 declared, Windows-1252 sent) is common and detection
    beats mojibake.
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name
    meta = _META_CHARSET.search(body[:SNIFF_BYTES])
    declared = [_codec(header_charset), _codec(meta.group(1).decode("ascii") if meta else None)]
    for name in filter(None, declared):
        try:
            return body.decode(name), name
        except UnicodeError:
            continue
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    results = charset_normalizer.from_bytes(body[:200_000])
    best = results.best()
    if best is not None and best.encoding:
        name = best.encoding
        # On short Latin text the single-byte code pages nearly tie; windows-1252 is
        # the web's legacy default (WHATWG), so it wins when about as plausible.
        for match in results:
            if match.encoding == "cp1252" and match.chaos <= best.chaos + 0.05:
                name = "cp1252"
        name = _codec(name) or "utf-8"
        return body.decode(name, errors="replace"), name
    fallback = next(filter(None, declared), "utf-8")
    return body.decode(fallback, errors="replace"), fallback


def sniff_kind(body: bytes, content_type: str | None) -> str | None:
    """None if the body is HTML we should extract, else the media type it really is."""
    head = body[:SNIFF_BYTES]
    for magic, media in _MAGIC:
        if head.startswith(magic):
            return media
    if content_type in HTML_TYPES:
        return None
    if (
        content_type is None or content_type in ("text/plain", "application/octet-stream")
    ) and _starts_like_html(head):
        return None  # HTML served with a missing or generic Content-Type
    return content_type or "unknown"


def _starts_like_html(head: bytes) -> bool:
    """Whitespace and comments, then an HTML tag: a plain scan, so no regex can backtrack
    over a hostile run of comments (`<!---->` x 40 took minutes with a regex)."""
    pos = 0
    while True:
        while pos < len(head) and head[pos : pos + 1].isspace():
            pos += 1
        if head.startswith(b"<!--", pos):
            end = head.find(b"-->", pos + 4)
            if end < 0:
                return False
            pos = end + 3
            continue
        return _HTML_TAG_START.match(head, pos) is not None


# --------------------------------------------------------------------------- extraction


def _plain(fragment: str) -> str:
    """Feed HTML as text: block ends become paragraph breaks, tags and entities go."""
    fragment = re.sub(r"(?i)</(p|div|li|h[1-6]|blockquote)>|<br\s*/?>", "\n\n", fragment or "")
    text = html.unescape(_TAG.sub(" ", fragment))
    paragraphs = (re.sub(r"[ \t\r\f\v]+", " ", p).strip() for p in text.split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def feed_text(entry: FeedEntry) -> tuple[str, str, str]:
    """(text, evidence, which part) of the richest text the feed gave for this entry.

    content:encoded over description over the title alone. A description that only
    repeats the title (Google News, many aggregators) is not text: evidence "headline".
    """
    title = entry.title.strip()
    for part, value in (("content:encoded", entry.content), ("description", entry.summary)):
        body = "" if entry.headline_only else _plain(value)
        flat = re.sub(r"\W+", " ", body).strip().lower()
        if flat and flat != re.sub(r"\W+", " ", title).strip().lower():
            return "\n\n".join(p for p in (title, body) if p), "feed_text", part
    return title, "headline", "title"


def feed_article(entry: FeedEntry, reason: str, raw_html_gz: bytes | None = None) -> Article:
    """An Article built from the feed entry alone (the page gave us nothing usable).

    `reason` says why; `evidence` says what the text stands on (feed_text or headline).
    """
    text, evidence, _part = feed_text(entry)
    return Article(
        url=entry.url,
        title=entry.title,
        text=text,
        published=entry.published,
        feed_url=entry.feed_url,
        site=entry.outlet,
        language=entry.language,
        extraction="feed",
        fallback_reason=reason or None,
        raw_html_gz=raw_html_gz,
        fetched_at=datetime.now(UTC),
        evidence=evidence,  # type: ignore[arg-type]
    )


def _as_datetime(value: str | None) -> datetime | None:
    """trafilatura's "YYYY-MM-DD" as midnight UTC (the day is what it knows)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def skipped_article(entry: FeedEntry, raw_html_gz: bytes) -> Article:
    """A page that names no critical mineral: the feed's title and summary stand for its text
    and the raw HTML is kept, so nothing is lost if the gate ever widens."""
    article = feed_article(entry, "", raw_html_gz=raw_html_gz)
    article.extraction, article.fallback_reason = "skipped", None
    return article


def extract_article(
    body: bytes,
    url: str,
    content_type: str | None,
    charset: str | None,
    entry: FeedEntry | None,
    extract_all: bool = True,
) -> Article:
    """Text and metadata of one fetched page (pure).

    Falls back to the feed entry when the page is not HTML or yields under
    MIN_TEXT_CHARS of text; without an entry that case raises BadContent.
    The article's URL is the entry's canonical URL when there is one, so the
    article id does not change when a site changes its redirects.
    With extract_all False, a page whose markup names no critical mineral is not run
    through trafilatura (four fifths of its cost on general news): see skipped_article.
    """
    article_url = entry.url if entry else url
    not_html = sniff_kind(body, content_type)
    if not_html is not None:
        reason = f"not_html: {not_html}"
        if entry is None:
            raise BadContent(f"page is {not_html}, not HTML", url=url, kind="not_html")
        return feed_article(entry, reason)
    text_html, _codec_used = decode_html(body, charset)
    raw_gz = gzip.compress(body, compresslevel=6)
    if not extract_all and entry is not None and not (
        relevance.has_commodity(entry.title) or relevance.markup_may_mention(text_html)
    ):
        return skipped_article(entry, raw_gz)
    doc = trafilatura.bare_extraction(
        text_html, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    text = (doc.text or "").strip() if doc is not None else ""
    if entry is not None:
        wall = interstitials.classify(
            text_html, text, final_url=url, article_url=entry.url,
            canonical_url=doc.url if doc is not None else None,
            feed_text_chars=len(_plain(entry.content)),
        )
        if wall is not None:  # never stored as the article: neither its text nor its markup
            return feed_article(entry, f"interstitial {wall}")
    if len(text) < MIN_TEXT_CHARS:
        if entry is None:
            raise BadContent(
                f"page yields only {len(text)} characters of text (JavaScript-only or a teaser?)",
                url=url,
                kind="empty_extraction",
            )
        return feed_article(entry, "empty_extraction", raw_html_gz=raw_gz)
    assert doc is not None
    lang = doc.language
    if not lang:
        match = _HTML_LANG.search(text_html[:SNIFF_BYTES])
        lang = match.group(1).lower() if match else None
    return Article(
        url=article_url,
        title=(doc.title or (entry.title if entry else "") or "").strip(),
        text=text,
        published=_as_datetime(doc.date) or (entry.published if entry else None),
        feed_url=entry.feed_url if entry else None,
        author=doc.author or None,
        site=(entry.outlet if entry else None) or doc.sitename or doc.hostname or None,
        language=lang,
        extraction="page",
        raw_html_gz=raw_gz,
        fetched_at=datetime.now(UTC),
    )


# --------------------------------------------------------------------------- fetching


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _die_with_parent(parent: int) -> None:
    """Extraction workers end when the run that started them ends, even by SIGKILL.

    A watchdog process forked from the worker sleeps in the kernel on pidfds of the
    parent and of the worker, and SIGKILLs the worker when the parent goes. Being a
    separate process it works even while the worker is stuck in C code that holds the
    GIL (a regex, lxml), which a watcher thread inside the worker cannot. Why not
    prctl(PR_SET_PDEATHSIG): Linux sends that signal when the *thread* that started the
    worker exits, and the pool outlives the fetch thread that first used it (`reewatch
    serve` runs one flow a day in the same process). Without pidfds (not Linux), a
    watcher thread is the fallback.
    """
    worker = os.getpid()
    try:
        parent_fd = os.pidfd_open(parent)
    except (AttributeError, OSError):
        parent_fd = None
    if parent_fd is not None and os.fork() == 0:
        try:  # the watchdog: keep no pipe of the pool open, wait, then act
            os.closerange(3, parent_fd)
            os.closerange(parent_fd + 1, 65536)
            worker_fd = os.pidfd_open(worker)
            poller = select.poll()
            poller.register(parent_fd, select.POLLIN)
            poller.register(worker_fd, select.POLLIN)
            if any(fd == parent_fd for fd, _ in poller.poll()):
                os.kill(worker, signal.SIGKILL)
        finally:
            os._exit(0)
    if parent_fd is not None:
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="reewatch-parent-watch").start()


def _new_pool(workers: int) -> ProcessPoolExecutor:
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )
    atexit.register(pool.shutdown, wait=False, cancel_futures=True)
    return pool


def extraction_pool(workers: int) -> ProcessPoolExecutor | None:
    """A process pool for trafilatura, made once per process and reused by every batch.

    Extraction is pure CPU work under the GIL; worker processes let it run beside
    downloads and spaCy on another core. Workers are spawned (not forked), so they
    never inherit the parent's threads, sockets or loaded models. A pool broken by a
    dead worker is replaced.
    """
    if workers <= 0:
        return None
    pool = _POOLS.get(workers)
    if pool is None or getattr(pool, "_broken", False):
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        pool = _POOLS[workers] = _new_pool(workers)
    return pool


def _replace_pool(broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
    """The pool to use instead of `broken`: made once, however many pages saw it break."""
    workers = next((n for n, p in _POOLS.items() if p is broken), broken._max_workers)  # type: ignore[attr-defined]
    if _POOLS.get(workers) is broken:
        broken.shutdown(wait=False, cancel_futures=True)
        del _POOLS[workers]
    pool = extraction_pool(workers)
    assert pool is not None
    return pool


async def fetch_article(
    fetcher: Fetcher,
    entry: FeedEntry,
    batch: ArticleBatch,
    pool: ProcessPoolExecutor | None = None,
    extract_all: bool = True,
    extracting: asyncio.Semaphore | None = None,
) -> None:
    """Fetch and extract one entry, adding the outcome to `batch`; never raises.

    Whatever goes wrong with one page (an error nobody foresaw included) becomes that
    page's error record and a retry on a later run, never the batch's failure.
    `extracting` admits as many pages to the pool as it has workers, so that
    extract_timeout measures extraction, not the wait in the pool's queue.
    """
    try:
        await _fetch_article(fetcher, entry, batch, pool, extract_all, extracting)
    except Exception as exc:  # the catch-all for one item: see the docstring
        batch.errors.append(unexpected_record("article", entry.url, entry.feed_url, exc))
        batch.failed.append(entry)
        batch.retry.append(entry)


async def _fetch_article(
    fetcher: Fetcher,
    entry: FeedEntry,
    batch: ArticleBatch,
    pool: ProcessPoolExecutor | None,
    extract_all: bool,
    extracting: asyncio.Semaphore | None,
) -> None:
    if not entry.fetch:  # links that cannot be followed (Google News) or need not be (APIs)
        batch.articles.append(feed_article(entry, "not_followed"))
        return
    try:
        response = await fetcher.get(entry.url, accept=HTML_ACCEPT)
    except FetchError as exc:
        # No await between these appends, so errors and failed stay aligned.
        batch.errors.append(exc.to_record("article", entry.feed_url, url=entry.url))
        batch.failed.append(entry)
        if exc.transient:
            batch.retry.append(entry)
        else:
            batch.articles.append(feed_article(entry, exc.kind))
        return
    args = (response.body, response.final_url, response.content_type, response.charset, entry, extract_all)
    async with extracting or contextlib.nullcontext():
        await _extract_page(entry, batch, pool, args, fetcher.settings.extract_timeout)


async def _extract_page(
    entry: FeedEntry, batch: ArticleBatch, pool: ProcessPoolExecutor | None, args: tuple, limit: float
) -> None:
    # trafilatura is CPU work: keep it off the event loop so downloads continue.
    for attempt in (1, 2):
        pool = _live(pool)
        try:
            article = await _extract_in(pool, args, limit)
            break
        except BrokenProcessPool:
            # a worker died (killed, or crashed inside lxml): once more in a fresh pool; a
            # page that kills that one too waits for the next run like any transient failure
            assert pool is not None
            pool = _replace_pool(pool)
            if attempt == 2:
                _retry_later(batch, entry, "extraction_crashed",
                             "the text extraction process died twice on this page")
                return
        except TimeoutError:
            if pool is not None:
                _kill_workers(pool)  # a worker stuck in C code only ends this way
                _replace_pool(pool)
            _retry_later(batch, entry, "extraction_timeout",
                         f"text extraction took over {limit:g} s (extract_timeout); stopped")
            return
    batch.articles.append(article)


def _live(pool: ProcessPoolExecutor | None) -> ProcessPoolExecutor | None:
    """`pool`, or the pool that replaced it since (after a timeout or a dead worker)."""
    if pool is None:
        return None
    workers = pool._max_workers  # type: ignore[attr-defined]
    if getattr(pool, "_shutdown_thread", False) or getattr(pool, "_broken", False):
        return extraction_pool(workers)
    return pool


_WARM: set[int] = set()  # ids of pools whose workers have started
POOL_START_TIMEOUT = 120.0  # spawning workers (Python + trafilatura imports) on a busy machine


async def _extract_in(pool: ProcessPoolExecutor | None, args: tuple, limit: float) -> Article:
    loop = asyncio.get_running_loop()
    if pool is not None and id(pool) not in _WARM:
        # Start the workers first, so extract_timeout never counts their start-up.
        await asyncio.wait_for(
            asyncio.gather(*(loop.run_in_executor(pool, abs, 0) for _ in range(pool._max_workers))),  # type: ignore[attr-defined]
            POOL_START_TIMEOUT,
        )
        _WARM.add(id(pool))
    return await asyncio.wait_for(loop.run_in_executor(pool, extract_article, *args), limit)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    for pid in list(getattr(pool, "_processes", {}) or {}):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _retry_later(batch: ArticleBatch, entry: FeedEntry, kind: str, message: str) -> None:
    batch.errors.append(ErrorRecord(
        stage="article", url=entry.url, feed_url=entry.feed_url, kind=kind, message=message,
        transient=True,
    ))
    batch.failed.append(entry)
    batch.retry.append(entry)


def fetch_articles(entries: list[FeedEntry], settings: FetchSettings) -> ArticleBatch:
    """Fetch the pages of `entries` concurrently (sync entry point).

    Duplicate URLs are fetched once. Memory stays bounded: at most
    `settings.concurrency` bodies (each capped) are held at a time, and each is
    dropped once extracted.
    """
    unique: dict[str, FeedEntry] = {}
    for entry in entries:
        unique.setdefault(entry.url, entry)
    batch = ArticleBatch()
    # Always the pool (made once per process): a page stuck in extraction can only be
    # stopped by killing its process, never a thread.
    pool = extraction_pool(settings.extract_workers) if unique else None

    async def run() -> None:
        slots = asyncio.Semaphore(max(1, settings.concurrency))  # bodies in memory at once
        extracting = asyncio.Semaphore(max(1, settings.extract_workers))

        async def one(entry: FeedEntry) -> None:
            async with slots:
                await fetch_article(fetcher, entry, batch, pool, settings.extract_all, extracting)

        async with Fetcher(settings) as fetcher:
            await asyncio.gather(*(one(e) for e in unique.values()))

    run_async(run())
    order = {url: i for i, url in enumerate(unique)}
    batch.articles.sort(key=lambda a: order.get(a.url, len(order)))
    return batch
