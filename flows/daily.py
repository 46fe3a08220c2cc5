"""The daily monitoring run: poll feeds, fetch pages, detect events, store, alert.

The Prefect flow `daily` is a thin shell: each task wraps one plain function from
`extractors/`, `warehouse/` or `flows/alerts.py` and works on a whole batch, so
Prefect's per-task cost stays a few milliseconds per run, not per article.

Resumability: articles are committed before NLP, with `nlp_version` NULL; the
NLP step always starts from "stored but not yet processed" articles, so a run
killed anywhere is completed by the next one, and every write is an idempotent
upsert inside one transaction per batch.
"""

from __future__ import annotations

import contextvars
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from flows import runtime

runtime.configure()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NONE  # noqa: E402
from prefect.context import get_run_context  # noqa: E402

from extractors.articles import ArticleBatch, feed_article, fetch_articles  # noqa: E402
from extractors.feeds import next_state, poll_feeds  # noqa: E402
from extractors.http import unexpected_record  # noqa: E402
from extractors.types import Article, ErrorRecord, Event, FeedEntry, FeedPoll, FeedState  # noqa: E402
from flows import alerts as outbox  # noqa: E402
from flows.config import Settings, load_settings  # noqa: E402
from flows.failpoints import failpoint  # noqa: E402
from warehouse import history, store  # noqa: E402
from warehouse.db import connect  # noqa: E402


def utcnow() -> datetime:
    """Aware UTC; the warehouse converts to its naive-UTC storage itself."""
    return datetime.now(UTC)


@lru_cache(maxsize=1)
def get_extractor() -> Any:
    """Load spaCy and the domain rules once per process (about 1-2 s)."""
    from extractors.events import EventExtractor
    from flows.allocator import keep_batches_on_heap

    keep_batches_on_heap()  # on a Dask worker: a fifth less CPU per article (flows/allocator.py)

    return EventExtractor()


def current_nlp_version() -> str:
    """The nlp_version new articles will be read with, without loading spaCy when the
    extractor is not loaded yet (a run with nothing new never loads it)."""
    if get_extractor.cache_info().currsize:
        return get_extractor().nlp_version
    import models
    from extractors import type_model as tm

    base = models.installed_model_version()
    if base is None:  # no model package to read: loading says why
        return get_extractor().nlp_version
    return models.stage_version(base, (tm.MODEL_DIR / tm.DECISION_FILE).exists())


@dataclass
class RunSummary:
    """What a run did, for the terminal, the `runs` table and the Prefect artifact."""

    run_id: str
    db: str
    feeds_polled: int = 0
    feeds_not_modified: int = 0
    feeds_skipped: int = 0
    feeds_failed: list[tuple[str, str]] = field(default_factory=list)  # (feed url, reason)
    new_articles: int = 0
    fallback_articles: int = 0
    skipped_articles: int = 0  # pages naming no critical mineral: stored, not extracted
    articles_retry_later: int = 0
    article_errors: int = 0
    nlp_errors: int = 0  # articles the event stage failed on (recorded in `errors`, retried next run)
    processed_articles: int = 0
    new_events: list[str] = field(default_factory=list)
    new_event_rows: list[dict[str, Any]] = field(default_factory=list)  # for the artifacts, not the CLI
    updated_events: int = 0
    alerts_sent: int = 0
    alerts_pending: int = 0
    alerts_failed: int = 0
    archive_behind: int = 0  # stored articles read by an older nlp_version: `reewatch reprocess`
    entries_dropped: dict[str, int] = field(default_factory=dict)  # reason -> entries left out
    source_warnings: list[str] = field(default_factory=list)  # headline-only sources, gaps
    status: str = "completed"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- tasks (thin)

@task(name="poll-feeds", retries=1, retry_delay_seconds=5, cache_policy=NONE)
def poll_feeds_task(settings: Settings, states: dict, now: datetime) -> list[FeedPoll]:
    return poll_feeds(settings.feeds, states, settings.fetch, now=now,
                      first_run_days=settings.first_run_days)


@task(name="fetch-articles", retries=1, retry_delay_seconds=5, cache_policy=NONE)
def fetch_articles_task(entries: list[FeedEntry], settings: Settings) -> ArticleBatch:
    return fetch_articles(entries, settings.fetch)


