"""The DuckDB warehouse: migrations, locking, idempotent atomic stores, merging, queries.

Every test uses a real DuckDB file under tmp_path (or :memory: where the file does
not matter); the kill and lock tests use real child processes.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from extractors.types import Article, ErrorRecord, Event, FeedEntry, FeedSpec, FeedState, Mention
from warehouse import db, queries, store

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 10, 23, 6, 0, tzinfo=UTC)
NLP = "test-nlp-1"

_WORDS = (
    "mine refinery export licence magnet quota tariff deal ministry plant ore supply "
    "output price smelter buyer stake loan grant port policy metal cargo review"
).split()


def story(seed: int, words: int = 180) -> str:
    """An invented article body; different seeds give unrelated texts."""
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) + str(rng.randint(0, 99)) for _ in range(words)) + "."


def article(n: int, *, day: int = 20, text: str | None = None, site: str | None = None) -> Article:
    return Article(
        url=f"https://news{n}.example/story-{n}",
        title=f"Story {n}",
        text=text if text is not None else story(n),
        published=datetime(2025, 10, day, 9, 0, tzinfo=UTC),
        feed_url="https://feeds.example/rss",
        site=site or f"Outlet {n}",
        fetched_at=NOW,
    )


def event(
    date_: str = "2025-10-20",
    actors: tuple[str, ...] = ("US", "AU"),
    *,
    type_: str = "agreement",
    start: int = 0,
    amount: float | None = 8.5e9,
    commodities: tuple[str, ...] = ("critical minerals", "rare earths"),
) -> Event:
    return Event(
        type=type_,
        date=date_,
        date_precision="day",
        actors=list(actors),
        commodities=list(commodities),
        amount=amount,
        currency="USD" if amount else None,
        mentions=[Mention(f"They signed it ({start}).", start, start + 20, "signed")],
    )


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    # fetchall: DuckDB 2.0 keeps a half-read (fetchone) result open on the connection
    return int(con.execute(sql).fetchall()[0][0])


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "reewatch.duckdb"


@pytest.fixture
def con(path: Path):
    c = db.connect(path)
    yield c
    c.close()


def child(script: str, *args: str) -> subprocess.Popen[str]:
    """A Python child process that can import the project."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(flag: Path, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not flag.exists():
        if proc.poll() is not None:
            raise AssertionError(f"child exited early: {proc.stderr.read() if proc.stderr else ''}")
        assert time.monotonic() < deadline, "child never got ready"
        time.sleep(0.02)


# --- migrations and connect ----------------------------------------------------------


def test_migrations_apply_once_and_are_recorded(path: Path) -> None:
    con = db.connect(path)
    assert path.exists()  # parent directories were created
    rows = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert [r[0] for r in rows] == [m.version for m in db.migrations()]
    assert rows[0] == (1, "core") and db.SCHEMA_VERSION == rows[-1][0]
    con.close()
    con = db.connect(path)  # a second open is a no-op
    assert count(con, "SELECT count(*) FROM schema_migrations") == len(rows)
    assert db.migrate(con) == []
    con.close()


