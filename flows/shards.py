"""The CPU-heavy stages as Prefect tasks over shards, exchanged as Arrow tables.

Why Arrow: a task may run on a Dask worker on another machine, which never opens the
DuckDB file; it gets a shard of rows and gives back a table of results, and the flow
(the single writer) lands that in one transaction. Arrow tables pickle compactly and
map one to one onto the warehouse's columns.

Two tasks: `extract_shard` (raw pages -> articles: markup gate, then trafilatura) and
`nlp_shard` (articles -> events). Each is pure given its input, so a shard retried on
another worker (its first worker was killed) gives the same rows.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NONE

from extractors.types import Article, ErrorRecord, Event, FeedEntry, Mention
from flows.failpoints import failpoint

_TS = pa.timestamp("us", tz="UTC")
_STR_LIST = pa.list_(pa.string())

ARTICLES = pa.schema([
    ("id", pa.string()), ("url", pa.string()), ("title", pa.string()), ("text", pa.string()),
    ("published", _TS), ("feed_url", pa.string()), ("author", pa.string()),
    ("site", pa.string()), ("language", pa.string()), ("extraction", pa.string()),
    ("fallback_reason", pa.string()), ("raw_html_gz", pa.binary()), ("fetched_at", _TS),
])  # fmt: skip

PAGES = pa.schema([
    ("url", pa.string()), ("body", pa.binary()), ("content_type", pa.string()),
    ("charset", pa.string()), ("title", pa.string()), ("summary", pa.string()),
    ("published", _TS), ("feed_url", pa.string()), ("fetched_at", _TS), ("key", pa.string()),
])  # fmt: skip

_MENTION = pa.struct([
    ("sentence", pa.string()), ("start", pa.int32()), ("end", pa.int32()), ("trigger", pa.string()),
])  # fmt: skip

EVENTS = pa.schema([
    ("article_id", pa.string()), ("type", pa.string()), ("date", pa.string()),
    ("date_precision", pa.string()), ("actors", _STR_LIST), ("commodities", _STR_LIST),
    ("amount", pa.float64()), ("currency", pa.string()), ("confidence", pa.float64()),
    ("mentions", pa.list_(_MENTION)),
])  # fmt: skip

ERRORS = pa.schema([
    ("stage", pa.string()), ("url", pa.string()), ("kind", pa.string()),
    ("message", pa.string()), ("transient", pa.bool_()), ("feed_url", pa.string()),
])  # fmt: skip


# --- conversions -----------------------------------------------------------------------


def articles_to_arrow(articles: list[Article]) -> pa.Table:
    return pa.Table.from_pylist(
        [{f: getattr(a, f) for f in ARTICLES.names} for a in articles], schema=ARTICLES
    )


def articles_from_arrow(table: pa.Table) -> list[Article]:
    return [Article(**row) for row in table.to_pylist()]


def events_to_arrow(articles: list[Article], events: list[list[Event]]) -> pa.Table:
    rows = []
    for art, evs in zip(articles, events, strict=True):
        for ev in evs:
            rows.append({
                "article_id": art.id, "type": ev.type, "date": ev.date,
                "date_precision": ev.date_precision, "actors": list(ev.actors),
                "commodities": list(ev.commodities), "amount": ev.amount,
                "currency": ev.currency, "confidence": ev.confidence,
                "mentions": [vars(m) for m in ev.mentions],
            })  # fmt: skip
    return pa.Table.from_pylist(rows, schema=EVENTS)


def events_from_arrow(table: pa.Table, articles: list[Article]) -> list[list[Event]]:
    """Events per article, in the articles' order (articles without events get [])."""
    by_article: dict[str, list[Event]] = {a.id: [] for a in articles}
    for row in table.to_pylist():
        mentions = [Mention(**m) for m in row.pop("mentions") or []]
        by_article.setdefault(row.pop("article_id"), []).append(Event(**row, mentions=mentions))
    return [by_article[a.id] for a in articles]


def errors_to_arrow(errors: list[ErrorRecord]) -> pa.Table:
    return pa.Table.from_pylist(
        [{f: getattr(e, f) for f in ERRORS.names} for e in errors], schema=ERRORS
    )


def errors_from_arrow(table: pa.Table) -> list[ErrorRecord]:
    return [ErrorRecord(**row) for row in table.to_pylist()]


