"""The analyst's commands: events, timeline, sources, feeds, report, export.

They only read the warehouse, so they import duckdb, typer and rich but never
Prefect or spaCy (a test checks sys.modules): answers come at once, even while
nothing else of the pipeline is installed or warm. DuckDB is imported when a
command connects, not with this module, so `reewatch --help` does not pay for it.

Importing this module registers the commands on `flows.cli.app` (flows/cli.py
imports it once, at its end).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from extractors.types import EVENT_TYPES
from flows import render
from flows.cli import ConfigOpt, DbOpt, app, read_only_run
from flows.cli_params import PlainValuesCommand
from flows.config import ConfigError, load_settings
from warehouse import queries

if TYPE_CHECKING:
    import duckdb

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


SinceOpt = Annotated[str | None, typer.Option(
    "--since", help="Events dated on or after: YYYY-MM-DD, YYYY-MM, YYYY, today, yesterday or Nd (N days ago).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Events dated on or before (same forms as --since).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _query_command(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a query command; its options are read without pydantic (see flows.cli_params)."""
    return app.command(name, cls=PlainValuesCommand, rich_help_panel="Query the warehouse")


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def parse_day(text: str | None, *, today: date | None = None) -> date | None:
    """A day from the forms analysts type; the start of a month or year for coarse forms."""
    if text is None:
        return None
    s = text.strip().lower()
    today = today or datetime.now(UTC).date()
    if s == "today":
        return today
    if s == "yesterday":
        return today - timedelta(days=1)
    if m := re.fullmatch(r"(\d+)\s*d", s):
        return today - timedelta(days=int(m.group(1)))
    try:
        if re.fullmatch(r"\d{4}", s):
            return date(int(s), 1, 1)
        if re.fullmatch(r"\d{4}-\d{2}", s):
            return date(int(s[:4]), int(s[5:]), 1)
        return date.fromisoformat(s)
    except ValueError:
        pass
    raise typer.BadParameter(f"{text!r} is not a date: use YYYY-MM-DD, YYYY-MM, YYYY, today, yesterday or Nd")


def parse_until(text: str | None, *, today: date | None = None) -> date | None:
    """Like parse_day, but a coarse form means its last day ('2025-10' -> 2025-10-31)."""
    day = parse_day(text, today=today)
    if day is None or text is None:
        return day
    s = text.strip()
    if re.fullmatch(r"\d{4}", s):
        return date(day.year, 12, 31)
    if re.fullmatch(r"\d{4}-\d{2}", s):
        following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return following - timedelta(days=1)
    return day


def country_codes(values: list[str] | None) -> list[str] | None:
    """ISO codes from codes or names ('China', 'cn', 'U.S.', 'EU')."""
    if not values:
        return None
    from extractors.geo import country_code

    codes = []
    for value in values:
        text = value.strip()
        code = country_code(text) or (text.upper() if re.fullmatch(r"[A-Za-z]{2}", text) else None)
        if code is None:
            raise typer.BadParameter(f"unknown country {value!r}: use an ISO code (CN, US, JP) or a name (China)")
        codes.append(code)
    return codes


def event_types(values: list[str] | None) -> list[str] | None:
    """Validated event types; '-' and spaces accepted for '_' ('export-control')."""
    if not values:
        return None
    out = []
    for value in values:
        kind = re.sub(r"[\s-]+", "_", value.strip().lower())
        if kind not in EVENT_TYPES:
            raise typer.BadParameter(f"unknown type {value!r}; known: {', '.join(EVENT_TYPES)}")
        out.append(kind)
    return out