def _fetch_batch(entries: list[FeedEntry], settings: Settings) -> ArticleBatch:
    """fetch_articles_task, with a failure of the whole batch (not one page: those are
    caught per page) turned into a retry later of each of its pages."""
    try:
        return fetch_articles_task(entries, settings)
    except Exception as exc:
        batch = ArticleBatch()
        for entry in entries:
            batch.errors.append(unexpected_record("article", entry.url, entry.feed_url, exc))
            batch.failed.append(entry)
            batch.retry.append(entry)
        return batch


def detect_events(articles: list[Article]) -> tuple[list[list[Event]], list[ErrorRecord]]:
    """Events per article, and the articles the event stage failed on (stage "nlp").

    A failure of the whole batch (the parse itself raising, not one article's rules: the
    extractor catches those) is narrowed down by running each article alone, so one bad
    text never costs the others their events."""
    extractor = get_extractor()
    try:
        return extractor.extract(articles), list(extractor.last_errors)
    except Exception:  # noqa: BLE001 - find the article(s) that break the batch
        pass
    events: list[list[Event]] = []
    errors: list[ErrorRecord] = []
    for art in articles:
        try:
            events.append(extractor.extract([art])[0])
            errors += extractor.last_errors
        except Exception as exc:  # noqa: BLE001 - recorded, the article is retried next run
            events.append([])
            errors.append(unexpected_record("nlp", art.url, art.feed_url, exc))
    return events, errors


@task(name="detect-events", cache_policy=NONE)
def detect_events_task(articles: list[Article]) -> tuple[list[list[Event]], list[ErrorRecord]]:
    return detect_events(articles)


@task(name="deliver-alerts", retries=1, retry_delay_seconds=10, cache_policy=NONE)
def deliver_alerts_task(con: Any, settings: Settings, now: datetime) -> Any:
    return outbox.deliver_alerts(con, settings.alerts, now)


# ---------------------------------------------------------------- steps (plain)

GAP_MIN_ENTRIES = 5  # a poll this long with nothing seen before may have missed items


def _misconfigured(settings: Settings) -> list[FeedPoll]:
    """Sources whose kind-specific keys are wrong: reported as failed, never polled."""
    from extractors.sources import problems

    out = []
    for feed in settings.feeds:
        found = problems(feed)
        if found:
            out.append(FeedPoll(feed.url, "failed", error=ErrorRecord(
                stage="feed", url=feed.url, feed_url=feed.url, kind="bad_source_config",
                message=f"[[feeds]] {feed.name!r} (kind {feed.kind}): " + "; ".join(found),
                transient=False)))
    return out


def _first_run_filter(poll: FeedPoll, state: FeedState | None, now: datetime, days: float) -> None:
    """A source's first poll keeps only items of the last `days` (older ones are counted)."""
    if poll.status != "ok" or (state is not None and state.last_success is not None):
        return
    cutoff = now - timedelta(days=days)
    kept = [e for e in poll.entries if e.published is None or e.published >= cutoff]
    if len(kept) < len(poll.entries):
        poll.dropped["older_than_first_run_days"] = len(poll.entries) - len(kept)
        poll.entries = kept


def _drop_errors(poll: FeedPoll) -> list[ErrorRecord]:
    """Entries a source delivered but the run left out, one error row per reason."""
    return [
        ErrorRecord(stage="feed", url=poll.feed_url, feed_url=poll.feed_url, kind=f"dropped_{reason}",
                    message=f"{n} item(s) left out: {reason.replace('_', ' ')}", transient=False)
        for reason, n in sorted(poll.dropped.items()) if n and reason not in ("duplicate", "not_an_item")
    ]


def _gap_warning(con: Any, poll: FeedPoll, state: FeedState | None, name: str) -> str | None:
    """A full poll sharing no item with earlier polls: items between the polls may be lost."""
    if poll.status != "ok" or state is None or state.last_success is None:
        return None
    if len(poll.entries) < GAP_MIN_ENTRIES:
        return None
    if any(e.published is not None and e.published <= state.last_success for e in poll.entries):
        return None  # the feed reaches back to the last poll: nothing in between is lost
    if store.seen_from_source(con, poll.feed_url, [e.url for e in poll.entries]):
        return None
    return (f"{name}: none of its {len(poll.entries)} items was seen in the last poll; "
            "items published between the two polls may be missing (poll it more often)")

def _entries_to_fetch(con: Any, polls: list[FeedPoll], now: datetime, max_attempts: int) -> list[FeedEntry]:
    """New links from this poll plus earlier transient failures that are due again."""
    fresh: dict[str, FeedEntry] = {}
    for poll in polls:
        for entry in poll.entries:
            fresh.setdefault(entry.url, entry)
    known = store.known_urls(con, list(fresh))
    todo = [e for url, e in fresh.items() if url not in known]
    seen = {e.url for e in todo}
    for entry in store.due_pending(con, now, max_attempts):
        if entry.url not in seen and entry.url not in known:
            todo.append(entry)
            seen.add(entry.url)
    return todo


