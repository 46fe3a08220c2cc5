"""Every ```sql block in docs/QUERIES.md runs, as written, against the sample warehouse.

Why: a SQL guide whose examples fail on the real schema is worse than none; this
keeps the guide and the migrations in step (sqlite-utils' README-as-test idea).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import duckdb
import pytest

from tests.test_cli_query import ROOT, make_sample_db

GUIDE = ROOT / "docs" / "QUERIES.md"
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```", re.DOTALL | re.MULTILINE)
BLOCKS = SQL_BLOCK.findall(GUIDE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    db = make_sample_db(tmp_path_factory.mktemp("sql") / "reewatch.duckdb")
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


def test_guide_has_examples() -> None:
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("sql", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_runs(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    con.execute(sql).fetchall()


def test_examples_find_something(con: duckdb.DuckDBPyConnection) -> None:
    """Most examples return rows on the sample data (a few depend on today's date)."""
    non_empty = sum(bool(con.execute(sql).fetchall()) for sql in BLOCKS)
    assert non_empty >= len(BLOCKS) - 3


def test_us_partners_example(con: duckdb.DuckDBPyConnection) -> None:
    block = next(b for b in BLOCKS if "AS partner" in b and "GROUP BY partner" in b)
    assert {row[0] for row in con.execute(block).fetchall()} == {"AU", "JP"}


def test_guide_names_every_view_and_query_command(con: duckdb.DuckDBPyConnection) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    views = [r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'").fetchall()]
    assert views, "the sample warehouse has no views"
    for name in views:
        assert f"`{name}`" in text, f"view {name} is not documented in docs/QUERIES.md"
    for command in ("events", "timeline", "sources", "feeds", "report", "export"):
        assert f"reewatch {command}" in text, f"`reewatch {command}` is not documented"

