"""The analyst's query commands against a small, real DuckDB warehouse.

`make_sample_db` writes a handful of invented events, articles, mentions, feeds
and runs through the real schema (warehouse.db.connect applies the migrations);
test_report.py and test_sql_examples.py reuse it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows import render
from flows.cli import app
from warehouse.db import connect

ROOT = Path(__file__).resolve().parents[1]
RUN_1, RUN_2 = "run-2025-10-28", "run-2025-10-31"  # RUN_2 is the latest: its events are "new"


def _id(n: int, name: str) -> str:
    """Readable, hex-like ids: '01' + 14 hex chars. Every id starts with 0 or 1 (ambiguous prefixes)."""
    return f"{n:02d}" + hashlib.sha1(name.encode()).hexdigest()[:14]


# (n, name, type, date, precision, actors, commodities, amount, currency, first_run, article numbers)
EVENTS: list[tuple[Any, ...]] = [
    (1, "usjp", "agreement", "2025-10-28", "day", ["US", "JP"], ["critical minerals", "rare earths"], None, None, RUN_2, [1, 2]),
    (2, "cn-controls", "export_control", "2025-10-09", "day", ["CN"], ["rare earths", "magnets"], None, None, RUN_1, [3, 4, 5]),
    (3, "lynas", "investment", "2025-10", "month", ["Lynas", "MY"], ["rare earths"], 180e6, "AUD", RUN_2, [6]),
    (4, "cn-easing", "export_control_easing", "2025-11-01", "day", ["CN", "US"], ["gallium", "germanium"], None, None, RUN_2, [7]),
    (5, "usau", "agreement", "2025-10-20", "day", ["US", "AU"], ["critical minerals"], 8.5e9, "USD", RUN_1, [8, 2]),
    (6, "us-232", "trade_measure", "2025-04", "month", ["US"], ["magnets"], None, None, RUN_1, [9]),
    (7, "cn-quota", "production_quota", "2025", "year", ["CN"], ["rare earths"], None, None, RUN_1, [10]),
    (8, "mp", "investment", "2025-07-10", "day", ["MP Materials", "US"], ["magnets", "rare earths"], 400e6, "USD", RUN_1, [11]),
    (9, "talks", "talks", "2025-10-30", "day", ["US", "CN"], ["rare earths"], None, None, RUN_2, [12, 1]),
    (10, "jp-stock", "stockpile", "2024-12-15", "day", ["JP"], ["dysprosium"], 1.2e10, "JPY", RUN_1, [13]),
    (11, "eu-act", "industrial_policy", "2025-03-18", "day", ["EU"], ["critical minerals"], None, None, RUN_1, [14]),
]  # fmt: skip

FEEDS = [
    ("https://wire.example/rss", "Example Wire"),
    ("https://metals.example/feed", "Metals Daily"),
    ("https://broken.example/rss", "Broken Example"),
]
SITES = ["Example Wire", "Metals Daily", "Asia Markets Today", "Policy Ledger"]


def _start(d: str) -> date:
    """date_start as the store computes it: the first day a YYYY / YYYY-MM / day date can mean."""
    parts = [int(x) for x in d.split("-")] + [1, 1]
    return date(parts[0], parts[1], parts[2])


def make_sample_db(path: Path) -> Path:
    """Write the sample warehouse to `path` (a real DuckDB file, schema via migrations)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    con = connect(path)
    try:
        con.executemany("INSERT INTO feeds (url, name, language) VALUES (?, ?, 'en')", FEEDS)
        con.executemany(
            "INSERT INTO feed_state (feed_url, last_polled, last_success, consecutive_failures,"
            " next_poll_after, last_error, last_new_items) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (FEEDS[0][0], datetime(2025, 10, 31, 6), datetime(2025, 10, 31, 6), 0, None, None, 7),
                (FEEDS[1][0], datetime(2025, 10, 31, 6), datetime(2025, 10, 31, 6), 0, None, None, 2),
                (FEEDS[2][0], datetime(2025, 10, 31, 6), datetime(2025, 10, 20, 6), 3,
                 now + timedelta(hours=6), "HTTP 503 Service Unavailable", 0),
            ],
        )
        con.executemany(
            "INSERT INTO runs (run_id, started_at, finished_at, status, feeds_polled, new_articles,"
            " new_events, nlp_version) VALUES (?, ?, ?, 'completed', 3, ?, ?, 'test-1')",
            [(RUN_1, datetime(2025, 10, 28, 6), datetime(2025, 10, 28, 6, 5), 9, 7),
             (RUN_2, datetime(2025, 10, 31, 6), datetime(2025, 10, 31, 6, 4), 5, 4)],
        )
        for n in range(1, 15):
            site = SITES[n % len(SITES)]
            published = datetime(2025, 10, 1, 8) + timedelta(days=2 * n)
            con.execute(
                "INSERT INTO articles (article_id, url, feed_url, title, text, published, site, language,"
                " extraction, fetched_at, first_run_id, nlp_version)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'en', 'page', ?, ?, 'test-1')",
                [f"art{n:02d}", f"https://news{n % 3}.example/2025/story-{n}", FEEDS[n % 2][0],
                 f"Story {n}: minerals policy moves", f"Invented body of story {n}.", published, site,
                 published, RUN_1 if n < 6 else RUN_2],
            )
        for n, name, kind, d, prec, actors, comms, amount, cur, run, arts in EVENTS:
            eid = _id(n, name)
            seen = datetime(2025, 10, 28, 6) if run == RUN_1 else datetime(2025, 10, 31, 6)
            con.execute(
                "INSERT INTO events (event_id, type, date, date_precision, date_start, actors, commodities,"
                " amount, currency, summary, first_seen, last_seen, first_run_id, source_count)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [eid, kind, d, prec, _start(d), actors, comms, amount, cur, f"stored summary {n}", seen,
                 seen, run, len(arts)],
            )
            for a in arts:
                con.execute(
                    "INSERT INTO event_mentions (mention_id, event_id, article_id, type, date, date_precision,"
                    " actors, commodities, amount, currency, sentence, start_char, end_char, trigger,"
                    " nlp_version, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 40, ?,"
                    " 'test-1', ?, ?)",
                    [f"m{n:02d}-{a:02d}", eid, f"art{a:02d}", kind, d, prec, actors, comms, amount, cur,
                     f"Officials said event {n} ({kind.replace('_', ' ')}) took effect.", kind.split("_")[0],
                     run, seen],
                )
        con.execute(
            "INSERT INTO errors VALUES ('err1', ?, ?, 'feed', ?, ?, 'http_503', 'HTTP 503', true, 503)",
            [RUN_2, datetime(2025, 10, 31, 6), FEEDS[2][0], FEEDS[2][0]],
        )
        con.execute(
            "INSERT INTO alerts (alert_id, event_id, rule, mode, status, attempts, created_at, run_id)"
            " VALUES ('al1', ?, 'agreements', 'each', 'sent', 1, ?, ?)",
            [_id(1, "usjp"), datetime(2025, 10, 31, 6), RUN_2],
        )
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample_db(tmp_path_factory.mktemp("wh") / "reewatch.duckdb")


