"""Land history through the daily run's stages and warehouse: WARC files or JSONL articles.

WARC (`--warc`): records are streamed (extractors/warc.py), response records only; the
markup gate runs on the raw bytes in this process, so a page of general news costs a
regex and is never shipped, extracted or stored; relevant pages go in shards to
`page-shard` tasks (trafilatura, then spaCy) on the engine's workers, which return Arrow
tables; this flow is the only writer, landing each shard's articles and events in
shard-sized transactions, in shard order. The WARC date is kept as the article's
fetched_at (and as its published date when the page names none), the target URI as its URL.

JSONL (`--jsonl`): the `reewatch extract` input format; the articles are stored as
given (extraction "input") and go through `nlp-shard` tasks.

Resumable: `backfill_sources` keeps, per file, the byte offset after the last shard
stored; a rerun seeks there, first finishing articles a kill left unprocessed; articles
are keyed by URL and mentions by (article, version), so nothing lands twice.
Alerts: only for events dated on or after the first daily run, unless `alerts`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flows import runtime

runtime.configure()

from prefect import flow  # noqa: E402

from extractors import relevance  # noqa: E402
from extractors.evaluate import EvalInputError, article_from_line  # noqa: E402
from extractors.feeds import canonical_url  # noqa: E402
from extractors.types import Article, ErrorRecord, FeedEntry  # noqa: E402
from extractors.warc import WarcError, iter_responses, may_be_relevant, open_at, title_of  # noqa: E402
from flows import shards  # noqa: E402
from flows.config import Settings, load_settings  # noqa: E402
from flows.engine import Engine, ordered, warm_up  # noqa: E402
from flows.failpoints import failpoint  # noqa: E402
from flows.reprocess import alert_hook, store_nlp_result  # noqa: E402
from warehouse import history, store  # noqa: E402
from warehouse.db import connect  # noqa: E402

Progress = Callable[[str, int], None]
SHARD_RECORDS = 1000  # records read per shard at most (bounded memory for general news)
_HTMLISH = {None, "text/html", "application/xhtml+xml", "text/plain", "application/octet-stream"}


class BackfillError(ValueError):
    """An input the backfill cannot read at all (missing file): nothing is stored."""


@dataclass
class BackfillSummary:
    run_id: str
    files: int = 0
    files_already_done: int = 0
    records_read: int = 0
    relevant: int = 0
    articles: int = 0
    new_events: list[str] = field(default_factory=list)
    updated_events: int = 0
    errors: int = 0
    failed_shards: int = 0
    alerts_queued: int = 0
    write_seconds: float = 0.0  # time the single writer spent storing shards
    shard_seconds: float = 0.0  # CPU stages' time on their workers, summed over workers
    shard_cpu_seconds: float = 0.0  # of which their threads were on a core
    bad_files: list[str] = field(default_factory=list)
    status: str = "completed"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Shard:
    """A slice of one input file: the rows to process and where the file resumes after it."""

    rows: list[Any]
    records: int
    relevant: int
    end_offset: int
    last: bool = False
    landed: int = 0  # articles this shard added to the warehouse


class _Done:
    """A finished 'future' for a shard with nothing to process (all records irrelevant)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


# --- readers (streaming) ------------------------------------------------------------


def warc_shards(path: Path, offset: int, max_relevant: int, max_bytes: int) -> Iterator[Shard]:
    """Relevant responses of a WARC from `offset`, in shards; one record body held per page."""
    size = path.stat().st_size
    with open_at(path, offset) as fh:
        rows: list[dict[str, Any]] = []
        records = relevant = 0
        for rec_offset, resp in iter_responses(fh, max_bytes):
            if records >= SHARD_RECORDS or len(rows) >= max_relevant:
                yield Shard(rows, records, relevant, rec_offset)
                rows, records, relevant = [], 0, 0
            records += 1
            if resp is None or not 200 <= resp.status < 300 or resp.content_type not in _HTMLISH:
                continue
            url = canonical_url(resp.url, resp.url)
            if url is None or not may_be_relevant(resp.body):
                continue
            relevant += 1
            rows.append({
                "url": url, "body": resp.body, "content_type": resp.content_type,
                "charset": resp.charset, "title": title_of(resp.body), "summary": "",
                "published": resp.date, "feed_url": None, "fetched_at": resp.date, "key": url,
            })  # fmt: skip
        yield Shard(rows, records, relevant, size, last=True)


