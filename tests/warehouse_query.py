"""Read a test's DuckDB file the way a user's query would: read-only, closed at once, so
the flow under test can open it again."""

from __future__ import annotations

from pathlib import Path

import duckdb


def q(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
