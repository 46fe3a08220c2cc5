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
import gzip
import html
import multiprocessing
import os
import re
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import charset_normalizer
import trafilatura

from extractors import relevance
from extractors.http import HTML_ACCEPT, BadContent, Fetcher, FetchError, run_async
from extractors.types import Article, ErrorRecord, FeedEntry, FetchSettings

MIN_TEXT_CHARS = 200  # shorter page text is a teaser or a JS shell; the feed is as good
HTML_TYPES = {"text/html", "application/xhtml+xml"}
SNIFF_BYTES = 4096

# Charset labels as browsers read them (WHATWG): the legacy label means the superset.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.IGNORECASE
)
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)", re.IGNORECASE | re.DOTALL
)
_HTML_LANG = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([a-zA-Z]{2,3})", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
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
    """A Python codec name for a charset label, or None if unknown."""
    if not label:
        return None
    label = label.strip().lower()
    label = CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


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
        except UnicodeDecodeError:
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
        name = _codec(name) or name
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
    ) and _HTML_START.match(head):
        return None  # HTML served with a missing or generic Content-Type
    return content_type or "unknown"


# --------------------------------------------------------------------------- extraction


def _feed_text(entry: FeedEntry) -> str:
    summary = html.unescape(_TAG.sub(" ", entry.summary or ""))
    summary = re.sub(r"\s+", " ", summary).strip()
    return "\n\n".join(part for part in (entry.title.strip(), summary) if part)


def feed_article(entry: FeedEntry, reason: str, raw_html_gz: bytes | None = None) -> Article:
    """An Article built from the feed entry alone (the page gave us nothing usable)."""
    return Article(
        url=entry.url,
        title=entry.title,
        text=_feed_text(entry),
        published=entry.published,
        feed_url=entry.feed_url,
        extraction="feed",
        fallback_reason=reason,
        raw_html_gz=raw_html_gz,
        fetched_at=datetime.now(UTC),
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
        site=doc.sitename or doc.hostname or None,
        language=lang,
        extraction="page",
        raw_html_gz=raw_gz,
        fetched_at=datetime.now(UTC),
    )


# --------------------------------------------------------------------------- fetching


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _die_with_parent(parent: int) -> None:
    """Extraction workers end when the run that started them ends, even by SIGKILL.

    A daemon thread in the worker checks four times a second that its parent lives. Why
    not prctl(PR_SET_PDEATHSIG): Linux sends that signal when the *thread* that started
    the worker exits, and the pool outlives the fetch thread that first used it
    (`reewatch serve` runs one flow a day in the same process).
    """

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
) -> None:
    """Fetch and extract one entry, adding the outcome to `batch`."""
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
    loop = asyncio.get_running_loop()
    args = (response.body, response.final_url, response.content_type, response.charset, entry, extract_all)
    # trafilatura is CPU work: keep it off the event loop so downloads continue.
    try:
        article = await loop.run_in_executor(pool, extract_article, *args)
    except BrokenProcessPool:
        # a worker died (killed, or crashed inside lxml): once more in a fresh pool; a page
        # that kills that one too waits for the next run like any transient failure
        assert pool is not None
        pool = _replace_pool(pool)
        try:
            article = await loop.run_in_executor(pool, extract_article, *args)
        except BrokenProcessPool:
            _replace_pool(pool)
            batch.errors.append(ErrorRecord(
                stage="article", url=entry.url, feed_url=entry.feed_url, kind="extraction_crashed",
                message="the text extraction process died twice on this page", transient=True,
            ))
            batch.failed.append(entry)
            batch.retry.append(entry)
            return
    batch.articles.append(article)


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
    pool = extraction_pool(settings.extract_workers) if len(unique) > 1 else None

    async def run() -> None:
        slots = asyncio.Semaphore(max(1, settings.concurrency))  # bodies in memory at once

        async def one(entry: FeedEntry) -> None:
            async with slots:
                await fetch_article(fetcher, entry, batch, pool, settings.extract_all)

        async with Fetcher(settings) as fetcher:
            await asyncio.gather(*(one(e) for e in unique.values()))

    run_async(run())
    order = {url: i for i, url in enumerate(unique)}
    batch.articles.sort(key=lambda a: order.get(a.url, len(order)))
    return batch