def jsonl_shards(path: Path, offset: int, per_shard: int, errors: list[ErrorRecord]) -> Iterator[Shard]:
    """Articles of a JSONL file from `offset`; a bad line becomes an error, the rest goes on."""
    with path.open("rb") as fh:
        fh.seek(offset)
        rows: list[Article] = []
        records = 0
        n = 0
        while raw := fh.readline():
            n += 1
            if raw.strip():
                records += 1
                try:
                    line = json.loads(raw)
                    if not isinstance(line, dict):
                        raise EvalInputError("a line must be a JSON object")
                    art = article_from_line(line)
                    if art.fetched_at is None:
                        art.fetched_at = art.published or datetime.now(UTC)
                    rows.append(art)
                except (json.JSONDecodeError, EvalInputError, UnicodeDecodeError) as exc:
                    errors.append(ErrorRecord(stage="article", url=f"{path}:+{offset}:{n}", kind="bad_input",
                                              message=f"{path.name}: line {n} after byte {offset}: {exc}",
                                              transient=False))
            if len(rows) >= per_shard:
                yield Shard(rows, records, len(rows), fh.tell())
                rows, records = [], 0
        yield Shard(rows, records, len(rows), fh.tell(), last=True)


# --- sources that can reach back (--since) ---------------------------------------------

REACH_BACK_KINDS = ("sitemap", "gdelt")
GDELT_WINDOW = timedelta(days=1)  # one DOC API request per day: it returns 250 items at most


def reach_back_entries(settings: Settings, since: datetime, now: datetime
                       ) -> tuple[list[FeedEntry], list[ErrorRecord]]:
    """Every item the reach-back sources list since `since`: a news sitemap (index) read
    with its `since` filter, GDELT queried one day at a time. One failing source is an
    error row; the others go on."""
    from extractors.http import Fetcher, FetchError, host_port_of, run_async
    from extractors.sources import gdelt, sitemap
    from extractors.sources.common import JSON_ACCEPT

    feeds = [f for f in settings.feeds if f.kind in REACH_BACK_KINDS]
    entries: dict[str, FeedEntry] = {}
    errors: list[ErrorRecord] = []

    async def run() -> None:
        async with Fetcher(settings.fetch) as fetcher:
            for feed in feeds:
                try:
                    if feed.kind == "sitemap":
                        parsed = [await sitemap.collect(fetcher, feed, now, since=since)]
                    else:
                        host = host_port_of(feed.url)
                        gap = feed.min_interval or gdelt.GDELT_INTERVAL
                        fetcher.min_interval[host] = max(fetcher.min_interval.get(host, 0.0), gap)
                        parsed, start = [], since
                        while start < now:
                            end = min(start + GDELT_WINDOW, now)
                            answer = await fetcher.get(gdelt.request_url(feed, start, end), accept=JSON_ACCEPT)
                            parsed.append(gdelt.parse(answer.body, feed, now, feed.max_items))
                            start = end
                except FetchError as exc:
                    errors.append(exc.to_record("feed", feed.url, url=feed.url))
                    continue
                for p in parsed:
                    for e in p.entries:
                        entries.setdefault(e.url, e)

    run_async(run())
    return list(entries.values()), errors


def _backfill_since(con: Any, settings: Settings, engine: Engine, version: str, run_id: str, on_new: Any,
                    summary: BackfillSummary, since: datetime, progress: Progress | None) -> None:
    """Fetch what the reach-back sources list since `since`, like the daily run fetches."""
    from extractors.articles import fetch_articles

    entries, errors = reach_back_entries(settings, since, datetime.now(UTC))
    store.record_errors(con, run_id, errors)
    summary.errors += len(errors)
    known = store.known_urls(con, [e.url for e in entries])
    todo = [e for e in entries if e.url not in known]
    for i in range(0, len(todo), settings.article_batch):
        chunk = todo[i:i + settings.article_batch]
        batch = fetch_articles(chunk, settings.fetch)
        summary.articles += len(store.store_articles(con, batch.articles, run_id))
        store.record_errors(con, run_id, batch.errors)
        summary.errors += len(batch.errors)
        summary.records_read += len(chunk)
        summary.relevant += sum(a.extraction == "page" for a in batch.articles)
        reads = summary.articles
        _finish_unread(con, settings, engine, version, run_id, on_new, summary)
        summary.articles = reads
        if progress:
            progress("records", len(chunk))


# --- the run --------------------------------------------------------------------------


