"""Re-read the archive with the current model: its own Prefect flow, never the daily run.

Two passes, each over shards in a fixed order (so a run over millions of articles holds
one window of shards, and the result does not depend on the worker count): skipped pages
by article_id, articles in the order they were first read (`read_seq`), because events
merge greedily and that order rebuilds the events the first reading found:

1. pages the markup gate skipped under another gate vocabulary are re-read from their
   stored raw HTML (`extract-shard` tasks); those that now pass get their text and
   become unprocessed;
2. articles not yet read by the current `nlp_version` (all of them with force) go
   through `nlp-shard` tasks; the flow stores each shard's events in one transaction,
   then retires the events the new model no longer finds (`retired_by`; kept, queryable).

Resumable: without force, the selection is "not at the current version", so a killed
run is continued by the next one; mention ids carry the version, so nothing lands twice.
Alerts: an event keeps one alert per rule for ever (alert_id = sha1(event, rule)); new
events found here are queued only when dated after the first daily run, or with alerts.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flows import runtime

runtime.configure()

from prefect import flow  # noqa: E402

from extractors import relevance  # noqa: E402
from extractors.types import Article, ErrorRecord  # noqa: E402
from flows import alerts as outbox  # noqa: E402
from flows import shards  # noqa: E402
from flows.config import Settings, load_settings  # noqa: E402
from flows.engine import Engine, ordered, warm_up  # noqa: E402
from warehouse import history, store  # noqa: E402
from warehouse.db import connect, transaction  # noqa: E402

Progress = Callable[[str, int], None]  # (counter name, amount to add)


@dataclass
class ReprocessSummary:
    run_id: str
    nlp_version: str = ""
    gate_version: str = relevance.GATE_VERSION
    pages_reread: int = 0
    pages_extracted: int = 0
    articles: int = 0
    new_events: list[str] = field(default_factory=list)
    updated_events: int = 0
    retired_events: list[str] = field(default_factory=list)
    errors: int = 0
    failed_shards: int = 0
    alerts_queued: int = 0
    cpu_stage_seconds: float = 0.0  # wall time of the shard passes (the part workers speed up)
    write_seconds: float = 0.0  # of which the single writer spent storing results
    shard_seconds: float = 0.0  # NLP shards' time on their workers, summed over workers
    shard_cpu_seconds: float = 0.0  # of which their threads were on a core (less: shared cores)
    status: str = "completed"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_since(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"--since must be a date YYYY-MM-DD, not {value!r}") from exc


def alert_hook(settings: Settings, run_id: str, cutoff: datetime | None, all_events: bool,
               counter: list[int]) -> Callable[[Any, list[dict[str, Any]]], None]:
    """store_events' on_new for history runs: queue alerts for current news only."""

    def on_new(con: Any, new: list[dict[str, Any]]) -> None:
        chosen = new if all_events else history.alertable(new, cutoff)
        if chosen:
            counter[0] += outbox.enqueue_alerts(con, chosen, settings.alerts.rules, run_id,
                                                datetime.now(UTC))

    return on_new


def store_nlp_result(con: Any, arts: list[Article], result: dict[str, Any] | None,
                     error: BaseException | None, nlp_version: str, run_id: str,
                     on_new: Any, types: list[str] | None, summary: Any) -> list[str]:
    """Land one NLP shard (or record why it failed); returns the ids marked as re-read."""
    if error is not None or result is None:
        store.record_errors(con, run_id, [
            ErrorRecord(stage="nlp", url=a.url, kind="shard_failed", transient=True,
                        message=f"NLP shard failed on every attempt: {type(error).__name__}: {error}")
            for a in arts
        ])  # fmt: skip
        summary.failed_shards += 1
        summary.errors += len(arts)
        return []
    shards.add_timing(summary, result)
    got = result["nlp_version"]["v"][0].as_py()
    if got != nlp_version:
        raise RuntimeError(f"a worker runs model {got}, the flow {nlp_version}: update the workers")
    errors = shards.errors_from_arrow(result["errors"])
    store.record_errors(con, run_id, errors)
    summary.errors += len(errors)
    failed = set(result["failed"]["article_id"].to_pylist())
    events = shards.events_from_arrow(result["events"], arts)
    ok = [(a, evs) for a, evs in zip(arts, events, strict=True) if a.id not in failed]
    if types:
        ok = [(a, [e for e in evs if e.type in types]) for a, evs in ok]
    res = store.store_events(con, ok, nlp_version, run_id, datetime.now(UTC), on_new=on_new,
                             mark_version=not types)
    summary.new_events.extend(res.new_event_ids)
    summary.updated_events += len(res.updated_event_ids)
    summary.articles += len(ok)
    return [a.id for a, _ in ok]