def _process_unprocessed(con: Any, settings: Settings, run_id: str, summary: RunSummary, now: datetime) -> None:
    """Run the event stage over every stored article that has not seen this NLP version."""
    if not store.unprocessed_articles(con, "", 1):  # nothing new: spaCy is never loaded
        return
    extractor = get_extractor()
    extractor.batch_size = max(1, settings.nlp.batch_size)
    failed: set[str] = set()  # articles the event stage raised on: left unprocessed, retried next run
    while True:
        batch = store.unprocessed_articles(con, extractor.nlp_version, settings.article_batch, exclude=failed)
        if not batch:
            return
        events, errors = _detect(batch, settings)
        bad_urls = {e.url for e in errors}
        failed |= {a.id for a in batch if a.url in bad_urls}
        store.record_errors(con, run_id, errors)
        summary.nlp_errors += len(errors)
        done = [(a, evs) for a, evs in zip(batch, events, strict=True) if a.id not in failed]
        failpoint("nlp.before_store")
        result = store.store_events(
            con, done, extractor.nlp_version, run_id, now,
            on_new=lambda c, new: outbox.enqueue_alerts(c, new, settings.alerts.rules, run_id, now),
        )
        summary.processed_articles += len(done)
        summary.new_events.extend(result.new_event_ids)
        summary.updated_events += len(result.updated_event_ids)


class EngineSlot:
    """Where the event stage runs: None = this process (detect-events task); `daily` sets a
    distributed Engine for --workers N / --dask-address (flows/engine.py). A class, not a
    ContextVar: Dask pickles the running flow's function with the globals it uses."""

    current: Any = None