def test_connections_scan_arrow_unless_sql_only(tmp_path: Path) -> None:
    """connect() loads the duckdb package's Python layer (Arrow scans, con.sql) unless
    the caller only runs SQL; checked in a fresh process, where nothing else imported it."""
    path = tmp_path / "w.duckdb"
    db.connect(path).close()
    code = textwrap.dedent(f"""
        import importlib.util, sys
        import pyarrow as pa
        from warehouse import db
        con = db.connect({str(path)!r}, read_only=True, sql_only=True)
        assert con.execute("SELECT count(*) FROM events").fetchall() == [(0,)]
        con.close()
        if importlib.util.find_spec("_duckdb"):  # duckdb >= 2: the engine is a module of its own
            assert "duckdb" not in sys.modules, "sql_only loaded the duckdb package"
        con = db.connect({str(path)!r})
        con.register("t", pa.table({{"x": [1, 2, 3]}}))
        print("ARROW SUM:", con.execute("SELECT sum(x) FROM t").fetchall()[0][0])
        con.close()
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "ARROW SUM: 6" in proc.stdout


def test_memory_database_is_migrated() -> None:
    con = db.connect(":memory:")
    assert db.schema_version(con) == db.SCHEMA_VERSION
    assert count(con, "SELECT count(*) FROM new_events") == 0


def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER);")
    (migrations / "0002_bad.sql").write_text(
        "CREATE TABLE b (x INTEGER); SELECT nonsense FROM nowhere;"
    )
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    with pytest.raises(db.MigrationError, match="0002_bad.sql"):
        db.migrate(con, migrations)
    assert db.schema_version(con) == 1
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert "a" in tables and "b" not in tables


def test_read_only_needs_an_initialised_warehouse(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    with pytest.raises(db.SchemaMissing, match="run `reewatch run` first"):
        db.connect(missing, read_only=True)
    assert not missing.exists()
    old = tmp_path / "old.duckdb"
    only_core = tmp_path / "m"
    only_core.mkdir()
    (only_core / "0001_core.sql").write_text((db.MIGRATIONS_DIR / "0001_core.sql").read_text())
    c = duckdb.connect(str(old))
    db.migrate(c, only_core)
    c.close()
    with pytest.raises(db.SchemaMissing, match="version 1.*run `reewatch run` first"):
        db.connect(old, read_only=True)


def test_read_only_connect_reads_and_never_writes(path: Path) -> None:
    db.connect(path).close()
    ro = db.connect(path, read_only=True)
    assert queries.list_events(ro) == []
    with pytest.raises(duckdb.Error):
        ro.execute("INSERT INTO feeds (url, name) VALUES ('u', 'n')")
    ro.close()


def test_same_process_other_mode_is_a_typed_error(path: Path) -> None:
    con = db.connect(path)
    with pytest.raises(db.WarehouseError, match="already has .* open"):
        db.connect(path, read_only=True)
    con.close()


LOCK_HOLDER = """
import sys, time
from pathlib import Path
from warehouse import db
con = db.connect(sys.argv[1])
Path(sys.argv[2]).touch()
time.sleep(float(sys.argv[3]))
con.close()
"""


def test_second_process_gets_database_locked(path: Path, tmp_path: Path) -> None:
    db.connect(path).close()
    ready = tmp_path / "ready"
    proc = child(LOCK_HOLDER, str(path), str(ready), "60")
    try:
        wait_for(ready, proc)
        t0 = time.monotonic()
        with pytest.raises(db.DatabaseLocked) as info:
            db.connect(path, wait=0.5)
        assert time.monotonic() - t0 >= 0.5
        msg = str(info.value)
        assert "another reewatch run" in msg and str(path) in msg and "use another --db" in msg
        with pytest.raises(db.DatabaseLocked):  # read-only opens are locked out too
            db.connect(path, read_only=True)
    finally:
        proc.kill()
        proc.wait()


def test_connect_waits_for_the_other_run(path: Path, tmp_path: Path) -> None:
    db.connect(path).close()
    ready = tmp_path / "ready"
    proc = child(LOCK_HOLDER, str(path), str(ready), "1.0")
    try:
        wait_for(ready, proc)
        con = db.connect(path, wait=30)  # the holder lets go after ~1 s
        assert db.schema_version(con) == db.SCHEMA_VERSION
        con.close()
    finally:
        proc.kill()
        proc.wait()


# --- feeds, runs, errors, pending -------------------------------------------------------------


def test_feeds_and_feed_states_round_trip(con: duckdb.DuckDBPyConnection) -> None:
    store.upsert_feeds(
        con, [FeedSpec("https://a.example/rss", "A"), FeedSpec("https://b.example/rss", "B", "en")]
    )
    store.upsert_feeds(con, [FeedSpec("https://a.example/rss", "A renamed", "en")])
    assert con.execute("SELECT url, name, language FROM feeds ORDER BY url").fetchall() == [
        ("https://a.example/rss", "A renamed", "en"),
        ("https://b.example/rss", "B", "en"),
    ]
    state = FeedState(
        "https://a.example/rss",
        etag='"x"',
        last_polled=NOW,
        consecutive_failures=2,
        last_error="timeout",
    )
    store.save_feed_states(con, [state])
    state.etag, state.consecutive_failures = '"y"', 0
    store.save_feed_states(con, [state])
    loaded = store.load_feed_states(con)
    assert loaded == {"https://a.example/rss": state}
    assert loaded["https://a.example/rss"].last_polled == NOW  # aware UTC back
    health = {h["feed_url"]: h for h in queries.feed_health(con)}
    assert health["https://a.example/rss"]["status"] == "ok"
    assert health["https://b.example/rss"]["status"] == "never polled"


def test_runs(con: duckdb.DuckDBPyConnection) -> None:
    assert store.latest_run_id(con) is None
    store.start_run(con, "r1", "flow-1", NLP, now=NOW)
    store.finish_run(con, "r1", "completed", now=NOW, new_articles=3, new_events=1)
    store.start_run(con, "r2", now=NOW + timedelta(hours=1))
    store.finish_run(con, "r2", "failed", now=NOW + timedelta(hours=2))
    assert store.latest_run_id(con) == "r1"  # a failed run is not "the latest"
    assert con.execute("SELECT new_articles, status FROM runs WHERE run_id = 'r1'").fetchall()[
        0
    ] == (3, "completed")
    with pytest.raises(ValueError, match="status"):
        store.finish_run(con, "r1", "done")
    with pytest.raises(ValueError, match="counters"):
        store.finish_run(con, "r1", "completed", bogus=1)


def test_record_errors_is_idempotent_per_run(con: duckdb.DuckDBPyConnection) -> None:
    err = ErrorRecord(
        "article", "https://x.example/a", "http_404", "The page is gone.", False, http_status=404
    )
    assert store.record_errors(con, "r1", [err, err], now=NOW) == 1
    assert store.record_errors(con, "r1", [err], now=NOW) == 0
    assert store.record_errors(con, "r2", [err], now=NOW) == 1
    assert con.execute('SELECT "at", kind, http_status FROM errors LIMIT 1').fetchall()[0] == (
        NOW.replace(tzinfo=None), "http_404", 404,
    )  # fmt: skip


def test_pending_urls_back_off_and_give_up(con: duckdb.DuckDBPyConnection) -> None:
    e1 = FeedEntry("https://f.example/rss", "https://x.example/1", "One", published=NOW)
    e2 = FeedEntry("https://f.example/rss", "https://x.example/2", "Two")
    slow = ErrorRecord("article", e1.url, "timeout", "Timed out.", True)
    gone = ErrorRecord("article", e2.url, "http_404", "Not found.", False)
    store.save_pending(con, [e1, e2], [slow, gone], NOW)
    assert store.due_pending(con, NOW, max_attempts=3) == []  # backing off
    due = store.due_pending(con, NOW + timedelta(hours=1), max_attempts=3)
    assert [d.url for d in due] == [e1.url] and due[0].published == NOW and due[0].title == "One"
    store.save_pending(con, [e1], [slow], NOW + timedelta(hours=1))
    assert store.due_pending(con, NOW + timedelta(hours=2), max_attempts=3) == []  # doubled backoff
    assert len(store.due_pending(con, NOW + timedelta(hours=3), max_attempts=3)) == 1
    assert store.due_pending(con, NOW + timedelta(hours=3), max_attempts=2) == []  # out of attempts
    assert con.execute("SELECT attempts FROM pending_urls").fetchall() == [(2,)]
    store.drop_pending(con, [e1.url])
    assert count(con, "SELECT count(*) FROM pending_urls") == 0
    # errors are matched by URL: more errors than entries (ArticleBatch.errors vs .retry)
    store.save_pending(con, [e1], [gone, slow], NOW)
    assert con.execute("SELECT url, last_error FROM pending_urls").fetchall() == [
        (e1.url, "timeout: Timed out.")
    ]
    store.save_pending(con, [e1], [ErrorRecord("article", e1.url, "http_410", "Gone.", False)], NOW)
    assert count(con, "SELECT count(*) FROM pending_urls") == 0  # a terminal error ends retries


# --- articles ----------------------------------------------------------------------------


def test_store_articles_is_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    arts = [article(1), article(2), article(1)]
    assert store.store_articles(con, arts, "r1") == [arts[0].id, arts[1].id]
    assert store.store_articles(con, arts, "r2") == []
    assert count(con, "SELECT count(*) FROM articles") == 2
    assert store.known_urls(con, [arts[0].url, "https://new.example/x"]) == {arts[0].url}
    row = con.execute(
        "SELECT content_hash, simhash, first_run_id FROM articles WHERE article_id = ?",
        [arts[0].id],
    ).fetchall()[0]
    assert row is not None and len(row[0]) == 40 and 0 <= row[1] < 2**64 and row[2] == "r1"


def test_near_duplicate_articles_point_to_the_first_copy(con: duckdb.DuckDBPyConnection) -> None:
    original = article(1, text=story(1))
    store.store_articles(con, [original], "r1")
    words = story(1).split()
    words[10] = "changed"
    syndicated = article(
        2, day=21, text="Wire copy | Outlet\n" + " ".join(words) + " Read more: other news"
    )
    same_text = article(3, text=story(1).upper())
    unrelated = article(4, text=story(99))
    copy_of_copy = article(5, day=22, text=" ".join(words))
    store.store_articles(con, [syndicated, same_text, unrelated, copy_of_copy], "r2")
    dup = dict(con.execute("SELECT article_id, duplicate_of FROM articles").fetchall())
    assert dup[original.id] is None and dup[unrelated.id] is None
    assert dup[syndicated.id] == dup[same_text.id] == dup[copy_of_copy.id] == original.id


def test_duplicates_within_one_batch(con: duckdb.DuckDBPyConnection) -> None:
    a, b = article(1, text=story(7)), article(2, text=story(7) + " Photo: Reuters.")
    store.store_articles(con, [a, b], "r1")
    assert con.execute("SELECT duplicate_of FROM articles WHERE article_id = ?", [b.id]).fetchall()[
        0
    ] == (a.id,)


# --- events --------------------------------------------------------------------------------


def test_same_agreement_from_three_outlets_is_one_event(con: duckdb.DuckDBPyConnection) -> None:
    """ "Oct. 20" (published that day), "Monday" (published Tuesday) and an undated report
    two days later (dated by publication) are one agreement with three sources."""
    a1, a2, a3 = article(1, day=20), article(2, day=21), article(3, day=22)
    store.store_articles(con, [a1, a2, a3], "r1")
    store.store_events(con, [(a1, [event("2025-10-20")])], NLP, "r1", NOW)
    res = store.store_events(
        con,
        [(a2, [event("2025-10-20", ("AU", "US"), start=40)]), (a3, [event("2025-10-22", start=7)])],
        NLP, "r1", NOW + timedelta(minutes=5),
    )  # fmt: skip
    assert res.new_event_ids == [] and len(res.updated_event_ids) == 1 and res.mentions_added == 2
    rows = queries.list_events(con)
    assert len(rows) == 1
    ev = rows[0]
    assert (ev["source_count"], ev["date"], ev["date_start"]) == (
        3,
        "2025-10-20",
        date(2025, 10, 20),
    )
    assert ev["summary"].startswith("US and Australia sign")
    sources = queries.event_sources(con, ev["event_id"])
    assert [s["outlet"] for s in sources] == ["Outlet 1", "Outlet 2", "Outlet 3"]
    assert sources[0]["sentence"] == "They signed it (0)." and sources[0]["url"] == a1.url


def test_publication_dated_report_first_then_explicit_date(con: duckdb.DuckDBPyConnection) -> None:
    late, exact = article(3, day=22), article(1, day=20)
    store.store_articles(con, [late, exact], "r1")
    store.store_events(
        con, [(late, [event("2025-10-22")]), (exact, [event("2025-10-20")])], NLP, "r1", NOW
    )
    rows = queries.list_events(con)
    assert len(rows) == 1 and rows[0]["date"] == "2025-10-20" and rows[0]["source_count"] == 2


def test_different_country_pairs_same_day_stay_two_events(con: duckdb.DuckDBPyConnection) -> None:
    a1, a2 = article(1), article(2)
    store.store_articles(con, [a1, a2], "r1")
    res = store.store_events(
        con,
        [
            (a1, [event(actors=("US", "JP"), amount=None)]),
            (a2, [event(actors=("US", "AU"), amount=None)]),
        ],
        NLP,
        "r1",
        NOW,
    )
    assert len(res.new_event_ids) == 2
    assert sorted(tuple(sorted(e["actors"])) for e in queries.list_events(con)) == [
        ("AU", "US"),
        ("JP", "US"),
    ]


def test_store_events_is_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    a1, a2 = article(1), article(2)
    store.store_articles(con, [a1, a2], "r1")
    batch = [
        (
            a1,
            [event(), event("2025-10-18", ("CN",), type_="export_control", start=90, amount=None)],
        ),
        (a2, []),
    ]
    first = store.store_events(con, batch, NLP, "r1", NOW)
    assert len(first.new_event_ids) == 2 and first.mentions_added == 2
    again = store.store_events(con, batch, NLP, "r1", NOW)
    assert (again.new_event_ids, again.updated_event_ids, again.mentions_added) == ([], [], 0)
    assert count(con, "SELECT count(*) FROM events") == 2
    assert count(con, "SELECT count(*) FROM event_mentions") == 2
    # every processed article is marked, also the one without events
    assert count(con, "SELECT count(*) FROM articles WHERE nlp_version = 'test-nlp-1'") == 2
    assert store.unprocessed_articles(con, NLP, 10) == []
    assert [
        a.id for a in store.unprocessed_articles(con, "test-nlp-2", 10, include_older=True)
    ] == sorted([a1.id, a2.id])
    # a new model version adds its mentions to the same events, not new events
    re = store.store_events(con, batch, "test-nlp-2", "r2", NOW)
    assert re.new_event_ids == [] and len(re.updated_event_ids) == 2
    assert [e["source_count"] for e in queries.list_events(con)] == [1, 1]


def test_copies_of_one_story_count_as_one_source(con: duckdb.DuckDBPyConnection) -> None:
    a1, copy = article(1, text=story(5)), article(2, text=story(5))
    store.store_articles(con, [a1, copy], "r1")
    store.store_events(con, [(a1, [event()]), (copy, [event()])], NLP, "r1", NOW)
    assert queries.list_events(con)[0]["source_count"] == 1
    assert len(queries.event_sources(con, queries.list_events(con)[0]["event_id"])) == 2


def test_store_events_needs_stored_articles(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(store.UnknownArticles, match="store_articles"):
        store.store_events(con, [(article(1), [event()])], NLP, "r1", NOW)


def test_failure_mid_batch_leaves_nothing(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    arts = [article(i) for i in range(3)]
    store.store_articles(con, arts, "r1")

    def boom() -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(db, "before_commit", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        store.store_events(con, [(a, [event(start=i)]) for i, a in enumerate(arts)], NLP, "r1", NOW)
    with pytest.raises(RuntimeError):
        store.store_articles(con, [article(9)], "r1")
    monkeypatch.setattr(db, "before_commit", None)
    assert count(con, "SELECT count(*) FROM events") == 0
    assert count(con, "SELECT count(*) FROM event_mentions") == 0
    assert count(con, "SELECT count(*) FROM articles") == 3
    assert len(store.unprocessed_articles(con, NLP, 10)) == 3
    res = store.store_events(
        con, [(a, [event(start=i)]) for i, a in enumerate(arts)], NLP, "r1", NOW
    )
    assert len(res.new_event_ids) == 1 and res.mentions_added == 3


KILLED_WRITER = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from warehouse import db, store
from extractors.types import Article, Event, Mention

con = db.connect(sys.argv[1])
flag = Path(sys.argv[2])

def block() -> None:  # everything is written, only COMMIT is missing
    flag.touch()
    time.sleep(600)

db.before_commit = block
arts = store.unprocessed_articles(con, "test-nlp-1", 100)
pairs = [(a, [Event("agreement", "2025-10-20", "day", ["US", "AU"], ["rare earths"], None, None,
          [Mention("s", i, i + 5, "signed")])]) for i, a in enumerate(arts)]
store.store_events(con, pairs, "test-nlp-1", "r1", datetime(2025, 10, 23, tzinfo=UTC))
"""


def test_kill_mid_batch_leaves_no_partial_batch(path: Path, tmp_path: Path) -> None:
    con = db.connect(path)
    arts = [article(i) for i in range(50)]
    store.store_articles(con, arts, "r1")
    con.close()
    flag = tmp_path / "in-transaction"
    proc = child(KILLED_WRITER, str(path), str(flag))
    try:
        wait_for(flag, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    con = db.connect(path, wait=10)
    assert count(con, "SELECT count(*) FROM events") == 0
    assert count(con, "SELECT count(*) FROM event_mentions") == 0
    assert len(store.unprocessed_articles(con, NLP, 100)) == 50
    res = store.store_events(
        con, [(a, [event(start=i)]) for i, a in enumerate(arts)], NLP, "r2", NOW
    )
    assert len(res.new_event_ids) == 1 and res.mentions_added == 50
    assert queries.list_events(con)[0]["source_count"] == 50
    con.close()


# --- queries and views -----------------------------------------------------------------------


@pytest.fixture
def filled(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Two runs: r1 found a US-AU agreement and a Chinese export control; r2 a US-JP deal."""
    store.upsert_feeds(con, [FeedSpec("https://feeds.example/rss", "Example feed")])
    store.start_run(con, "r1", now=NOW)
    a1, a2, a3 = article(1), article(2, site=None), article(3)
    a2.site = None
    store.store_articles(con, [a1, a2], "r1")
    store.store_events(
        con,
        [
            (a1, [event(actors=("US", "AU", "Lynas"))]),
            (a2, [event("2025-10-09", ("CN",), type_="export_control", amount=None, commodities=("gallium",))]),
        ],
        NLP, "r1", NOW,
    )  # fmt: skip
    store.finish_run(con, "r1", "completed", now=NOW)
    store.start_run(con, "r2", now=NOW + timedelta(days=1))
    store.store_articles(con, [a3], "r2")
    store.store_events(
        con,
        [(a3, [event("2025-10-28", ("US", "JP"), amount=5e8)])],
        NLP,
        "r2",
        NOW + timedelta(days=1),
    )
    return con


def test_list_events_filters(filled: duckdb.DuckDBPyConnection) -> None:
    def types(**kw: object) -> list[str]:
        return [e["type"] + ":" + ",".join(e["actors"]) for e in queries.list_events(filled, **kw)]  # type: ignore[arg-type]

    assert types() == ["export_control:CN", "agreement:US,AU,Lynas", "agreement:US,JP"]
    assert types(new=True) == ["agreement:US,JP"]
    assert types(since="2025-10-15") == ["agreement:US,AU,Lynas", "agreement:US,JP"]
    assert types(since=date(2025, 10, 1), until="2025-10-20") == [
        "export_control:CN",
        "agreement:US,AU,Lynas",
    ]
    assert types(until="2025-10") == types(since="2025") == types()[:3]  # partial dates are fine
    assert types(types=["export_control", "export_control_easing"]) == ["export_control:CN"]
    assert types(countries=["jp"]) == ["agreement:US,JP"]
    assert types(commodities=["Gallium"]) == ["export_control:CN"]
    assert types(companies=["lynas"]) == ["agreement:US,AU,Lynas"]
    assert types(min_amount=1e9) == ["agreement:US,AU,Lynas"]
    assert types(countries=["US"], min_amount=1e8, new=True) == ["agreement:US,JP"]


def test_views(filled: duckdb.DuckDBPyConnection) -> None:
    assert count(filled, "SELECT count(*) FROM agreements") == 2
    assert filled.execute("SELECT actors FROM export_controls").fetchall() == [(["CN"],)]
    assert filled.execute("SELECT count(*), min(first_run_id) FROM new_events").fetchall()[0] == (
        1,
        "r2",
    )
    outlets = filled.execute("SELECT outlet FROM event_sources ORDER BY outlet").fetchall()
    assert outlets == [("Example feed",), ("Outlet 1",), ("Outlet 3",)]  # no site: the feed's name
    line = queries.timeline(filled, country="US")
    assert [e["date"] for e in line] == ["2025-10-20", "2025-10-28"]
    assert queries.timeline(filled, since="2025-10-21")[0]["summary"].startswith(
        "US and Japan sign"
    )


def test_events_by_ids(filled: duckdb.DuckDBPyConnection) -> None:
    ids = [e["event_id"] for e in queries.list_events(filled)]
    rows = store.events_by_ids(filled, [ids[2], ids[0], "nope"])
    assert [r["event_id"] for r in rows] == [ids[0], ids[2]]
    assert rows[0]["first_seen"].tzinfo is UTC and rows[0]["summary"]
    assert store.events_by_ids(filled, []) == []


def test_export_parquet(filled: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    files = queries.export_parquet(filled, tmp_path / "out")
    names = {f.stem for f in files}
    assert {"events", "event_mentions", "articles", "new_events", "event_sources"} <= names
    assert pq.read_table(tmp_path / "out" / "events.parquet").num_rows == 3
    assert "raw_html_gz" not in pq.read_table(tmp_path / "out" / "articles.parquet").column_names