def _reread_pages(con: Any, settings: Settings, engine: Engine, run_id: str,
                  summary: ReprocessSummary, since: date | None, progress: Progress | None) -> None:
    gate = relevance.GATE_VERSION

    def pages() -> Iterator[list[history.SkippedPage]]:
        after = ""
        while batch := history.skipped_to_reread(con, gate, after=after, limit=settings.article_batch,
                                                 since=since):
            after = batch[-1].article_id
            yield batch

    def submit(batch: list[history.SkippedPage]) -> Any:
        table = shards.pages_to_arrow([
            {"url": p.url, "body": p.html, "content_type": "text/html", "title": p.title,
             "summary": p.summary, "published": p.published, "feed_url": p.feed_url,
             "key": p.article_id}
            for p in batch
        ])  # fmt: skip
        return shards.extract_shard.submit(table, settings.fetch.extract_all)

    for batch, result, error in ordered(submit, pages(), engine.window()):
        if error is not None:
            store.record_errors(con, run_id, [ErrorRecord(
                stage="article", url=p.url, kind="shard_failed", transient=True,
                message=f"re-reading a skipped page failed: {error}") for p in batch])
            summary.failed_shards += 1
            continue
        arts = result["articles"]
        keys = arts["key"].to_pylist()
        done = list(zip(keys, shards.articles_from_arrow(arts.drop_columns(["key"])), strict=True))
        summary.pages_extracted += history.save_reread(con, done, gate)
        store.record_errors(con, run_id, shards.errors_from_arrow(result["errors"]))
        summary.pages_reread += len(batch)
        if progress:
            progress("reread", len(batch))


def run_reprocess(settings: Settings, engine: Engine, *, since: date | None = None,
                  types: list[str] | None = None, force: bool = False, alerts: bool = False,
                  run_id: str | None = None, flow_run_id: str | None = None,
                  progress: Progress | None = None) -> ReprocessSummary:
    """The reprocess as plain calls (the flows below add Prefect around it)."""
    from flows.daily import get_extractor

    run_id = run_id or uuid.uuid4().hex[:12]
    version = get_extractor().nlp_version
    summary = ReprocessSummary(run_id=run_id, nlp_version=version)
    con = connect(settings.db, wait=600)
    try:
        store.start_run(con, run_id, flow_run_id=flow_run_id, nlp_version=version)
        history.set_run_kind(con, run_id, "reprocess")
        cutoff = history.first_daily_run(con)
        queued = [0]
        on_new = alert_hook(settings, run_id, cutoff, alerts, queued)
        warm_up(engine)
        began = time.perf_counter()
        _reread_pages(con, settings, engine, run_id, summary, since, progress)

        def article_shards() -> Iterator[list[Article]]:
            after = history.START
            while True:
                batch, after = history.articles_to_reprocess(con, version, after=after, since=since,
                                                             limit=settings.article_batch,
                                                             force=force or bool(types))
                if not batch:
                    return
                yield batch

        def submit(arts: list[Article]) -> Any:
            return shards.nlp_shard.submit(shards.articles_to_arrow(arts), settings.nlp.batch_size)

        done_all: list[str] = []
        for arts, result, error in ordered(submit, article_shards(), engine.window()):
            writing = time.perf_counter()
            done = store_nlp_result(con, arts, result, error, version, run_id, on_new, types, summary)
            with transaction(con):
                summary.retired_events += history.retire_events(con, version, done, types=types)
            summary.write_seconds += time.perf_counter() - writing
            if types:
                done_all.extend(done)
            if progress:
                progress("articles", len(arts))
        summary.cpu_stage_seconds = time.perf_counter() - began
        with transaction(con):  # covers shards of a killed earlier run, stored but not swept
            summary.retired_events += history.retire_events(
                con, version, done_all if types else None, types=types)
        summary.alerts_queued = queued[0]
        if alerts and queued[0]:
            outbox.deliver_alerts(con, settings.alerts, datetime.now(UTC))
        store.finish_run(con, run_id, "completed", new_events=len(summary.new_events))
        return summary
    except BaseException:
        summary.status = "failed"
        store.abandon_run(con, run_id)
        raise
    finally:
        con.close()


@flow(name="reewatch-reprocess-shards", log_prints=False)
def reprocess_shards(settings: Settings, engine: Engine, since: date | None, types: list[str] | None,
                     force: bool, alerts: bool, flow_run_id: str | None, progress: Any = None) -> dict[str, Any]:
    """The subflow whose task runner is the chosen engine (in-process, local Dask, cluster)."""
    return run_reprocess(settings, engine, since=since, types=types, force=force, alerts=alerts,
                         flow_run_id=flow_run_id, progress=progress).as_dict()


@flow(name="reewatch-reprocess", log_prints=False)
def reprocess(config: str | None = None, db: str | None = None, since: str | None = None,
              types: list[str] | None = None, force: bool = False, alerts: bool = False,
              workers: int = 1, dask_address: str | None = None, progress: Any = None) -> dict[str, Any]:
    """Bring the archive up to the current model and markup gate (see the module docstring)."""
    from prefect.context import get_run_context

    runtime.install_handler_filters()
    settings = load_settings(Path(config) if config else None, Path(db) if db else None)
    engine = Engine(workers=workers, dask_address=dask_address)
    try:
        flow_run_id = str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:  # outside a flow run context
        flow_run_id = None
    inner = reprocess_shards.with_options(task_runner=engine.task_runner())
    return inner(settings, engine, parse_since(since), types or None, force, alerts, flow_run_id, progress)
