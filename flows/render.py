"""Rendering for the query commands: one-line headlines, tables, JSON and CSV.

Why a module of its own: the CLI, the HTML report and tests all need the same
words for an event ("China expands export controls on rare earths") and the same
flat record, so the three output formats agree field for field. It imports no
database code and nothing heavy; every function takes plain dicts as returned
by warehouse.queries.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text

if TYPE_CHECKING:  # imported where a table is drawn: `timeline` needs none
    from rich.table import Table

from extractors.summary import (  # noqa: F401  (re-exported for the CLI and report)
    COUNTRY_NAMES,
    CURRENCY_SYMBOLS,
    actor_name,
    headline,
    is_country,
    join_words,
    money,
    place_name,
)

# The flat record every output format shares, in column order.
RECORD_FIELDS: tuple[str, ...] = (
    "event_id", "date", "date_precision", "date_start", "date_end", "type", "headline",
    "actors", "commodities", "amount", "currency", "source_count", "summary",
    "first_seen", "last_seen", "first_run_id", "evidence",
)  # fmt: skip
# What an event's text stands on, in words (the `evidence` column: page > feed_text > headline).
EVIDENCE_WORDS = {"page": "page", "feed_text": "feed text only", "headline": "headline only"}


def evidence_words(value: Any) -> str:
    """'feed text only' / 'headline only'; '' for full pages (the normal case says nothing)."""
    return "" if not value or value == "page" else EVIDENCE_WORDS.get(str(value), str(value))
LIST_FIELDS = ("actors", "commodities")
LIST_SEP = ";"  # CSV cells hold lists as "US;JP" (no actor or commodity contains ';')


def when(event: Mapping[str, Any]) -> str:
    """The date as stated, with its precision when coarser than a day: '2025-10 (month)'."""
    d = event.get("date")
    if not d:
        return "undated"
    precision = event.get("date_precision")
    return f"{d} ({precision})" if precision and precision != "day" else str(d)


def iso(value: Any) -> Any:
    """JSON-able form of a DB value: dates and timestamps as ISO strings."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def event_record(event: Mapping[str, Any]) -> dict[str, Any]:
    """The flat, JSON-able record of one event (the DB row plus its headline)."""
    out: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        if name == "headline":
            out[name] = headline(event)
        elif name in LIST_FIELDS:
            out[name] = list(event.get(name) or [])
        else:
            out[name] = iso(event.get(name))
    return out


def plain_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """Any query row made JSON-able (lists kept, dates as ISO strings)."""
    return {k: (list(v) if isinstance(v, list | tuple) else iso(v)) for k, v in row.items()}


def _finite(value: Any) -> Any:
    """JSON has no Infinity or NaN: such a float (never a real amount) becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def to_json(records: Iterable[Mapping[str, Any]]) -> str:
    """A JSON list of objects (one per record), keys in record order; always valid JSON."""
    rows = [_finite(dict(r)) for r in records]
    return json.dumps(rows, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (the OWASP CSV-injection rule).

    Text from the web lands in these cells (titles, outlet names, URLs); a leading
    `=`, `+`, `-`, `@`, tab or CR gets a `'` in front, which spreadsheets show as text.
    Numbers are left alone (a negative number is not text).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(records: Sequence[Mapping[str, Any]], fields: Sequence[str] | None = None) -> str:
    """CSV with a header; lists joined by ';', missing values as empty cells."""
    names = list(fields or (records[0].keys() if records else RECORD_FIELDS))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for r in records:
        cells = []
        for name in names:
            value = r.get(name)
            if isinstance(value, list | tuple):
                value = LIST_SEP.join(str(v) for v in value)
            elif isinstance(value, float) and not math.isfinite(value):
                value = None
            cells.append("" if value is None else csv_safe(value))
        writer.writerow(cells)
    return buf.getvalue()


def events_table(events: Sequence[Mapping[str, Any]], title: str = "events") -> Table:
    """The terminal view: a headline per event with a dim line of type, actors, commodities, money.

    Two lines per event instead of eight columns: it stays readable in an 80-column terminal.
    The event cell is a styled Text, not markup: nothing to escape or parse (a fifth
    faster to draw), and the same characters and styles on the screen.
    """
    from rich.table import Table

    table = Table(title=f"{title} ({len(events)})", show_lines=True, expand=False)
    table.add_column("date", no_wrap=True)
    table.add_column("event", ratio=1, min_width=30)
    table.add_column("src", justify="right", no_wrap=True)
    table.add_column("id", style="dim", no_wrap=True)
    for e in events:
        actors = ", ".join(actor_name(a) for a in e.get("actors") or [])
        details = " · ".join(x for x in (
            str(e.get("type") or ""), actors, ", ".join(e.get("commodities") or []),
            money(e.get("amount"), e.get("currency")), evidence_words(e.get("evidence")),
        ) if x)
        table.add_row(
            when(e).replace(" (", "\n("), Text.assemble((headline(e), "bold"), "\n", (details, "dim")),
            str(e.get("source_count") or 0), str(e.get("event_id") or "")[:8],
        )
    return table


_PRECISION_RANK = {"year": 0, "month": 1, "day": 2}


def start_day(event: Mapping[str, Any]) -> date | None:
    """First day the event's date can mean (date_start, else parsed from `date`)."""
    start = event.get("date_start")
    if isinstance(start, datetime):
        return start.date()
    if isinstance(start, date):
        return start
    text = str(start or event.get("date") or "")
    try:
        if len(text) == 4:
            return date(int(text), 1, 1)
        if len(text) == 7:
            return date(int(text[:4]), int(text[5:7]), 1)
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def timeline_groups(
    events: Iterable[Mapping[str, Any]],
) -> list[tuple[str, list[tuple[str, Mapping[str, Any]]]]]:
    """Events grouped the way a "What happened when" box reads them.

    Groups are months ("October 2025") in date order; a month-precision event
    sits at the top of its month with the label "month", a day event is labelled
    "Oct 9"; year-precision events get a group of their own ("2025") before that
    year's months, undated events come last.
    """
    def key(e: Mapping[str, Any]) -> tuple[Any, ...]:
        start = start_day(e)
        rank = _PRECISION_RANK.get(str(e.get("date_precision") or "day"), 2)
        return (start is None, start or date.max, rank, str(e.get("event_id") or ""))

    groups: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for e in sorted(events, key=key):
        start = start_day(e)
        precision = e.get("date_precision") or "day"
        if start is None:
            group, label = "Undated", ""
        elif precision == "year":
            group, label = str(start.year), "year"
        else:
            group = start.strftime("%B %Y")
            label = "month" if precision == "month" else f"{start.strftime('%b')} {start.day}"
        groups.setdefault(group, []).append((label, e))
    return list(groups.items())


def timeline_text(events: Iterable[Mapping[str, Any]]) -> Text:
    """The terminal timeline: a bold heading per group, then one line per event.

    One Text printed once, not a console.print per line: 100 lines draw in 4 ms
    instead of 10-18 ms, with the same characters and styles.
    """
    out = Text()
    for group, entries in timeline_groups(events):
        out.append("\n\n" if out else "\n")  # a blank line above every group
        out.append(group, "bold")
        for label, e in entries:
            n = int(e.get("source_count") or 0)
            out.append(f"\n  {label:<7} {headline(e)}  ")
            basis = evidence_words(e.get("evidence"))
            out.append(f"{n} source{'s' if n != 1 else ''} · {basis + ' · ' if basis else ''}"
                       f"{str(e.get('event_id'))[:8]}", "dim")
    return out
