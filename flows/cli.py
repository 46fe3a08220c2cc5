"""The `reewatch` command line.

Commands that only read the warehouse import neither Prefect nor spaCy, so they
answer at once; `run`, `demo`, `serve`, `extract` and `eval` load them lazily.
A whole query command takes about 0.2 s, most of it starting Python, typer, rich
and DuckDB; what keeps it there: option values read without pydantic
(flows/cli_params.py), DuckDB's engine without its Python layer (warehouse/db.py),
no interpreter teardown after a read-only command (`_App`), and terminal listings
cut at 100 rows (flows/cli_query.py).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from flows.cli_params import PlainValuesGroup


class _App(typer.Typer):
    """The CLI; run as the program, it ends a read-only command at once.

    Tearing the interpreter down (module dicts, DuckDB's exit hooks, the last garbage
    collection) takes 30-40 ms after a query command has printed everything: a fifth
    of its run. Such a command has nothing left to clean up (its connection is closed,
    any file it wrote is closed), so once it has marked itself with `read_only_run()`
    the process flushes stdout and stderr and leaves with os._exit. Only a call that
    reads sys.argv outside an interactive session does this; tests call the click
    command, not this, and are unaffected.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        global _read_only
        _read_only = False
        as_program = not args and not kwargs and not sys.flags.interactive and not hasattr(sys, "ps1")
        try:
            return super().__call__(*args, **kwargs)
        except SystemExit as exc:
            if as_program and _read_only and (exc.code is None or isinstance(exc.code, int)):
                _exit_now(exc.code or 0)
            raise


_read_only = False  # set by read_only_run(), read by _App.__call__


def read_only_run() -> None:
    """Say that this command only reads and prints: the process may skip teardown."""
    global _read_only
    _read_only = True


