"""`reewatch reprocess` and `reewatch backfill`: the archive-scale commands.

Both run their own Prefect flow (flows/reprocess.py, flows/backfill.py) with the CPU
stages on the engine chosen by --workers / --dask-address (flows/engine.py), and show
a rich progress bar fed by the flow's progress callback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from flows.cli import ConfigOpt, DbOpt, _fail, _settings, app, console

WorkersOpt = Annotated[int, typer.Option("--workers", help="Processes for the CPU stages on this machine (local Dask cluster when > 1).")]
DaskOpt = Annotated[str | None, typer.Option("--dask-address", help="Run the CPU stages on a running Dask cluster: tcp://HOST:PORT.")]
AlertsOpt = Annotated[bool, typer.Option("--alerts", help="Also alert on events dated before the first daily run.")]


def _engine(workers: int, dask_address: str | None) -> Any:
    from flows.engine import Engine, EngineError

    try:
        return Engine(workers=workers, dask_address=dask_address)
    except EngineError as exc:
        _fail(str(exc), 2)


class Bar:
    """A rich progress bar with named counters, fed by the flows' progress(name, n) calls."""

    def __init__(self, title: str, total: int | None, counters: tuple[str, ...], main: str,
                 rate_of: str | None = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.counts = dict.fromkeys(counters, 0)
        self.main = main
        self.rate_of = rate_of or main
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"), TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=console, transient=False,
        )  # fmt: skip
        self.task = self.progress.add_task(title, total=total, counts="", rate="")

    def __enter__(self) -> Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n
        task = self.progress.tasks[0]
        elapsed = task.elapsed or 0.0
        rate = f"{self.counts.get(self.rate_of, 0) / elapsed:,.1f} {self.rate_of}/s" if elapsed > 0 else ""
        text = " ".join(f"{k} {v:,}" for k, v in self.counts.items() if k != self.main or k == self.rate_of)
        self.progress.update(self.task, advance=n if name == self.main else 0, counts=text, rate=rate)


@app.command()
def reprocess(
    since: Annotated[str | None, typer.Option(help="Only articles published on or after this date (YYYY-MM-DD).")] = None,
    types: Annotated[list[str] | None, typer.Option("--types", help="Only re-derive these event types (repeat the option).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Also re-read articles already at the current model version.")] = False,
    alerts: AlertsOpt = False,
    workers: WorkersOpt = 1,
    dask_address: DaskOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Re-extract events from stored texts and skipped pages with the current model."""
    settings = _settings(config, db)
    engine = _engine(workers, dask_address)
    from flows import runtime

    runtime.configure()
    from flows.daily import get_extractor
    from flows.reprocess import parse_since
    from flows.reprocess import reprocess as reprocess_flow
    from warehouse import history
    from warehouse.db import DatabaseLocked, connect

    try:
        day = parse_since(since)
    except ValueError as exc:
        _fail(str(exc), 2)
    version = get_extractor().nlp_version
    try:
        con = connect(settings.db, wait=600)
    except DatabaseLocked as exc:
        _fail(str(exc))
    try:
        total = history.count_to_reprocess(con, version, since=day, force=force or bool(types))
    finally:
        con.close()
    with Bar(f"reprocess -> {version}", total, ("articles", "reread"), "articles") as bar:
        out = reprocess_flow(config=str(config) if config else None, db=str(settings.db), since=since,
                             types=types, force=force, alerts=alerts, workers=engine.workers,
                             dask_address=engine.dask_address, progress=bar)
    console.print(
        f"reprocess {out['run_id']}: {out['articles']:,} articles read by {out['nlp_version']}; "
        f"{len(out['new_events'])} new events, {out['updated_events']} updated, "
        f"{len(out['retired_events'])} retired; {out['pages_reread']} skipped pages re-read "
        f"({out['pages_extracted']} now extracted); {out['errors']} errors; "
        f"{out['alerts_queued']} alerts queued",
        soft_wrap=True, highlight=False,
    )
    if out["failed_shards"]:
        console.print(f"[yellow]{out['failed_shards']} shard(s) failed: see `errors` (stage nlp, kind shard_failed); "
                      "rerun to retry them[/yellow]")



@app.command()
def backfill(
    warc: Annotated[list[Path] | None, typer.Option("--warc", help="WARC file(s), gzip per record as CC-NEWS ships them (repeat the option).")] = None,
    jsonl: Annotated[list[Path] | None, typer.Option("--jsonl", help="Articles in the `reewatch extract` input format (repeat the option).")] = None,
    since: Annotated[str | None, typer.Option(help="Reach back to this date (YYYY-MM-DD) over configured sources that can.")] = None,
    alerts: AlertsOpt = False,
    workers: WorkersOpt = 1,
    dask_address: DaskOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Land history (WARC files, JSONL articles) through the daily stages; resumable."""
    settings = _settings(config, db)
    engine = _engine(workers, dask_address)
    if since is not None:
        from datetime import date

        try:
            date.fromisoformat(since)
        except ValueError:
            _fail(f"--since must be a date YYYY-MM-DD, not {since!r}", 2)
        kinds = sorted({f.kind for f in settings.feeds})
        if not any(k in ("sitemap", "gdelt") for k in kinds):
            _fail("--since needs a configured source that can reach back (kind sitemap or gdelt); the "
                  f"configured ones are {', '.join(kinds) or 'none'}, which list only their latest items: "
                  "use --warc or --jsonl for older news", 2)
    if not warc and not jsonl and since is None:
        _fail("give --warc FILE, --jsonl FILE or --since DATE", 2)
    files = [*(warc or []), *(jsonl or [])]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        _fail(f"no such file: {', '.join(missing)}", 2)
    from flows import runtime

    runtime.configure()
    from flows.backfill import backfill as backfill_flow
    from warehouse.db import DatabaseLocked

    total = sum(p.stat().st_size for p in files)
    with Bar("backfill", total, ("bytes", "records", "relevant", "articles", "events"), "bytes",
             rate_of="records") as bar:
        try:
            out = backfill_flow(config=str(config) if config else None, db=str(settings.db),
                                warc=[str(p) for p in warc or []], jsonl=[str(p) for p in jsonl or []],
                                since=since, alerts=alerts, workers=engine.workers, dask_address=engine.dask_address,
                                progress=bar)
        except DatabaseLocked as exc:
            _fail(str(exc))
    console.print(
        f"backfill {out['run_id']}: {out['records_read']:,} records read, {out['relevant']:,} relevant, "
        f"{out['articles']:,} articles, {len(out['new_events'])} new events "
        f"({out['updated_events']} updated), {out['errors']} errors, {out['alerts_queued']} alerts queued"
        + (f"; {out['files_already_done']} file(s) already done" if out["files_already_done"] else ""),
        soft_wrap=True, highlight=False,
    )
    for bad in out["bad_files"]:
        from rich.markup import escape

        console.print(f"[red]unreadable, skipped:[/red] {escape(bad)}", soft_wrap=True, highlight=False)
    if out["failed_shards"]:
        console.print(f"[yellow]{out['failed_shards']} shard(s) failed: see `errors`; rerun to retry them[/yellow]")