def invoke(*args: str) -> Any:
    """Run the CLI in-process; a wide terminal keeps table cells on one line for the asserts."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "160"})


def db_events(db: Path) -> dict[str, dict[str, Any]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute("SELECT * FROM events")
        cols = [c[0] for c in cur.description]
        return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}
    finally:
        con.close()


def _same_as_db(record: dict[str, Any], row: dict[str, Any]) -> None:
    assert record["type"] == row["type"]
    assert record["date"] == row["date"]
    assert record["date_precision"] == row["date_precision"]
    assert record["date_start"] == row["date_start"].isoformat()
    assert record["actors"] == row["actors"]
    assert record["commodities"] == row["commodities"]
    assert record["amount"] == row["amount"]
    assert record["currency"] == row["currency"]
    assert int(record["source_count"]) == row["source_count"]
    assert record["summary"] == row["summary"]
    assert record["first_run_id"] == row["first_run_id"]
    assert record["headline"] == render.headline(row)


def test_events_json_round_trips(db: Path) -> None:
    result = invoke("events", "--db", str(db), "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    rows = db_events(db)
    assert isinstance(records, list) and len(records) == len(rows) == len(EVENTS)
    for rec in records:
        _same_as_db(rec, rows[rec["event_id"]])
    starts = [r["date_start"] for r in records]
    assert starts == sorted(starts), "events come in date order"


def test_events_csv_round_trips(db: Path) -> None:
    result = invoke("events", "--db", str(db), "--format", "csv")
    assert result.exit_code == 0, result.output
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert tuple(reader.fieldnames or ()) == render.RECORD_FIELDS
    rows = db_events(db)
    parsed = list(reader)
    assert len(parsed) == len(rows)
    for rec in parsed:
        back: dict[str, Any] = {k: (v if v != "" else None) for k, v in rec.items()}
        for name in render.LIST_FIELDS:
            back[name] = rec[name].split(render.LIST_SEP) if rec[name] else []
        back["amount"] = float(rec["amount"]) if rec["amount"] else None
        _same_as_db(back, rows[rec["event_id"]])


def _ids(*args: str, db: Path) -> set[str]:
    result = invoke("events", "--db", str(db), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return {r["event_id"] for r in json.loads(result.stdout)}


def test_events_filters(db: Path) -> None:
    assert _ids("--new", db=db) == {_id(1, "usjp"), _id(3, "lynas"), _id(4, "cn-easing"), _id(9, "talks")}
    assert _ids("--type", "agreement", db=db) == {_id(1, "usjp"), _id(5, "usau")}
    assert _ids("--type", "agreement", "--type", "talks", db=db) == {_id(1, "usjp"), _id(5, "usau"), _id(9, "talks")}
    china = {_id(n, name) for n, name, *_rest in EVENTS if "CN" in _rest[3]}
    assert _ids("--country", "China", db=db) == china
    assert _ids("--country", "cn", db=db) == china
    assert _ids("--company", "lynas", db=db) == {_id(3, "lynas")}
    assert _ids("--commodity", "gallium", db=db) == {_id(4, "cn-easing")}
    assert _ids("--min-amount", "1e9", db=db) == {_id(5, "usau"), _id(10, "jp-stock")}
    # a month-precision event (2025-10) overlaps "since Oct 15"; a year one (2025) too
    assert _ids("--since", "2025-10-15", "--until", "2025-10-31", db=db) == {
        _id(1, "usjp"), _id(3, "lynas"), _id(5, "usau"), _id(7, "cn-quota"), _id(9, "talks")}
    assert _ids("--until", "2024", db=db) == {_id(10, "jp-stock")}


def test_events_table_and_bad_input(db: Path) -> None:
    result = invoke("events", "--db", str(db), "--type", "investment")
    assert result.exit_code == 0
    assert "Lynas invests A$180 million in rare earths" in " ".join(result.stdout.split())
    assert invoke("events", "--db", str(db), "--type", "bogus").exit_code == 2
    assert invoke("events", "--db", str(db), "--country", "Atlantis").exit_code == 2
    assert invoke("events", "--db", str(db), "--since", "last tuesday").exit_code == 2
    missing = invoke("events", "--db", str(db.parent / "absent.duckdb"))
    assert missing.exit_code == 1 and "reewatch run" in missing.stderr


def test_headlines() -> None:
    assert render.headline({"type": "agreement", "actors": ["US", "JP"], "commodities": ["critical minerals"]}) == (
        "US and Japan sign a critical-minerals agreement")
    assert render.headline({"type": "export_control", "actors": ["CN"], "commodities": ["rare earths"]}) == (
        "China expands export controls on rare earths")
    assert render.headline({"type": "investment", "actors": ["Lynas"], "commodities": ["rare earths"],
                            "amount": 180e6, "currency": "AUD"}) == "Lynas invests A$180 million in rare earths"
    assert render.headline({"type": "agreement", "actors": ["US", "AU"], "commodities": [],
                            "amount": 8.5e9, "currency": "USD"}) == (
        "US and Australia sign a critical-minerals agreement worth $8.5 billion")
    assert render.money(1234.5, "XYZ") == "1,234.5 XYZ"
    assert render.headline({"type": "talks", "actors": [], "commodities": ["gallium"]}) == (
        "Unnamed parties hold talks on gallium")
    assert render.headline({"type": "investment", "actors": ["MP Materials", "US"], "commodities": ["magnets"],
                            "amount": 4e8, "currency": "USD"}) == "MP Materials invests $400 million in magnets in the US"


def test_timeline_groups_by_month(db: Path) -> None:
    result = invoke("timeline", "--db", str(db), "--since", "2025-10", "--until", "2025-10")
    assert result.exit_code == 0, result.output
    lines = [ln.rstrip() for ln in result.stdout.splitlines() if ln.strip()]
    assert lines[0] == "2025"
    assert "October 2025" in lines
    october = lines[lines.index("October 2025") + 1:]
    assert october[0].split()[0] == "month" and "Lynas invests" in october[0]
    days = [ln.split()[:2] for ln in october[1:]]
    assert days == [["Oct", "9"], ["Oct", "20"], ["Oct", "28"], ["Oct", "30"]]
    assert "November 2025" not in result.stdout
    only_jp = invoke("timeline", "--db", str(db), "--country", "Japan")
    assert "December 2024" in only_jp.stdout and "China expands" not in only_jp.stdout


def test_sources_by_prefix(db: Path) -> None:
    eid = _id(2, "cn-controls")
    result = invoke("sources", eid[:6], "--db", str(db))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "China expands export controls on rare earths and magnets" in out
    for a in (3, 4, 5):
        assert f"https://news{a % 3}.example/2025/story-{a}" in out
        assert f"Story {a}: minerals policy moves" in out
    assert "Officials said event 2 (export control) took effect." in out
    as_json = json.loads(invoke("sources", eid, "--db", str(db), "--format", "json").stdout)
    assert [s["article_id"] for s in as_json] == ["art03", "art04", "art05"]
    assert all(s["outlet"] and s["published"] for s in as_json)
    ambiguous = invoke("sources", "0", "--db", str(db))
    assert ambiguous.exit_code == 1 and "several events" in ambiguous.stderr
    assert invoke("sources", "zzz", "--db", str(db)).exit_code == 1


def test_feeds_health(db: Path) -> None:
    result = invoke("feeds", "--db", str(db), "--format", "json")
    assert result.exit_code == 0, result.output
    feeds = {f["feed_url"]: f for f in json.loads(result.stdout)}
    assert set(feeds) == {u for u, _ in FEEDS}
    broken = feeds["https://broken.example/rss"]
    assert broken["consecutive_failures"] == 3 and broken["status"] == "failing"
    assert broken["last_error"] == "HTTP 503 Service Unavailable"
    assert feeds["https://wire.example/rss"]["last_new_items"] == 7
    table = invoke("feeds", "--db", str(db)).stdout
    assert "Broken Example" in table and "HTTP 503" in table and "failing" in table


def test_export_parquet(db: Path, tmp_path: Path) -> None:
    result = invoke("export", str(tmp_path / "out"), "--db", str(db))
    assert result.exit_code == 0, result.output
    names = {p.stem for p in (tmp_path / "out").glob("*.parquet")}
    assert {"events", "event_mentions", "articles", "feeds", "runs", "new_events", "event_timeline",
            "agreements", "export_controls", "event_sources"} <= names
    assert pq.read_table(tmp_path / "out" / "events.parquet").num_rows == len(EVENTS)
    assert pq.read_table(tmp_path / "out" / "new_events.parquet").num_rows == 4


def test_query_commands_import_neither_prefect_nor_spacy(db: Path, tmp_path: Path) -> None:
    """The read-only path must answer at once: no Prefect or spaCy, and none of the
    imports that cost a query command a third of its run: pydantic (typer's option
    conversion, see flows/cli_params.py) and duckdb's Python layer (the commands
    connect with sql_only=True: DuckDB's engine `_duckdb` alone, see warehouse/db.py)."""
    code = textwrap.dedent(f"""
        import importlib.util, sys
        from typer.testing import CliRunner
        from flows.cli import app
        db = {str(db)!r}
        for args in (["events", "--format", "json"], ["events", "--new", "--limit", "2"],
                     ["events", "--since", "2025-10", "--min-amount", "1e6", "--type", "agreement"],
                     ["timeline", "--country", "CN", "--since", "30d"], ["sources", {_id(1, "usjp")!r}],
                     ["feeds", "--format", "csv"], ["report", "--html", {str(tmp_path / "r.html")!r}],
                     ["export", {str(tmp_path / "x")!r}]):
            result = CliRunner().invoke(app, [*args, "--db", db])
            assert result.exit_code == 0, (args, result.output)
        heavy = ["prefect", "spacy", "thinc", "pydantic"]
        if importlib.util.find_spec("_duckdb"):  # duckdb >= 2: the engine is a module of its own
            heavy.append("duckdb")
        print("HEAVY:", sorted(m for m in sys.modules if m.split(".")[0] in heavy))
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY: []" in proc.stdout, proc.stdout


def test_plain_option_values_match_typer(tmp_path: Path) -> None:
    """flows.cli_params converts option values without pydantic; typer's own converter
    must give the same value, or the same error, for every query-command parameter."""
    from typer.main import get_command

    from flows.cli import app
    from flows.cli_params import PlainRuntimeParam

    typer_coercion = pytest.importorskip("typer._coercion")
    group = get_command(app)
    existing = tmp_path / "x.duckdb"
    existing.write_text("")
    values: list[Any] = [
        None, (), ("a", "b"), ("0", "x"), "", "0", "7", "-3", "007", "+5", "1_000", " 5", "3.0",
        "1e9", "-5.5", ".5", "1.", "1e400", "nan", "99999999999999999999", "abc", "table", "json",
        "JSON", "xml", str(tmp_path), str(existing), "/nonexistent/x.duckdb", tmp_path, 100, 2.5,
        True, False,
    ]  # fmt: skip
    compared = 0
    for name in ("events", "timeline", "sources", "feeds", "report", "export"):
        command = group.commands[name]  # type: ignore[attr-defined]
        ctx = command.make_context(name, ["--help"], resilient_parsing=True)
        for param in [*command.params, command.get_help_option(ctx)]:
            ours = param._runtime_param
            assert isinstance(ours, PlainRuntimeParam), (name, param.name)
            theirs = typer_coercion.build_runtime_param(param.type_descriptor)
            for value in values:
                outcomes = []
                for converter in (theirs, ours):
                    try:
                        out = converter.coerce(value, param=param, ctx=ctx)
                        outcomes.append(("value", type(out), repr(out)))  # repr: nan == nan
                    except Exception as exc:  # noqa: BLE001 - the error itself is compared
                        outcomes.append(("error", type(exc), str(exc)))
                assert outcomes[1] == outcomes[0], (name, param.name, value)
                compared += 1
    assert compared > 500


def test_timeline_limit(db: Path) -> None:
    """A terminal timeline shows its first N lines and says how many it left out."""
    full = invoke("timeline", "--db", str(db), "--limit", "0").stdout
    lines = [ln for ln in full.splitlines() if ln.startswith("  ")]
    assert len(lines) == len(EVENTS) and "not shown" not in full
    assert full == invoke("timeline", "--db", str(db), "--limit", str(len(EVENTS))).stdout
    cut = invoke("timeline", "--db", str(db), "--limit", "3").stdout
    assert [ln for ln in cut.splitlines() if ln.startswith("  ")] == lines[:3]
    assert f"showing the first 3 of {len(EVENTS)} events ({len(EVENTS) - 3} not shown); --limit 0 shows all" in cut
    assert invoke("timeline", "--db", str(db), "--limit", "-1").exit_code == 2


def test_events_limit_says_what_is_left_out(db: Path) -> None:
    cut = invoke("events", "--db", str(db), "--limit", "4").stdout
    assert "events (4)" in cut  # the table's title counts its rows
    assert f"showing the first 4 of {len(EVENTS)} events ({len(EVENTS) - 4} not shown)" in cut
    assert "not shown" not in invoke("events", "--db", str(db), "--limit", "0").stdout
    assert "not shown" not in invoke("events", "--db", str(db)).stdout  # 11 events: all fit in 100
    assert len(json.loads(invoke("events", "--db", str(db), "--format", "json", "--limit", "2").stdout)) == 2


def test_date_forms() -> None:
    from flows.cli_query import parse_day, parse_until

    today = date(2026, 3, 1)
    assert parse_day("yesterday", today=today) == date(2026, 2, 28)
    assert parse_day("7d", today=today) == date(2026, 2, 22)
    assert parse_day("2025-10", today=today) == date(2025, 10, 1)
    assert parse_until("2025-12", today=today) == date(2025, 12, 31)
    assert parse_until("2024-02", today=today) == date(2024, 2, 29)
    assert parse_until("2025", today=today) == date(2025, 12, 31)
    assert parse_until("2025-10-09", today=today) == date(2025, 10, 9)