def _exit_now(code: int) -> None:
    """os._exit once stdout and stderr are flushed; if they cannot be, the normal exit goes on."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a broken or closed pipe: the normal exit reports it
        return
    os._exit(code)


app = _App(
    cls=PlainValuesGroup,
    help="Watch the news for rare-earth and critical-minerals policy events.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML config file (default ./reewatch.toml if present).")]
DbOpt = Annotated[Path | None, typer.Option("--db", help="DuckDB file (default $REEWATCH_DB or ./data/reewatch.duckdb).")]


def _settings(config: Path | None, db: Path | None) -> Any:
    from flows.config import ConfigError, load_settings

    try:
        return load_settings(config, db)
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from exc


def _check_rules(settings: Any) -> None:
    """Alert rules are configuration too: checked before any work."""
    from flows.alerts import AlertRuleError, validate_rules

    try:
        validate_rules(settings.alerts.rules)
    except AlertRuleError as exc:
        err.print(f"[red]configuration error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from exc


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def print_summary(summary: dict[str, Any], names: dict[str, str] | None = None) -> None:
    """The table every run ends with; failed feeds are named one by one."""
    from rich.table import Table

    names = names or {}
    table = Table(title=f"reewatch run {summary['run_id']}", show_header=True)
    for col in ("feeds polled", "feeds failed", "new articles", "new events", "alerts sent"):
        table.add_column(col, justify="right")
    table.add_row(
        str(summary["feeds_polled"]), str(len(summary["feeds_failed"])), str(summary["new_articles"]),
        str(len(summary["new_events"])), str(summary["alerts_sent"]),
    )
    console.print(table)
    details = []
    if summary.get("feeds_not_modified"):
        details.append(f"{summary['feeds_not_modified']} feed(s) unchanged since last poll (HTTP 304)")
    if summary.get("feeds_skipped"):
        details.append(f"{summary['feeds_skipped']} failing feed(s) backed off this run")
    if summary.get("fallback_articles"):
        details.append(f"{summary['fallback_articles']} article(s) kept from the feed summary (page unusable)")
    if summary.get("skipped_articles"):
        details.append(f"{summary['skipped_articles']} page(s) name no critical mineral: stored, not extracted")
    if summary.get("articles_retry_later"):
        details.append(f"{summary['articles_retry_later']} page(s) failed transiently; retried next run")
    if summary.get("nlp_errors"):
        details.append(f"{summary['nlp_errors']} article(s) failed in the event stage (see `errors`); retried next run")
    if summary.get("archive_behind"):
        details.append(f"{summary['archive_behind']} stored article(s) were read by an older model: "
                       "run `reewatch reprocess` to bring the archive up to date")
    if summary.get("alerts_pending"):
        details.append(f"{summary['alerts_pending']} alert(s) pending delivery")
    if summary.get("alerts_failed"):
        details.append(f"{summary['alerts_failed']} alert(s) failed for good (see `reewatch alerts`)")
    dropped = {k: v for k, v in (summary.get("entries_dropped") or {}).items()
               if k not in ("duplicate", "not_an_item") and v}
    if dropped:
        parts = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(dropped.items()))
        details.append(f"feed items left out: {parts} (see `errors`)")
    for line in details:
        console.print(f"  - {line}")
    for warning in summary.get("source_warnings") or []:
        console.print(f"  [yellow]![/yellow] {warning}", soft_wrap=True, highlight=False)
    if summary["feeds_failed"]:
        console.print("[yellow]Unreachable or broken feeds:[/yellow]")
        for url, reason in summary["feeds_failed"]:
            name = names.get(url)
            label = f"{name} <{url}>" if name and name != url else url
            # names come from the config, reasons quote servers: printed as text, not markup
            console.print(f"  [yellow]✗[/yellow] {escape(label)}", soft_wrap=True, highlight=False)
            console.print(f"      {escape(reason)}", soft_wrap=True, highlight=False)


PREFECT_FIX = ("bring the loopback interface up (`ip link set lo up`) or set PREFECT_API_URL to a "
               "running Prefect server (`prefect server start`)")


def _check_prefect_api() -> None:
    """Fail in one line, at once, where Prefect's temporary API server cannot start.

    Without PREFECT_API_URL each run starts a temporary Prefect server on 127.0.0.1;
    with loopback down (an empty network namespace) Prefect would wait 90 s and end
    in a traceback.
    """
    import socket

    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return
    try:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            with socket.create_connection(server.getsockname(), timeout=2):
                pass
    except OSError as exc:
        _fail(f"Prefect's temporary API server cannot start: loopback 127.0.0.1 is unusable "
              f"({exc.strerror or exc}); {PREFECT_FIX}")


def _check_database(db: Path) -> None:
    """Open (and create or migrate) the warehouse before the flow starts: a bad file or a
    full disk is one line now, not a failed flow run with its traceback."""
    from warehouse.db import DatabaseLocked, WarehouseError, connect

    try:
        connect(db).close()
    except DatabaseLocked:
        pass  # the run itself waits for the other run
    except (WarehouseError, OSError) as exc:
        _fail(str(exc))


def _run_flow(config: Path | None, db: Path, workers: int = 1, dask_address: str | None = None) -> dict[str, Any]:
    from flows import runtime

    runtime.configure()
    _check_prefect_api()
    _check_database(db)
    import duckdb

    from flows.daily import daily
    from warehouse.db import WarehouseError

    try:
        return daily(config=str(config) if config else None, db=str(db), workers=workers,
                     dask_address=dask_address)
    except WarehouseError as exc:
        _fail(str(exc))
    except RuntimeError as exc:
        if "Prefect API" not in str(exc):
            raise
        _fail(f"{exc} Loopback works, so it was too slow to start (a busy machine?): retry, raise "
              "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or set PREFECT_API_URL to a running "
              "Prefect server (`prefect server start`)")
    except (OSError, duckdb.Error) as exc:  # e.g. no space left on device: the real cause, in one line
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        _fail(f"the run stopped: {detail}")
    raise AssertionError("unreachable")  # _fail always raises


@app.command()
def run(
    config: ConfigOpt = None,
    db: DbOpt = None,
    workers: Annotated[int, typer.Option("--workers", help="Processes for the event stage (local Dask cluster when > 1).")] = 1,
    dask_address: Annotated[str | None, typer.Option("--dask-address", help="Run the event stage on a running Dask cluster: tcp://HOST:PORT.")] = None,
) -> None:
    """Run the daily job once now: poll feeds, fetch, detect events, store, alert."""
    from flows.engine import Engine, EngineError

    settings = _settings(config, db)
    _check_rules(settings)
    try:
        Engine(workers=workers, dask_address=dask_address)
    except EngineError as exc:
        _fail(str(exc), 2)
    with console.status("running the daily flow (Prefect)..."):
        summary = _run_flow(config, settings.db, workers, dask_address)
    print_summary(summary, {f.url: f.name for f in settings.feeds})


@app.command()
def demo(
    db: Annotated[Path, typer.Option("--db", help="DuckDB file for the demo.")] = Path("data/demo.duckdb"),
    port: Annotated[int, typer.Option(help="Loopback port of the demo news server (fixed so reruns see the same URLs).")] = 8765,
    config: ConfigOpt = None,
) -> None:
    """Serve a small sample news world on loopback and run the daily flow against it."""
    from flows.demo import DemoServer, write_demo_config

    try:
        server = DemoServer(port=port)
    except OSError as exc:
        _fail(f"cannot start the demo news server on 127.0.0.1:{port} ({exc}); try --port")
        return
    rules = _settings(config, None).alerts if config else None
    with server:
        cfg = write_demo_config(server, db)
        if rules is not None:  # the demo brings its own feeds and database; alert rules are yours
            with cfg.open("a", encoding="utf-8") as fh:
                fh.write(_alerts_toml(rules))
        console.print(f"demo news server on {server.base_url} ({len(server.feed_specs())} feeds); database {db}")
        with console.status("running the daily flow against the demo feeds (Prefect)..."):
            summary = _run_flow(cfg, db)
        names = {f.url: f.name for f in server.feed_specs()}
    print_summary(summary, names)
    from warehouse import queries
    from warehouse.db import connect

    con = connect(db, read_only=True)
    try:
        events = queries.list_events(con, new=True)
        pending = [a for a in _list_alerts(con) if a["status"] in ("pending", "sent") and a.get("run_id") == summary["run_id"]]
    finally:
        con.close()
    console.rule("Timeline of new events")
    if not events:
        console.print("no new events in this run")
    for e in sorted(events, key=lambda e: (e.get("date") or "", e.get("type") or "")):
        console.print(f"[bold]{e.get('date') or '?':<10}[/bold] [cyan]{e['type']:<22}[/cyan] {escape(e.get('summary') or '')}",
                      soft_wrap=True, highlight=False)
    console.rule("Alerts")
    urls = os.environ.get("REEWATCH_ALERT_URLS", "").split()
    if not pending:
        console.print("no new alerts")
    for a in pending:
        verb = "sent" if a["status"] == "sent" else ("would send" if not urls else a["status"])
        console.print(f"{verb}: [{a['rule']}] {a.get('summary') or a['event_id']}", soft_wrap=True,
                      highlight=False, markup=False)
    if pending and not urls:
        console.print("(set REEWATCH_ALERT_URLS to apprise URLs to deliver them)")
    console.print(f"\nExplore: reewatch events --db {db} | reewatch timeline --db {db} | "
                  f"reewatch report --db {db} --html report.html", soft_wrap=True, highlight=False)


def _alerts_toml(alerts: Any) -> str:
    """The [alerts] part of a config, re-serialised (used to carry rules into the demo config)."""
    out = [f"\n[alerts]\nmax_attempts = {alerts.max_attempts}\nbackoff_minutes = {float(alerts.backoff_minutes)}\n"]
    for r in alerts.rules:
        out.append("\n[[alerts.rules]]\n")
        for key in ("name", "types", "countries", "commodities", "companies", "mode"):
            out.append(f"{key} = {json.dumps(getattr(r, key))}\n")
        if r.min_amount is not None:
            out.append(f"min_amount = {float(r.min_amount)}\n")
    return "".join(out)


def _list_alerts(con: Any, status: str | None = None) -> list[dict[str, Any]]:
    from flows.alerts import list_alerts

    return list_alerts(con, status=status)


@app.command()
def serve(config: ConfigOpt = None, db: DbOpt = None,
          cron: Annotated[str, typer.Option(help="Cron schedule (UTC).")] = "0 6 * * *") -> None:
    """Serve the daily flow on its schedule (a long-running Prefect process)."""
    settings = _settings(config, db)
    from flows import runtime

    runtime.configure(quiet=False)
    from flows.daily import daily

    console.print(f"serving reewatch-daily on cron '{cron}' (UTC), database {settings.db}; Ctrl-C to stop")
    daily.serve(
        name="reewatch-daily",
        cron=cron,
        parameters={"config": str(config) if config else None, "db": str(settings.db)},
        pause_on_shutdown=False,
    )


RulesOnlyOpt = Annotated[bool, typer.Option("--rules-only", help="Decide event types by the rules alone, without the trained model (for comparison).")]


def _extractor(rules_only: bool = False) -> Any:
    """The event stage without Prefect or the flow (they take a second to import)."""
    import gc

    from extractors.events import EventExtractor, ExtractionError

    try:
        extractor = EventExtractor(type_model=None) if rules_only else EventExtractor()
    except ExtractionError as exc:
        _fail(str(exc))
    # the modules, the spaCy model and the stage's tables live until the command ends: out of
    # the collector's generations, its full collections stop walking them between batches
    gc.freeze()
    return extractor


@app.command()
def extract(
    articles: Annotated[Path, typer.Argument(help="JSONL of articles: id, title, text, published, optional url.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
    config: ConfigOpt = None,
    rules_only: RulesOnlyOpt = False,
) -> None:
    """Detect events in a JSONL file of articles (the evaluation contract)."""
    from extractors.evaluate import EvalInputError, extract_file, read_jsonl

    if not articles.exists():
        _fail(f"{articles} does not exist")
    try:
        read_jsonl(articles)  # bad input is one line, before spaCy loads
    except EvalInputError as exc:
        _fail(str(exc))
    extractor = _extractor(rules_only)  # not flows.daily: no Prefect start-up here
    try:
        extract_file(articles, output, extractor)
    except EvalInputError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write {output or 'stdout'}: {exc.strerror or exc}")


@app.command("eval")
def evaluate(
    gold: Annotated[list[Path] | None, typer.Argument(help="Gold JSONL file(s) in the FORMAT.md format (with --cv: default dev.jsonl + train/*.jsonl of ../shared/eval).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    config: ConfigOpt = None,
    cv: Annotated[bool, typer.Option("--cv", help="Held-out-outlet cross-validation: each fold scored by a model trained on the other folds.")] = False,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Folds of --cv.")] = 5,
    seed: Annotated[int | None, typer.Option("--seed", help="Training seed (default: models/event_types.cfg).")] = None,
    rules_only: RulesOnlyOpt = False,
) -> None:
    """Score the extractor against gold file(s) and list misses and false alarms."""
    from extractors.evaluate import format_report, predict_lines, score

    if cv and not gold:
        from extractors.event_data import default_eval_dir, gold_files

        gold = gold_files(default_eval_dir())
    if not gold:
        _fail("give a gold file (or --cv with ../shared/eval present)")
    for g in gold:
        if not g.exists():
            _fail(f"{g} does not exist")
    from extractors.evaluate import EvalInputError
    from extractors.event_data import read_gold

    try:
        lines = read_gold(gold)
    except EvalInputError as exc:
        _fail(str(exc))
    if cv:
        from extractors.crossval import cross_validate, format_cv

        log = None if as_json else (lambda r: err.print(f"fold {r['fold']}: F1 {r['f1']:.3f}", highlight=False))
        result = cross_validate(lines, _extractor(True), k=folds, seed=seed, rules_only=rules_only, log=log)
        if as_json:
            sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
        else:
            sys.stdout.write(format_cv(result) + "\n")
        return
    result = score(lines, predict_lines(lines, _extractor(rules_only)))
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
    else:
        console.print(format_report(result), markup=False, highlight=False)


@app.command()
def train(
    eval_dir: Annotated[Path | None, typer.Option("--gold-dir", help="Directory with dev.jsonl and train/*.jsonl (default ../shared/eval).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Training seed (default: models/event_types.cfg).")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Model directory (default models/event_types).")] = None,
) -> None:
    """Train the event-type classifier from the gold sets and write it into models/."""
    from extractors import event_data, training, type_model

    files = event_data.gold_files(eval_dir or event_data.default_eval_dir())
    if not files:
        _fail(f"no dev.jsonl or train/*.jsonl under {eval_dir or event_data.default_eval_dir()}")
    lines = event_data.read_gold(files)
    extractor = _extractor(True)
    prep = training.prepare(lines, extractor)
    model = training.fit_decision(prep, list(range(len(lines))), extractor, seed)
    out = output or type_model.MODEL_DIR
    model.to_disk(out)
    info = model.info
    console.print(
        f"trained on {len(lines)} articles ({', '.join(f.name for f in files)}): "
        f"{info['positives']} positive / {info['sentences'] - info['positives']} negative sentences; "
        f"thresholds new {model.threshold}, keep {model.keep_threshold} "
        f"(inner held-out-outlet event F1 {info['inner_event_f1']}); written to {out}",
        highlight=False,
    )


alerts_app = typer.Typer(cls=PlainValuesGroup, help="The alert outbox: pending, sent and failed alerts.", invoke_without_command=True)
app.add_typer(alerts_app, name="alerts")


@alerts_app.callback()
def alerts_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="pending | sent | failed | sent_unconfirmed")] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """List alerts with their status and last error."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from warehouse.db import connect

    read_only_run()
    settings = _settings(config, db)
    con = connect(settings.db, read_only=True)
    try:
        rows = _list_alerts(con, status)
    finally:
        con.close()
    table = Table(title="alerts")
    for col in ("status", "rule", "event", "attempts", "created", "sent", "last error"):
        table.add_column(col)
    for a in rows:
        table.add_row(a["status"], escape(a["rule"]), escape(a.get("summary") or a["event_id"]), str(a["attempts"]),
                      str(a.get("created_at") or ""), str(a.get("sent_at") or ""), escape(a.get("last_error") or ""))
    console.print(table)