def _finish_unread(con: Any, settings: Settings, engine: Engine, version: str, run_id: str,
                   on_new: Any, summary: BackfillSummary) -> None:
    """Articles a killed backfill stored but did not get to the event stage."""

    def pending() -> Iterator[list[Article]]:
        after = history.START
        while True:
            batch, after = history.articles_to_reprocess(con, version, after=after, only_unread=True,
                                                         limit=settings.article_batch)
            if not batch:
                return
            yield batch

    def submit(arts: list[Article]) -> Any:
        return shards.nlp_shard.submit(shards.articles_to_arrow(arts), settings.nlp.batch_size)

    for arts, result, error in ordered(submit, pending(), engine.window()):
        store_nlp_result(con, arts, result, error, version, run_id, on_new, None, summary)


def _land_warc_shard(con: Any, shard: Shard, result: Any, error: BaseException | None, version: str,
                     run_id: str, on_new: Any, summary: BackfillSummary) -> int:
    """Store one page shard's articles then its events; returns the articles stored."""
    if error is not None:
        store.record_errors(con, run_id, [ErrorRecord(
            stage="article", url=r["url"], kind="shard_failed", transient=True,
            message=f"backfill shard failed on every attempt: {type(error).__name__}: {error}")
            for r in shard.rows])
        summary.failed_shards += 1
        summary.errors += len(shard.rows)
        return 0
    if result is None:  # nothing relevant in the shard
        return 0
    arts = shards.articles_from_arrow(result["articles"].drop_columns(["key"]))
    extraction_errors = shards.errors_from_arrow(result["errors"])
    store.record_errors(con, run_id, extraction_errors)
    summary.errors += len(extraction_errors)
    inserted = store.store_articles(con, arts, run_id)
    failpoint("backfill.after_articles")
    # new ones, and those a killed run stored but did not read: in the shard's own order,
    # so a resumed backfill merges events exactly as an uninterrupted one
    unread = history.unread_ids(con, [a.id for a in arts])
    fresh = [a for a in arts if a.id in unread]
    summary.articles += len(inserted)
    result = {**result, "errors": shards.errors_to_arrow([])}  # already recorded above
    reads = summary.articles
    store_nlp_result(con, fresh, result, None, version, run_id, on_new, None, summary)
    summary.articles = reads  # store_nlp_result counts articles read; a backfill counts new ones
    return len(inserted)


def _backfill_file(con: Any, kind: str, path: Path, settings: Settings, engine: Engine, version: str,
                   run_id: str, on_new: Any, summary: BackfillSummary, progress: Progress | None) -> None:
    key = history.source_key(kind, path, relevance.GATE_VERSION)
    prog = history.load_progress(con, key, kind, str(path.resolve()))
    summary.files += 1
    if prog.finished:
        summary.files_already_done += 1
        return
    if progress and prog.offset_done:
        progress("bytes", prog.offset_done)
    line_errors: list[ErrorRecord] = []
    if kind == "warc":
        stream = warc_shards(path, prog.offset_done, settings.article_batch, settings.fetch.max_decompressed_bytes)

        def submit(shard: Shard) -> Any:
            if not shard.rows:
                return _Done(None)
            return shards.page_shard.submit(shards.pages_to_arrow(shard.rows), settings.fetch.extract_all,
                                            settings.nlp.batch_size)
    else:
        stream = jsonl_shards(path, prog.offset_done, settings.article_batch, line_errors)

        def submit(shard: Shard) -> Any:  # the writer stores the given articles, workers find events
            shard.landed = len(store.store_articles(con, shard.rows, run_id))
            unread = history.unread_ids(con, [a.id for a in shard.rows])
            shard.rows = [a for a in shard.rows if a.id in unread]
            if not shard.rows:
                return _Done(None)
            return shards.nlp_shard.submit(shards.articles_to_arrow(shard.rows), settings.nlp.batch_size)

    start = prog.offset_done
    for shard, result, error in ordered(submit, stream, engine.window()):
        events_before = len(summary.new_events)
        writing = time.perf_counter()
        if kind == "warc":
            landed = _land_warc_shard(con, shard, result, error, version, run_id, on_new, summary)
        else:
            landed, reads = shard.landed, summary.articles
            if result is not None or error is not None:
                store_nlp_result(con, shard.rows, result, error, version, run_id, on_new, None, summary)
            summary.articles = reads + landed
        if line_errors:
            store.record_errors(con, run_id, line_errors)
            summary.errors += len(line_errors)
            line_errors.clear()
        prog.records_done += shard.records
        prog.relevant += shard.relevant
        prog.articles += landed
        prog.offset_done = shard.end_offset
        prog.finished = shard.last
        history.save_progress(con, prog)
        summary.write_seconds += time.perf_counter() - writing
        failpoint("backfill.after_shard")
        summary.records_read += shard.records
        summary.relevant += shard.relevant
        if progress:
            progress("records", shard.records)
            progress("relevant", shard.relevant)
            progress("articles", landed)
            progress("events", len(summary.new_events) - events_before)
            progress("bytes", shard.end_offset - start)
        start = shard.end_offset


