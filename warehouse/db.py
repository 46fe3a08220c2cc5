"""Opening the DuckDB warehouse: ordered migrations, one-writer locking, transactions.

DuckDB lets one process write a database file at a time (a second process cannot
even open it read-only while the writer holds it), so `connect` turns DuckDB's lock
error into `DatabaseLocked`, optionally after waiting for the other run to finish.

This module itself needs only DuckDB's engine (`_duckdb`, the extension the `duckdb`
package re-exports). The package adds a Python layer to every connection (con.sql,
con.table, scans of registered Arrow tables and DataFrames) that takes ~45 ms to
import: a fifth of a whole query command, which only runs SQL and fetches rows. So
`connect` imports the package unless its caller passes sql_only=True.
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

try:
    import _duckdb as duckdb  # the engine: see the module docstring
except ImportError:  # pragma: no cover - duckdb 1.x keeps its engine inside the package
    import duckdb

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# DuckDB keeps the blocks it has written or read cached up to its memory_limit, 80% of the
# machine by default, so a writer's memory would grow with the archive (and spike at each
# checkpoint): measured +450 MB over a 10,000-article backfill. The run needs far less.
WRITER_MEMORY_LIMIT = "256MB"
_MIGRATION_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")
MEMORY = ":memory:"


class WarehouseError(Exception):
    """Base class of the warehouse's typed errors."""


class DatabaseLocked(WarehouseError):
    """Another process holds the DuckDB file (DuckDB allows one writer process)."""


class SchemaMissing(WarehouseError):
    """A read-only open found no schema, or an older one than this code needs."""


class MigrationError(WarehouseError):
    """A migration failed; it was rolled back and the database is at the previous version."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files NNNN_name.sql, in version order."""
    found = []
    for path in directory.iterdir():
        if m := _MIGRATION_NAME.match(path.name):
            found.append(Migration(int(m.group(1)), m.group(2), path))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a version number in {directory}")
    return found


SCHEMA_VERSION: int = max((m.version for m in migrations()), default=0)

# Test seam: called inside `transaction` right before COMMIT (the kill test blocks here).
before_commit: Callable[[], None] | None = None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, ROLLBACK on any error: a batch lands whole or not at all."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        if before_commit is not None:
            before_commit()
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # DuckDB already ended it (a failed COMMIT, a full disk): the first error is the one to show
        raise


def _open(path: str, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + max(wait, 0.0)
    delay = 0.05
    while True:
        try:
            config = {} if read_only else {"memory_limit": WRITER_MEMORY_LIMIT}
            return duckdb.connect(path, read_only=read_only, config=config)
        except duckdb.ConnectionException as exc:
            # Same process, other mode: DuckDB shares one instance per file and process.
            mode = "read-only" if read_only else "writable"
            raise WarehouseError(
                f"this process already has {path} open in another mode; a {mode} connection "
                "cannot be added: close the other connection first or reuse it"
            ) from exc
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise unreadable_error(path, exc) from exc
            if time.monotonic() >= deadline:
                holder = re.search(r"\(PID (\d+)\)", str(exc))
                who = f" (process {holder.group(1)})" if holder else ""
                raise DatabaseLocked(
                    f"another reewatch run{who} holds {path}; wait for it or use another --db"
                ) from exc
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.01)))
            delay = min(delay * 2, 1.0)


def unreadable_error(path: str, exc: duckdb.Error) -> WarehouseError:
    """A file DuckDB cannot open: not a database, truncated, or no space or permission."""
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    detail = detail.removeprefix("IO Error: ")
    if "not a valid DuckDB database" in detail or "Could not read enough bytes" in detail:
        why = "not a DuckDB file" if "not a valid" in detail else "truncated or damaged"
        return WarehouseError(
            f"{path} is not a readable DuckDB warehouse ({why}); "
            "point --db at the right file or move this one away"
        )
    return WarehouseError(f"cannot open the warehouse {path}: {detail}")


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest applied migration, 0 for an empty database."""
    # One direct query, not a look into information_schema first: that costs 8 ms on a
    # fresh connection, a noticeable share of a query command's whole run.
    # fetchall, not fetchone: DuckDB 2.0 keeps a half-read result open on the connection.
    try:
        rows = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()
    except duckdb.CatalogException:  # no schema_migrations table: nothing applied yet
        return 0
    return int(rows[0][0])


def migrate(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply the migrations not yet recorded, each in its own transaction; return their versions."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    applied = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    done = []
    for mig in migrations(directory):
        if mig.version in applied:
            continue
        try:
            with transaction(con):
                con.execute(mig.sql())
                con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)",
                    [mig.version, mig.name],
                )
        except duckdb.Error as exc:
            raise MigrationError(f"migration {mig.path.name} failed: {exc}") from exc
        done.append(mig.version)
    return done


def connect(
    path: Path | str, *, read_only: bool = False, wait: float = 0, sql_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable open brings the schema up to SCHEMA_VERSION.

    `wait` is how many seconds to keep retrying while another process holds the
    file before raising DatabaseLocked. A read-only open never migrates (query
    commands must not change the file) and raises SchemaMissing when the schema is
    absent or older than this code. sql_only: the caller only executes SQL and
    fetches rows, so the duckdb package's Python layer is not loaded (see above).
    """
    if not sql_only:
        importlib.import_module("duckdb")  # adds con.sql, Arrow scans, ... to every connection
    target = str(path)
    if target == MEMORY:
        if read_only:
            raise WarehouseError("an in-memory warehouse cannot be opened read-only")
        con = duckdb.connect(MEMORY)
        migrate(con)
        return con
    file = Path(target)
    if read_only:
        if not file.exists():
            raise SchemaMissing(f"no warehouse at {file}: run `reewatch run` first")
    else:
        file.parent.mkdir(parents=True, exist_ok=True)
    con = _open(str(file), read_only, wait)
    try:
        if not read_only:
            try:
                migrate(con)
            except MigrationError as exc:
                cause = str(exc.__cause__ or exc).splitlines()[0]
                if "space" in cause.lower():  # the real error, not the migration that hit it
                    raise WarehouseError(f"cannot write the warehouse {file}: {cause}") from exc
                raise
        found = schema_version(con)
        if read_only and found < SCHEMA_VERSION:
            raise SchemaMissing(
                f"the warehouse at {file} has schema version {found}, this reewatch needs "
                f"{SCHEMA_VERSION}: run `reewatch run` first"
            )
        if found > SCHEMA_VERSION:
            raise WarehouseError(
                f"the warehouse at {file} has schema version {found}, newer than this "
                f"reewatch ({SCHEMA_VERSION}): upgrade reewatch"
            )
    except duckdb.IOException as exc:  # a truncated file fails on its first read
        con.close()
        raise unreadable_error(str(file), exc) from exc
    except BaseException:
        con.close()
        raise
    return con