@contextmanager
def reader(config: Path | None, db: Path | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the configured warehouse; errors become one clear line."""
    from warehouse.db import WarehouseError, connect, unreadable_error
    from warehouse.db import duckdb as engine

    read_only_run()
    try:
        settings = load_settings(config, db)
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from exc
    try:
        con = connect(settings.db, read_only=True, sql_only=True)
    except WarehouseError as exc:
        _fail(str(exc))
        raise  # unreachable
    try:
        yield con
    except engine.IOException as exc:  # a truncated file shows only when a page is read
        _fail(str(unreadable_error(str(settings.db), exc)))
    finally:
        con.close()


def _emit(text: str) -> None:
    sys.stdout.write(text)


def resolve_event_id(con: duckdb.DuckDBPyConnection, prefix: str) -> str:
    """The one event id starting with `prefix`; typed errors name the candidates."""
    rows = con.execute(
        "SELECT event_id FROM events WHERE starts_with(event_id, ?) ORDER BY event_id LIMIT 11",
        [prefix.strip()],
    ).fetchall()
    if not rows:
        _fail(f"no event id starts with {prefix!r}; `reewatch events` lists them")
    if len(rows) > 1:
        shown = ", ".join(r[0] for r in rows[:10]) + (", ..." if len(rows) > 10 else "")
        _fail(f"{prefix!r} matches several events ({shown}); give more of the id")
    return str(rows[0][0])


def event_by_id(con: duckdb.DuckDBPyConnection, event_id: str) -> dict[str, Any]:
    """One row of event_timeline (queries has no by-id lookup)."""
    cur = con.execute("SELECT * FROM event_timeline WHERE event_id = ?", [event_id])
    cols = [d[0] for d in cur.description or []]
    row = cur.fetchone()
    if row is None:
        _fail(f"event {event_id} not found")
    return dict(zip(cols, row, strict=True))


TABLE_LIMIT = 100  # a terminal table of thousands of rows helps nobody and takes seconds to draw


@_query_command("events")
def events_cmd(
    new: Annotated[bool, typer.Option("--new", help="Only events first seen in the latest run.")] = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    types: Annotated[list[str] | None, typer.Option("--type", "-t", help=f"Event type (repeatable): {', '.join(EVENT_TYPES)}.")] = None,
    countries: Annotated[list[str] | None, typer.Option("--country", help="Country actor (repeatable): ISO code or name, e.g. CN or China.")] = None,
    commodities: Annotated[list[str] | None, typer.Option("--commodity", help="Commodity (repeatable), e.g. 'rare earths', gallium.")] = None,
    companies: Annotated[list[str] | None, typer.Option("--company", help="Organisation actor (repeatable), e.g. Lynas.")] = None,
    min_amount: Annotated[float | None, typer.Option("--min-amount", help="Only events with an amount at least this (in its own currency).")] = None,
    fmt: FormatOpt = Format.table,
    limit: Annotated[int | None, typer.Option("--limit", min=0, help=f"At most N events (default: {TABLE_LIMIT} in a table, all in json/csv; 0 for all).")] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """List events with their one-line summary, date, actors, commodities, amount and sources."""
    filters = dict(
        new=new, since=parse_day(since), until=parse_until(until), types=event_types(types),
        countries=country_codes(countries), commodities=commodities, companies=companies,
        min_amount=min_amount,
    )
    if limit is None and fmt is Format.table:
        limit = TABLE_LIMIT
    with reader(config, db) as con:
        rows, total = queries.event_page(con, limit, **filters)
    if fmt is Format.json:
        _emit(render.to_json([render.event_record(r) for r in rows]))
    elif fmt is Format.csv:
        _emit(render.to_csv([render.event_record(r) for r in rows], render.RECORD_FIELDS))
    else:
        console.print(render.events_table(rows, "new events" if new else "events"))
        if total > len(rows):
            _more_hint(len(rows), total, "use a filter or --format csv")


def _more_hint(shown: int, total: int, other: str) -> None:
    """The line under a cut-off terminal listing: how many rows it left out, how to get them."""
    console.print(f"[dim]showing the first {shown:,} of {total:,} events ({total - shown:,} not shown);"
                  f" --limit 0 shows all, or {other}[/dim]")


@_query_command("timeline")
def timeline_cmd(
    since: SinceOpt = None,
    until: UntilOpt = None,
    countries: Annotated[list[str] | None, typer.Option("--country", help="Only events with this country (repeatable; code or name).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="At most N events, the earliest first; 0 for all.")] = TABLE_LIMIT,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """What happened when: events by month and day, one line each."""
    filters = dict(since=parse_day(since), until=parse_until(until), countries=country_codes(countries))
    with reader(config, db) as con:
        rows, total = queries.timeline_page(con, limit, **filters)
    if not rows:
        console.print("no events in this range")
        return
    console.print(render.timeline_text(rows), soft_wrap=True)
    if total > len(rows):
        console.print()
        _more_hint(len(rows), total, "narrow --since/--until/--country")


@_query_command("sources")
def sources_cmd(
    event_id: Annotated[str, typer.Argument(help="Event id, or a unique prefix of it; or `check` to probe every configured source.")],
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Every article that reported an event, with the sentence that carries it.

    `reewatch sources check` instead probes every configured source once (reachable,
    robots.txt, items, full text, newest item, what to fix) and stores nothing.
    """
    if event_id == "check":
        _sources_check(config)
        return
    with reader(config, db) as con:
        full_id = resolve_event_id(con, event_id)
        event = event_by_id(con, full_id)
        rows = queries.event_sources(con, full_id)
    if fmt is not Format.table:
        records = [render.plain_record(r) for r in rows]
        _emit(render.to_json(records) if fmt is Format.json else render.to_csv(records))
        return
    console.print(f"[bold]{escape(render.headline(event))}[/bold]")
    console.print(f"{render.when(event)} · {event['type']} · {full_id} · {len(rows)} mention(s)"
                  f" · evidence: {render.EVIDENCE_WORDS.get(str(event.get('evidence') or 'page'), 'page')}")
    for i, s in enumerate(rows, 1):
        published = render.iso(s.get("published")) or "unknown date"
        console.print(f"\n{i}. [bold]{escape(s.get('outlet') or s.get('site') or 'unknown outlet')}[/bold]"
                      f" - {escape(s.get('title') or '(no headline)')}")
        console.print(f"   {escape(s.get('url') or '')}", soft_wrap=True)
        basis = render.EVIDENCE_WORDS.get(str(s.get("evidence") or "page"), "page")
        console.print(f"   published {published} · evidence: {basis}")
        if s.get("sentence"):
            console.print(f"   \u201c{escape(s['sentence'])}\u201d")


def _sources_check(config: Path | None) -> None:
    """Probe the configured sources; exit 1 when any has a problem (scripts can test it)."""
    from flows.sources_check import check_sources, lines

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        _fail(f"configuration error: {exc}", code=2)
    reports = check_sources(settings.feeds, settings.fetch, first_run_days=settings.first_run_days)
    for line in lines(reports):
        console.print(escape(line), soft_wrap=True)
    bad = [r for r in reports if r.offline or r.error or not r.items]
    console.print(f"\n{len(reports) - len(bad)} of {len(reports)} source(s) ok; nothing was stored")
    if bad:
        raise typer.Exit(1)


@_query_command("feeds")
def feeds_cmd(fmt: FormatOpt = Format.table, db: DbOpt = None, config: ConfigOpt = None) -> None:
    """Health of every feed: last success, failures in a row, last error, new items, next poll."""
    from rich.table import Table

    with reader(config, db) as con:
        rows = queries.feed_health(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    if fmt is not Format.table:
        records = [render.plain_record(r) for r in rows]
        _emit(render.to_json(records) if fmt is Format.json else render.to_csv(records))
        return
    table = Table(title=f"feeds ({len(rows)})", show_lines=True)
    table.add_column("feed", ratio=2, overflow="fold")
    table.add_column("health", no_wrap=True)
    table.add_column("new", justify="right", no_wrap=True)
    table.add_column("text from", no_wrap=True)
    table.add_column("last error", ratio=1, overflow="fold")
    for r in rows:
        nxt = r.get("next_poll_after")
        fails = int(r.get("consecutive_failures") or 0)
        status = str(r.get("status") or "")
        health = [f"[red]{status}[/red]" if status == "failing" else status,
                  f"last ok {_ts(r.get('last_success')) or 'never'}"]
        if fails:
            health.append(f"{fails} failure{'s' if fails != 1 else ''} in a row")
        if fails and isinstance(nxt, datetime) and nxt > now:
            health.append(f"backed off until {_ts(nxt)}")
        table.add_row(
            f"[bold]{escape(str(r.get('name') or ''))}[/bold]"
            + (f" ({escape(str(r['kind']))})" if r.get("kind") not in (None, "rss") else "")
            + f"\n[dim]{escape(str(r.get('feed_url') or ''))}[/dim]",
            "\n".join(health), str(r.get("last_new_items") or 0), _evidence_shares(r),
            escape(r.get("last_error") or ""),
        )
    console.print(table)


def _evidence_shares(row: dict[str, Any]) -> str:
    """'page 60% / feed 30% / title 10%' of a feed's articles (what its events stand on)."""
    counts = [(label, int(row.get(key) or 0)) for label, key in (
        ("page", "evidence_page"), ("feed", "evidence_feed_text"), ("title", "evidence_headline"))]
    total = sum(n for _, n in counts)
    if not total:
        return "-"
    return "\n".join(f"{label} {100 * n / total:.0f}%" for label, n in counts if n)


def _ts(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else ""


@_query_command("report")
def report_cmd(
    html: Annotated[Path, typer.Option("--html", help="Write the report to this HTML file.")],
    since: SinceOpt = None,
    until: UntilOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """One self-contained HTML page: timeline, charts by type and country, filters, sources."""
    from flows.report import render_report

    start, end = parse_day(since), parse_until(until)
    with reader(config, db) as con:
        rows = queries.list_events(con, since=start, until=end)
        sources = {r["event_id"]: queries.event_sources(con, r["event_id"]) for r in rows}
    page = render_report(rows, sources, since=start, until=end)
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(page, encoding="utf-8")
    console.print(f"wrote {html} ({len(rows)} events, {len(page) // 1024} KiB)")


@_query_command("export")
def export_cmd(
    out_dir: Annotated[Path, typer.Argument(help="Directory for one Parquet file per table and view.")],
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Export every table and view to Parquet (for pandas, Polars, Excel, BI tools)."""
    with reader(config, db) as con:
        written = queries.export_parquet(con, out_dir)
    for path in written:
        console.print(f"  {path}")
    console.print(f"wrote {len(written)} Parquet files to {out_dir}")