def run_backfill(settings: Settings, engine: Engine, *, warc: list[Path] | None = None,
                 jsonl: list[Path] | None = None, since: datetime | None = None, alerts: bool = False, run_id: str | None = None,
                 flow_run_id: str | None = None, progress: Progress | None = None) -> BackfillSummary:
    """The backfill as plain calls (the flows below add Prefect around it)."""
    from flows.daily import get_extractor

    inputs = [("warc", Path(p)) for p in warc or []] + [("jsonl", Path(p)) for p in jsonl or []]
    missing = [str(p) for _, p in inputs if not p.is_file()]
    if missing:
        raise BackfillError(f"no such file: {', '.join(missing)}")
    run_id = run_id or uuid.uuid4().hex[:12]
    version = get_extractor().nlp_version
    summary = BackfillSummary(run_id=run_id)
    con = connect(settings.db, wait=600)
    try:
        store.start_run(con, run_id, flow_run_id=flow_run_id, nlp_version=version)
        history.set_run_kind(con, run_id, "backfill")
        queued = [0]
        on_new = alert_hook(settings, run_id, history.first_daily_run(con), alerts, queued)
        warm_up(engine)
        if since is not None:
            if not any(f.kind in REACH_BACK_KINDS for f in settings.feeds):
                raise BackfillError(
                    f"--since needs a configured source that can reach back (kind {' or '.join(REACH_BACK_KINDS)}); "
                    "RSS/Atom feeds list only their latest items: use --warc or --jsonl for older news")
            _backfill_since(con, settings, engine, version, run_id, on_new, summary, since, progress)
        for kind, path in inputs:
            try:
                _backfill_file(con, kind, path, settings, engine, version, run_id, on_new, summary, progress)
            except WarcError as exc:  # one unreadable file: recorded, the others go on
                store.record_errors(con, run_id, [ErrorRecord(stage="article", url=str(path), kind="bad_warc",
                                                              message=str(exc), transient=False)])
                summary.errors += 1
                summary.bad_files.append(f"{path}: {exc}")
        # whatever is still unread (a shard whose NLP failed, a killed run's last shard)
        reads = summary.articles
        _finish_unread(con, settings, engine, version, run_id, on_new, summary)
        summary.articles = reads
        summary.alerts_queued = queued[0]
        store.finish_run(con, run_id, "completed", new_articles=summary.articles,
                         new_events=len(summary.new_events))
        return summary
    except BaseException:
        summary.status = "failed"
        store.abandon_run(con, run_id)
        raise
    finally:
        con.close()


@flow(name="reewatch-backfill-shards", log_prints=False)
def backfill_shards(settings: Settings, engine: Engine, warc: list[str], jsonl: list[str], since: str | None,
                    alerts: bool, flow_run_id: str | None, progress: Any = None) -> dict[str, Any]:
    """The subflow whose task runner is the chosen engine."""
    day = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    return run_backfill(settings, engine, warc=[Path(p) for p in warc], jsonl=[Path(p) for p in jsonl],
                        since=day, alerts=alerts, flow_run_id=flow_run_id, progress=progress).as_dict()


@flow(name="reewatch-backfill", log_prints=False)
def backfill(config: str | None = None, db: str | None = None, warc: list[str] | None = None,
             jsonl: list[str] | None = None, since: str | None = None, alerts: bool = False, workers: int = 1,
             dask_address: str | None = None, progress: Any = None) -> dict[str, Any]:
    """Land WARC files and JSONL articles like the daily run would have (module docstring)."""
    from prefect.context import get_run_context

    runtime.install_handler_filters()
    settings = load_settings(Path(config) if config else None, Path(db) if db else None)
    engine = Engine(workers=workers, dask_address=dask_address)
    try:
        flow_run_id = str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:  # outside a flow run context
        flow_run_id = None
    inner = backfill_shards.with_options(task_runner=engine.task_runner())
    return inner(settings, engine, list(warc or []), list(jsonl or []), since, alerts, flow_run_id, progress)