def _detect(batch: list[Article], settings: Settings) -> tuple[list[list[Event]], list[ErrorRecord]]:
    """The event stage of one batch, here or split into nlp-shard tasks on the engine's workers."""
    engine = EngineSlot.current
    if engine is None or not engine.distributed:
        return detect_events_task(batch)
    from flows import shards

    n = max(1, engine.workers if not engine.dask_address else 4)
    size = max(1, -(-len(batch) // n))
    parts = [batch[i:i + size] for i in range(0, len(batch), size)]
    futures = [shards.nlp_shard.submit(shards.articles_to_arrow(p), settings.nlp.batch_size) for p in parts]
    events: list[list[Event]] = []
    errors: list[ErrorRecord] = []
    for part, fut in zip(parts, futures, strict=True):
        try:
            out = fut.result()
        except Exception as exc:  # noqa: BLE001 - the shard is left unprocessed, retried next run
            events += [[] for _ in part]
            errors += [ErrorRecord(stage="nlp", url=a.url, kind="shard_failed", transient=True,
                                   message=f"NLP shard failed: {type(exc).__name__}: {exc}") for a in part]
            continue
        events += shards.events_from_arrow(out["events"], part)
        errors += shards.errors_from_arrow(out["errors"])
    return events, errors


def _store_batch(con: Any, batch: ArticleBatch, settings: Settings, run_id: str,
                 summary: RunSummary, now: datetime) -> None:
    """Land one fetched batch: new articles, pages to retry later, and every error."""
    inserted = set(store.store_articles(con, batch.articles, run_id))
    store.drop_pending(con, [a.url for a in batch.articles])
    store.save_pending(con, batch.retry, batch.errors, now, backoff=timedelta(minutes=settings.page_retry_minutes))
    store.record_errors(con, run_id, batch.errors)
    summary.new_articles += len(inserted)
    summary.fallback_articles += sum(a.extraction == "feed" for a in batch.articles if a.id in inserted)
    summary.skipped_articles += sum(a.extraction == "skipped" for a in batch.articles if a.id in inserted)
    summary.articles_retry_later += len(batch.retry)
    summary.article_errors += len(batch.errors)


def _give_up_on_pages(con: Any, settings: Settings, run_id: str, summary: RunSummary) -> None:
    """Pages that kept failing transiently: keep what the feed said about them instead."""
    exhausted = store.exhausted_pending(con, settings.page_max_attempts)
    if not exhausted:
        return
    articles = [
        feed_article(entry, f"gave up after {settings.page_max_attempts} attempts: {error or 'unknown error'}")
        for entry, error in exhausted
    ]
    inserted = store.store_articles(con, articles, run_id)
    store.drop_pending(con, [a.url for a in articles])
    summary.new_articles += len(inserted)
    summary.fallback_articles += len(inserted)
    _process_unprocessed(con, settings, run_id, summary, utcnow())


def run_pipeline(settings: Settings, run_id: str | None = None, flow_run_id: str | None = None) -> RunSummary:
    """The whole daily job as plain calls; the flow below only adds Prefect around it."""
    run_id = run_id or uuid.uuid4().hex[:12]
    summary = RunSummary(run_id=run_id, db=str(settings.db))
    outbox.validate_rules(settings.alerts.rules)  # a bad rule fails the run before any work
    con = connect(settings.db, wait=600)
    try:
        now = utcnow()
        version = current_nlp_version()
        store.start_run(con, run_id, flow_run_id=flow_run_id, nlp_version=version)
        # A new model does not re-read the archive here (that is `reewatch reprocess`,
        # its own flow): the daily run reads new articles only and says how far behind.
        summary.archive_behind = history.articles_behind(con, version)
        store.upsert_feeds(con, settings.feeds)
        states = store.load_feed_states(con)

        broken = _misconfigured(settings)
        bad_urls = {p.feed_url for p in broken}
        runnable = replace(settings, feeds=[f for f in settings.feeds if f.url not in bad_urls])
        polls = (poll_feeds_task(runnable, states, now) if runnable.feeds else []) + broken
        names = {f.url: f.name for f in settings.feeds}
        feed_errors: list[ErrorRecord] = []
        new_states = []
        for poll in polls:
            previous = states.get(poll.feed_url)
            _first_run_filter(poll, previous, now, settings.first_run_days)
            for reason, n in poll.dropped.items():
                summary.entries_dropped[reason] = summary.entries_dropped.get(reason, 0) + n
            feed_errors.extend(_drop_errors(poll))
            summary.source_warnings.extend(poll.warnings)
            gap = _gap_warning(con, poll, previous, names.get(poll.feed_url, poll.feed_url))
            if gap:
                summary.source_warnings.append(gap)
                feed_errors.append(ErrorRecord(stage="feed", url=poll.feed_url, feed_url=poll.feed_url,
                                               kind="possible_gap", message=gap, transient=False))
            state = previous or FeedState(feed_url=poll.feed_url)
            new_states.append(next_state(state, poll, now))
            feed_errors.extend(poll.item_errors)
            if poll.status == "failed":
                reason = poll.error.message if poll.error else "unknown error"
                summary.feeds_failed.append((poll.feed_url, reason))
                if poll.error:
                    feed_errors.append(poll.error)
            elif poll.status == "not_modified":
                summary.feeds_not_modified += 1
            elif poll.status == "skipped":
                summary.feeds_skipped += 1
        summary.feeds_polled = sum(p.status != "skipped" for p in polls)
        store.record_errors(con, run_id, feed_errors)
        store.record_sources(con, [e for p in polls for e in p.entries], run_id, now)
        failpoint("fetch.after_poll")

        # Finish whatever a killed run left behind before taking on new work.
        _process_unprocessed(con, settings, run_id, summary, now)

        todo = _entries_to_fetch(con, polls, now, settings.page_max_attempts)
        chunks = [todo[i:i + settings.article_batch] for i in range(0, len(todo), settings.article_batch)]
        # Download and extract chunk k+1 (threads + extraction processes) while
        # spaCy works on chunk k here: the two CPU-heavy stages use both cores.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="reewatch-fetch") as fetcher:

            def fetch(chunk: list[FeedEntry]) -> Future[ArticleBatch]:
                # copy_context carries the Prefect run context into the thread, so the
                # task run is recorded under this flow run (what Prefect's own runner does).
                return fetcher.submit(contextvars.copy_context().run, _fetch_batch, chunk, settings)

            ahead = fetch(chunks[0]) if chunks else None
            for k in range(len(chunks)):
                batch = ahead.result() if ahead is not None else ArticleBatch()
                ahead = fetch(chunks[k + 1]) if k + 1 < len(chunks) else None
                _store_batch(con, batch, settings, run_id, summary, now)
                failpoint("fetch.after_batch")
                _process_unprocessed(con, settings, run_id, summary, now)

        store.save_feed_states(con, new_states)  # only now: a kill before this re-polls in full
        _give_up_on_pages(con, settings, run_id, summary)

        # New events were queued for alerting in the transaction that stored them.
        failpoint("alerts.before_deliver")
        report = deliver_alerts_task(con, settings, utcnow())
        summary.alerts_sent = report.sent
        summary.alerts_pending = report.pending
        summary.alerts_failed = report.failed
        summary.new_event_rows = store.events_by_ids(con, summary.new_events)
        store.finish_run(
            con, run_id, "completed",
            feeds_polled=summary.feeds_polled, feeds_failed=len(summary.feeds_failed),
            new_articles=summary.new_articles, new_events=len(summary.new_events),
            alerts_sent=summary.alerts_sent,
        )
        return summary
    except BaseException:
        summary.status = "failed"
        store.abandon_run(con, run_id)
        raise
    finally:
        con.close()


def summary_markdown(summary: RunSummary, events: list[dict]) -> str:
    """The run report shown as a Prefect artifact."""
    lines = [
        f"# reewatch run `{summary.run_id}`",
        "",
        "| feeds polled | feeds failed | new articles | new events | alerts sent |",
        "|---:|---:|---:|---:|---:|",
        f"| {summary.feeds_polled} | {len(summary.feeds_failed)} | {summary.new_articles} | "
        f"{len(summary.new_events)} | {summary.alerts_sent} |",
        "",
    ]
    if events:
        lines += ["## New events", ""]
        lines += [f"- **{e.get('date') or '?'}** {e.get('summary') or e.get('type')}" for e in events]
        lines.append("")
    if summary.feeds_failed:
        lines += ["## Failed feeds", ""]
        lines += [f"- {url}: {reason}" for url, reason in summary.feeds_failed]
    dropped = {k: v for k, v in summary.entries_dropped.items() if v and k not in ("duplicate", "not_an_item")}
    if dropped or summary.source_warnings:
        lines += ["", "## Sources", ""]
        lines += [f"- {n} item(s) left out: {reason.replace('_', ' ')}" for reason, n in sorted(dropped.items())]
        lines += [f"- {w}" for w in summary.source_warnings]
    return "\n".join(lines)


@flow(name="reewatch-daily-shards", log_prints=False)
def daily_on_engine(settings: Settings, engine: Any, flow_run_id: str | None) -> RunSummary:
    """The daily pipeline with its event stage on the engine's task runner (a subflow)."""
    EngineSlot.current = engine
    try:
        return run_pipeline(settings, flow_run_id=flow_run_id)
    finally:
        EngineSlot.current = None


@flow(name="reewatch-daily", log_prints=False)
def daily(config: str | None = None, db: str | None = None, workers: int = 1,
          dask_address: str | None = None) -> dict[str, Any]:
    """Poll every configured feed once and land new articles, events and alerts.

    workers > 1 or dask_address: the event stage runs as nlp-shard tasks on a local Dask
    cluster or the given one (flows/engine.py); page extraction stays in this machine's
    extraction processes, beside the downloads.
    """
    from flows.engine import Engine

    runtime.install_handler_filters()
    settings = load_settings(Path(config) if config else None, Path(db) if db else None)
    engine = Engine(workers=workers, dask_address=dask_address)
    flow_run_id = None
    try:
        flow_run_id = str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:  # outside a flow run context (e.g. .fn() in tests)
        pass
    if engine.distributed:
        summary = daily_on_engine.with_options(task_runner=engine.task_runner())(settings, engine, flow_run_id)
    else:
        summary = run_pipeline(settings, flow_run_id=flow_run_id)
    _publish_artifacts(summary)
    try:
        get_run_logger().info(
            "run %s: %d new articles, %d new events, %d alerts sent",
            summary.run_id, summary.new_articles, len(summary.new_events), summary.alerts_sent,
        )
        if summary.archive_behind:
            get_run_logger().warning(
                "%d stored articles were read by an older nlp_version; run `reewatch reprocess`",
                summary.archive_behind,
            )
    except Exception:
        pass
    out = summary.as_dict()
    out.pop("new_event_rows")  # timestamps and lists: keep the flow's return value small and plain
    return out


def _publish_artifacts(summary: RunSummary) -> None:
    """Markdown summary plus a table of the run's new events (read before the run let go of the file)."""
    events = summary.new_event_rows
    create_markdown_artifact(summary_markdown(summary, events), key="reewatch-run-summary",
                             description="feeds, articles, events and alerts of this run")
    rows = [
        {k: (", ".join(v) if isinstance(v, list) else v) for k, v in e.items()
         if k in ("event_id", "date", "type", "summary", "actors", "commodities", "amount", "currency", "source_count")}
        for e in events
    ]
    if rows:
        create_table_artifact(rows, key="reewatch-new-events", description="events first seen in this run")