def pages_to_arrow(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist([{f: r.get(f) for f in PAGES.names} for r in rows], schema=PAGES)


# --- the work (plain functions, the tasks below only wrap them) -------------------------


def extract_pages(pages: pa.Table, extract_all: bool = False) -> dict[str, pa.Table]:
    """Raw pages -> articles (markup gate first, trafilatura only on pages that pass).

    A page that is not HTML or yields too little text becomes an error row, not an
    article: with no feed entry behind it there is nothing else to keep. `keys` says
    which input row each article came from (for progress and re-reads).
    """
    from extractors.articles import extract_article
    from extractors.http import FetchError
    from flows.allocator import keep_batches_on_heap

    keep_batches_on_heap()  # on a Dask worker (see flows/allocator.py); NLP does it at model load

    articles: list[Article] = []
    keys: list[str] = []
    errors: list[ErrorRecord] = []
    for row in pages.to_pylist():
        entry = FeedEntry(
            feed_url=row["feed_url"] or "", url=row["url"], title=row["title"] or "",
            summary=row["summary"] or "", published=row["published"],
        )  # fmt: skip
        try:
            art = extract_article(
                row["body"], row["url"], row["content_type"], row["charset"], entry, extract_all
            )
        except FetchError as exc:
            errors.append(exc.to_record("article", row["feed_url"], url=row["url"]))
            continue
        except Exception as exc:  # noqa: BLE001 - one bad page must not sink its shard
            errors.append(ErrorRecord(stage="article", url=row["url"], kind="extraction_error",
                                      message=f"{type(exc).__name__}: {exc}", transient=False))
            continue
        if art.extraction == "feed":  # not HTML / too little text: no feed to fall back on
            errors.append(ErrorRecord(stage="article", url=row["url"], kind=art.fallback_reason or "no_text",
                                      message=f"page gave no article text ({art.fallback_reason})",
                                      transient=False))
            continue
        art.feed_url = row["feed_url"]
        if row["fetched_at"] is not None:
            art.fetched_at = row["fetched_at"]
        if art.published is None:
            art.published = row["published"]
        articles.append(art)
        keys.append(row["key"] or art.id)
    table = articles_to_arrow(articles).append_column("key", pa.array(keys, pa.string()))
    return {"articles": table, "errors": errors_to_arrow(errors)}


def detect_events(articles: pa.Table, batch_size: int = 64) -> dict[str, pa.Table]:
    """Articles -> events. If the batch as a whole raises, each article is tried alone, so
    one bad article is an error row and the rest of its shard still gets its events."""
    from flows.daily import get_extractor

    began, cpu = time.perf_counter(), time.thread_time()
    extractor = get_extractor()
    extractor.batch_size = max(1, batch_size)
    failpoint("shards.nlp")  # the Dask tests kill a worker here, mid-shard
    arts = articles_from_arrow(articles)
    errors: list[ErrorRecord] = []
    try:
        events = extractor.extract(arts)
        errors.extend(extractor.last_errors)
        failed: list[str] = []
    except Exception:  # noqa: BLE001 - narrowed down article by article below
        events, failed = [], []
        for art in arts:
            try:
                events.append(extractor.extract([art])[0])
                errors.extend(extractor.last_errors)
            except Exception as exc:  # noqa: BLE001
                events.append([])
                failed.append(art.id)
                errors.append(ErrorRecord(stage="nlp", url=art.url, kind="nlp_error",
                                          message=f"{type(exc).__name__}: {exc}", transient=False))
    return {
        "events": events_to_arrow(arts, events),
        "errors": errors_to_arrow(errors),
        "failed": pa.table({"article_id": pa.array(failed, pa.string())}),
        "nlp_version": pa.table({"v": [extractor.nlp_version]}),
        "timing": timing(began, cpu),
    }


def timing(began: float, cpu: float) -> pa.Table:
    """How long a shard ran on its worker and how much of that its thread was on a core:
    the benchmark's evidence for where a distributed run's time went."""
    return pa.table({"wall": [time.perf_counter() - began], "cpu": [time.thread_time() - cpu]})


def add_timing(summary: Any, result: dict[str, pa.Table]) -> None:
    """Add a shard's worker time to a run summary (shard_seconds, shard_cpu_seconds)."""
    if "timing" in result:
        summary.shard_seconds += result["timing"]["wall"][0].as_py()
        summary.shard_cpu_seconds += result["timing"]["cpu"][0].as_py()


def extract_and_detect(pages: pa.Table, extract_all: bool = False, batch_size: int = 64) -> dict[str, pa.Table]:
    """Both CPU stages of a backfill shard in one trip to a worker: pages -> articles -> events."""
    began, cpu = time.perf_counter(), time.thread_time()
    extracted = extract_pages(pages, extract_all)
    found = detect_events(extracted["articles"].drop_columns(["key"]), batch_size)
    errors = pa.concat_tables([extracted["errors"], found.pop("errors")])
    return {**extracted, **found, "errors": errors, "timing": timing(began, cpu)}


# --- Prefect tasks (thin) ---------------------------------------------------------------
# retries: a shard whose worker died is resubmitted by Dask itself; these cover a task
# that raised (a worker out of memory restarted by its nanny, a lost connection).


@task(name="extract-shard", retries=2, retry_delay_seconds=1, cache_policy=NONE)
def extract_shard(pages: pa.Table, extract_all: bool = False) -> dict[str, pa.Table]:
    return extract_pages(pages, extract_all)


@task(name="nlp-shard", retries=2, retry_delay_seconds=1, cache_policy=NONE)
def nlp_shard(articles: pa.Table, batch_size: int = 64) -> dict[str, pa.Table]:
    return detect_events(articles, batch_size)


@task(name="page-shard", retries=2, retry_delay_seconds=1, cache_policy=NONE)
def page_shard(pages: pa.Table, extract_all: bool = False, batch_size: int = 64) -> dict[str, pa.Table]:
    return extract_and_detect(pages, extract_all, batch_size)


def utcnow() -> datetime:
    return datetime.now(UTC)