@alerts_app.command("test")
def alerts_test(config: ConfigOpt = None) -> None:
    """Send a test message to every channel in REEWATCH_ALERT_URLS and report each result."""
    from flows.alerts import send_test

    settings = _settings(config, None)
    if not settings.alerts.urls():
        _fail("REEWATCH_ALERT_URLS is empty: set it to one or more apprise URLs separated by spaces")
    ok_all = True
    for masked, ok, error in send_test(settings.alerts):
        ok_all &= ok
        console.print(f"{'[green]ok[/green]' if ok else '[red]failed[/red]'}  {masked}  {error or ''}")
    if not ok_all:
        raise typer.Exit(1)


import flows.cli_history  # noqa: E402, F401  (registers backfill, reprocess)
import flows.cli_query  # noqa: E402, F401  (registers events, timeline, sources, feeds, report, export)


@app.command("bench", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(ctx: typer.Context) -> None:
    """Run the performance benchmark (needs ../shared); options: `reewatch bench --help`."""
    from benchmarks import main as bench_main

    raise typer.Exit(bench_main(list(ctx.args)))


def main() -> None:  # pragma: no cover - console script shim
    app()


if __name__ == "__main__":  # pragma: no cover
    # `python -m flows.cli`: flows.cli_query registered its commands on the app of the
    # module `flows.cli`, a different module object from this __main__.
    from flows.cli import app as registered

    registered()
