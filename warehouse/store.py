"""Writing pipeline data to the warehouse: idempotent, one transaction per batch.

Every function takes an open connection (see warehouse.db.connect) and plain data
from extractors.types. Bulk rows go in through Arrow tables (DuckDB inserts
~1M rows/s that way against ~700 rows/s with executemany). Timestamps are stored
as naive UTC and returned as aware UTC datetimes.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from extractors import dedup, relevance
from extractors.partial_date import PartialDate
from extractors.summary import headline
from extractors.types import (
    Article,
    ErrorRecord,
    Event,
    FeedEntry,
    FeedSpec,
    FeedState,
    Mention,
    article_id_for,
)
from flows.failpoints import failpoint
from warehouse.db import WarehouseError, transaction

RUN_STATUSES = ("running", "completed", "failed")
RUN_COUNTS = ("feeds_polled", "feeds_failed", "new_articles", "new_events", "alerts_sent")
# Near-duplicate candidates: stored articles published this close to the new one.
DUPLICATE_WINDOW = timedelta(days=30)
# Pending URLs: first retry after this long, doubling per attempt, capped.
PENDING_BACKOFF = timedelta(hours=1)
PENDING_BACKOFF_CAP = timedelta(days=2)

_TS = pa.timestamp("us")
_STR_LIST = pa.list_(pa.string())
_batch_names = itertools.count()


class UnknownArticles(WarehouseError):
    """store_events got results for articles that store_articles never stored."""


@dataclass
class StoreResult:
    """What store_events changed: the alert stage looks at new_event_ids."""

    new_event_ids: list[str] = field(default_factory=list)
    updated_event_ids: list[str] = field(default_factory=list)
    mentions_added: int = 0


# --- helpers -------------------------------------------------------------------


def utc_naive(ts: datetime | None) -> datetime | None:
    """The naive-UTC form we store (aware datetimes are converted, naive ones assumed UTC)."""
    if ts is None or ts.tzinfo is None:
        return ts
    return ts.astimezone(UTC).replace(tzinfo=None)


def utc_aware(ts: datetime | None) -> datetime | None:
    """Stored naive UTC -> aware UTC, so callers can compare with datetime.now(UTC)."""
    return ts.replace(tzinfo=UTC) if ts is not None and ts.tzinfo is None else ts


def _now(now: datetime | None) -> datetime:
    """`now` as naive UTC; the current time when not given (tests pass a fixed one)."""
    when = now if now is not None else datetime.now(UTC)
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, table: pa.Table) -> Iterator[str]:
    """Expose an Arrow table to SQL under a unique name for the duration of a statement block."""
    name = f"_batch_{next(_batch_names)}"
    # DuckDB 2.0 refuses register() while an earlier execute() was only half read
    # (e.g. a caller's fetchone()); run that result to its end first, it is abandoned.
    con.complete()
    con.register(name, table)
    try:
        yield name
    finally:
        con.unregister(name)


def _ids_table(values: Sequence[str], column: str = "id") -> pa.Table:
    return pa.table({column: pa.array(list(values), pa.string())})


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


# --- feeds ---------------------------------------------------------------------


def upsert_feeds(con: duckdb.DuckDBPyConnection, feeds: list[FeedSpec]) -> None:
    """Make the feeds table match the configuration's names and languages (rows are kept)."""
    unique = {f.url: f for f in feeds}
    table = pa.table(
        {
            "url": pa.array(list(unique), pa.string()),
            "name": pa.array([f.name for f in unique.values()], pa.string()),
            "language": pa.array([f.language for f in unique.values()], pa.string()),
            "kind": pa.array([f.kind for f in unique.values()], pa.string()),
        }
    )
    with transaction(con), _registered(con, table) as batch:
        con.execute(
            f"INSERT INTO feeds (url, name, language, kind) SELECT url, name, language, kind FROM {batch} "
            "ON CONFLICT (url) DO UPDATE SET name = excluded.name, language = excluded.language, "
            "kind = excluded.kind"
        )


def record_sources(
    con: duckdb.DuckDBPyConnection, entries: list[FeedEntry], run_id: str | None,
    now: datetime | None = None,
) -> None:
    """Remember every (article, source) pair seen, with the item's guid and named outlet.

    One story reached through two sources is one article (same canonical URL, so one
    article_id) with two rows here; `source_count` counts the article once.
    """
    unique: dict[tuple[str, str], FeedEntry] = {}
    for e in entries:
        unique.setdefault((article_id_for(e.url), e.feed_url), e)
    if not unique:
        return
    when = _now(now)
    rows = list(unique.values())
    table = pa.table(
        {
            "article_id": pa.array([k[0] for k in unique], pa.string()),
            "url": pa.array([e.url for e in rows], pa.string()),
            "feed_url": pa.array([e.feed_url for e in rows], pa.string()),
            "guid": pa.array([e.guid for e in rows], pa.string()),
            "outlet": pa.array([e.outlet for e in rows], pa.string()),
            "language": pa.array([e.language for e in rows], pa.string()),
            "country": pa.array([e.country for e in rows], pa.string()),
        }
    )
    with transaction(con), _registered(con, table) as batch:
        con.execute(
            "INSERT INTO article_sources (article_id, url, feed_url, guid, outlet, language, country, "
            "first_seen, last_seen, first_run_id) "
            f"SELECT article_id, url, feed_url, guid, outlet, language, country, ?, ?, ? FROM {batch} "
            "ON CONFLICT (article_id, feed_url) DO UPDATE SET last_seen = excluded.last_seen, "
            "guid = coalesce(excluded.guid, article_sources.guid), "
            "outlet = coalesce(excluded.outlet, article_sources.outlet)",
            [when, when, run_id],
        )


def seen_from_source(con: duckdb.DuckDBPyConnection, feed_url: str, urls: list[str]) -> int:
    """How many of `urls` this source delivered in an earlier poll (for gap detection)."""
    if not urls:
        return 0
    ids = [article_id_for(u) for u in urls]
    row = con.execute(
        "SELECT count(*) FROM article_sources WHERE feed_url = ? "
        "AND article_id IN (SELECT unnest(?::VARCHAR[]))",
        [feed_url, ids],
    ).fetchone()
    return int(row[0]) if row else 0


_STATE_COLS = (
    "feed_url", "etag", "last_modified", "last_polled", "last_success",
    "consecutive_failures", "next_poll_after", "last_error", "last_new_items",
)  # fmt: skip
_STATE_TIMES = {"last_polled", "last_success", "next_poll_after"}


def load_feed_states(con: duckdb.DuckDBPyConnection) -> dict[str, FeedState]:
    """Every feed's remembered state (ETag, failures, backoff), by feed URL."""
    out = {}
    for row in _rows(con, f"SELECT {', '.join(_STATE_COLS)} FROM feed_state"):
        for col in _STATE_TIMES:
            row[col] = utc_aware(row[col])
        out[row["feed_url"]] = FeedState(**row)
    return out


def save_feed_states(con: duckdb.DuckDBPyConnection, states: list[FeedState]) -> None:
    """Upsert feed states (last one wins for a repeated URL)."""
    unique = {s.feed_url: s for s in states}
    types = {c: pa.string() for c in _STATE_COLS} | {c: _TS for c in _STATE_TIMES}
    types |= {"consecutive_failures": pa.int32(), "last_new_items": pa.int32()}
    cols = {}
    for col in _STATE_COLS:
        values = [getattr(s, col) for s in unique.values()]
        if col in _STATE_TIMES:
            values = [utc_naive(v) for v in values]
        cols[col] = pa.array(values, types[col])
    table = pa.table(cols)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _STATE_COLS[1:])
    with transaction(con), _registered(con, table) as batch:
        con.execute(
            f"INSERT INTO feed_state ({', '.join(_STATE_COLS)}) "
            f"SELECT {', '.join(_STATE_COLS)} FROM {batch} "
            f"ON CONFLICT (feed_url) DO UPDATE SET {updates}"
        )


# --- runs and errors -------------------------------------------------------------


def start_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    flow_run_id: str | None = None,
    nlp_version: str | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """Record a run as running; starting the same run_id again (a retried flow) resumes it.

    DuckDB admits one writing process, so any other run still marked 'running' died
    without finishing (SIGKILL, power cut): it is marked 'interrupted'.
    """
    con.execute(
        "UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND run_id <> ?", [run_id]
    )
    con.execute(
        "INSERT INTO runs (run_id, flow_run_id, started_at, status, nlp_version) "
        "VALUES (?, ?, ?, 'running', ?) "
        "ON CONFLICT (run_id) DO UPDATE SET status = 'running', finished_at = NULL",
        [run_id, flow_run_id, _now(now), nlp_version],
    )


def abandon_run(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Mark a run failed while an exception is on its way out; never hides that exception."""
    try:
        finish_run(con, run_id, "failed")
    except Exception:  # the original error matters more
        pass


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    *,
    now: datetime | None = None,
    **counts: int,
) -> None:
    """Close a run with its status and counters (feeds_polled, new_articles, ...)."""
    if status not in RUN_STATUSES:
        raise ValueError(f"run status must be one of {RUN_STATUSES}, not {status!r}")
    unknown = set(counts) - set(RUN_COUNTS)
    if unknown:
        raise ValueError(f"unknown run counters {sorted(unknown)}; known: {RUN_COUNTS}")
    sets = "".join(f", {c} = ?" for c in counts)
    con.execute(
        f"UPDATE runs SET status = ?, finished_at = ?{sets} WHERE run_id = ?",
        [status, _now(now), *counts.values(), run_id],
    )


def latest_run_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest run that is running or completed (the one `new_events` reports on)."""
    rows = con.execute("SELECT run_id FROM latest_run").fetchall()
    return rows[0][0] if rows else None


def record_errors(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    errors: list[ErrorRecord],
    *,
    now: datetime | None = None,
) -> int:
    """Store failures as data; the same failure twice in one run is stored once. Returns rows added."""
    if not errors:
        return 0
    rows: dict[str, ErrorRecord] = {}
    for err in errors:
        key = "|".join([run_id or "", err.stage, err.url, err.kind])
        rows.setdefault(hashlib.sha1(key.encode()).hexdigest()[:16], err)
    errs = list(rows.values())
    table = pa.table(
        {
            "error_id": pa.array(list(rows), pa.string()),
            "stage": pa.array([e.stage for e in errs], pa.string()),
            "url": pa.array([e.url for e in errs], pa.string()),
            "feed_url": pa.array([e.feed_url for e in errs], pa.string()),
            "kind": pa.array([e.kind for e in errs], pa.string()),
            "message": pa.array([e.message for e in errs], pa.string()),
            "transient": pa.array([e.transient for e in errs], pa.bool_()),
            "http_status": pa.array([e.http_status for e in errs], pa.int32()),
        }
    )
    with transaction(con), _registered(con, table) as batch:
        before = _count(con, "errors")
        con.execute(
            'INSERT INTO errors (error_id, run_id, "at", stage, url, feed_url, kind, message, '
            "transient, http_status) "
            f"SELECT error_id, ?, ?, stage, url, feed_url, kind, message, transient, http_status "
            f"FROM {batch} WHERE error_id NOT IN (SELECT error_id FROM errors)",
            [run_id, _now(now)],
        )
        return _count(con, "errors") - before


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    # fetchall, not fetchone: DuckDB 2.0 keeps a half-read result open on the connection.
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


# --- URLs ------------------------------------------------------------------------


def known_urls(con: duckdb.DuckDBPyConnection, urls: list[str]) -> set[str]:
    """The subset of `urls` already stored as articles (the seen-URL check before fetching)."""
    if not urls:
        return set()
    with _registered(con, _ids_table(sorted(set(urls)), "url")) as batch:
        rows = con.execute(f"SELECT url FROM {batch} SEMI JOIN articles USING (url)").fetchall()
    return {r[0] for r in rows}


def save_pending(
    con: duckdb.DuckDBPyConnection,
    entries: list[FeedEntry],
    errors: list[ErrorRecord],
    now: datetime,
    *,
    backoff: timedelta = PENDING_BACKOFF,
) -> None:
    """Remember article URLs to retry later, with why they failed.

    Errors are matched to entries by URL (so `errors` may hold more failures than
    there are entries, e.g. ArticleBatch.errors beside ArticleBatch.retry). Each call
    counts one more attempt and pushes next_attempt out by a doubling backoff. An
    entry whose error is not transient (404, blocked address) will not heal: it is
    removed from pending instead; the caller records the error itself.
    """
    why = {err.url: err for err in errors}
    retry: dict[str, tuple[FeedEntry, ErrorRecord | None]] = {}
    final = []
    for entry in entries:
        err = why.get(entry.url)
        if err is not None and not err.transient:
            final.append(entry.url)
        else:
            retry[entry.url] = (entry, err)
    attempts = dict(
        con.execute(
            "SELECT url, attempts FROM pending_urls WHERE url IN (SELECT unnest(?::VARCHAR[]))",
            [list(retry)],
        ).fetchall()
    )
    when, count, nexts = _now(now), [], []
    for url in retry:
        n = attempts.get(url, 0) + 1
        count.append(n)
        nexts.append(when + min(backoff * 2 ** (n - 1), PENDING_BACKOFF_CAP))
    items = list(retry.values())
    table = pa.table(
        {
            "url": pa.array(list(retry), pa.string()),
            "feed_url": pa.array([e.feed_url for e, _ in items], pa.string()),
            "title": pa.array([e.title for e, _ in items], pa.string()),
            # the richest text the feed gave, so a page that never comes back keeps it
            "summary": pa.array([e.content or e.summary for e, _ in items], pa.string()),
            "published": pa.array([utc_naive(e.published) for e, _ in items], _TS),
            "attempts": pa.array(count, pa.int32()),
            "last_error": pa.array(
                [f"{err.kind}: {err.message}" if err else None for _, err in items], pa.string()
            ),
            "next_attempt": pa.array(nexts, _TS),
        }
    )
    cols = "url, feed_url, title, summary, published, attempts, last_error, next_attempt"
    with transaction(con), _registered(con, table) as batch:
        if final:
            con.execute(
                "DELETE FROM pending_urls WHERE url IN (SELECT unnest(?::VARCHAR[]))", [final]
            )
        if items:
            con.execute(
                f"INSERT INTO pending_urls ({cols}) SELECT {cols} FROM {batch} "
                "ON CONFLICT (url) DO UPDATE SET attempts = excluded.attempts, "
                "last_error = excluded.last_error, next_attempt = excluded.next_attempt"
            )


def due_pending(
    con: duckdb.DuckDBPyConnection, now: datetime, max_attempts: int
) -> list[FeedEntry]:
    """Pending URLs whose backoff has passed and that have attempts left, oldest due first."""
    rows = con.execute(
        "SELECT feed_url, url, title, summary, published FROM pending_urls "
        "WHERE attempts < ? AND (next_attempt IS NULL OR next_attempt <= ?) "
        "ORDER BY next_attempt NULLS FIRST, url",
        [max_attempts, _now(now)],
    ).fetchall()
    return [
        FeedEntry(feed_url=f or "", url=u, title=t or "", summary=s or "", published=utc_aware(p))
        for f, u, t, s, p in rows
    ]


def exhausted_pending(
    con: duckdb.DuckDBPyConnection, max_attempts: int
) -> list[tuple[FeedEntry, str | None]]:
    """Pending URLs that used up their attempts, with their last error: time to give up on the page."""
    rows = con.execute(
        "SELECT feed_url, url, title, summary, published, last_error FROM pending_urls "
        "WHERE attempts >= ? ORDER BY url",
        [max_attempts],
    ).fetchall()
    return [
        (FeedEntry(feed_url=f or "", url=u, title=t or "", summary=s or "", published=utc_aware(p)), e)
        for f, u, t, s, p, e in rows
    ]


def drop_pending(con: duckdb.DuckDBPyConnection, urls: list[str]) -> None:
    """Forget pending URLs (fetched at last, or given up on)."""
    if urls:
        con.execute("DELETE FROM pending_urls WHERE url IN (SELECT unnest(?::VARCHAR[]))", [urls])


# --- articles --------------------------------------------------------------------

_ARTICLE_COLS = (
    "article_id", "url", "feed_url", "title", "text", "published", "author", "site",
    "language", "extraction", "fallback_reason", "raw_html_gz", "content_hash", "simhash",
    "duplicate_of", "fetched_at", "first_run_id", "gate_version", "evidence",
)  # fmt: skip


def _find_originals(
    con: duckdb.DuckDBPyConnection, arts: list[Article], hashes: list[str], sims: list[int | None]
) -> list[str | None]:
    """For each new article, the article_id of the story it copies (stored or earlier in the batch)."""
    published = [utc_naive(a.published) for a in arts]
    probe = pa.table(
        {
            "i": pa.array(range(len(arts)), pa.int32()),
            "content_hash": pa.array(hashes, pa.string()),
            "simhash": pa.array(sims, pa.uint64()),
            "published": pa.array(published, _TS),
        }
    )
    # Exact copies by hash join; near copies by Hamming distance, which no index can
    # serve, so stored articles are first cut to the batch's publication window.
    days = [p for p in published if p is not None]
    window, params = "TRUE", []
    if days and len(days) == len(published):
        window = "(published IS NULL OR published BETWEEN ? AND ?)"
        params = [min(days) - DUPLICATE_WINDOW, max(days) + DUPLICATE_WINDOW]
    params += [dedup.SIMHASH_THRESHOLD, DUPLICATE_WINDOW, DUPLICATE_WINDOW]
    with _registered(con, probe) as batch:
        rows = con.execute(
            f"""
            SELECT b.i, coalesce(a.duplicate_of, a.article_id) AS root, 0 AS dist,
                   a.published, a.article_id
            FROM {batch} b JOIN articles a ON a.content_hash = b.content_hash
            UNION ALL
            SELECT b.i, coalesce(a.duplicate_of, a.article_id), bit_count(xor(a.simhash, b.simhash)),
                   a.published, a.article_id
            FROM {batch} b
            JOIN (SELECT article_id, duplicate_of, simhash, published FROM articles
                  WHERE simhash IS NOT NULL AND {window}) a
              ON bit_count(xor(a.simhash, b.simhash)) <= ?
             AND (a.published IS NULL OR b.published IS NULL
                  OR a.published BETWEEN b.published - ? AND b.published + ?)
            WHERE b.simhash IS NOT NULL
            ORDER BY 1, 3, 4 NULLS LAST, 5
            """,
            params,
        ).fetchall()
    found: dict[int, str] = {}
    for i, root, *_ in rows:
        found.setdefault(i, root)
    out: list[str | None] = []
    for i, art in enumerate(arts):
        if i not in found:  # an earlier article of this batch?
            for j in range(i):
                same = hashes[i] == hashes[j] or (
                    sims[i] is not None
                    and sims[j] is not None
                    and dedup.hamming(sims[i], sims[j]) <= dedup.SIMHASH_THRESHOLD  # type: ignore[arg-type]
                )
                if same:
                    found[i] = out[j] or arts[j].id
                    break
        out.append(found.get(i) if found.get(i) != art.id else None)
    return out


def store_articles(
    con: duckdb.DuckDBPyConnection, articles: list[Article], run_id: str | None
) -> list[str]:
    """Insert the articles not stored yet (by id or URL); return the ids actually inserted.

    Each gets a content hash and a simhash, and `duplicate_of` pointing at the first
    stored copy of the same story, so counts of sources count stories, not URLs.
    """
    unique: dict[str, Article] = {}
    urls: set[str] = set()
    for art in articles:
        if art.id not in unique and art.url not in urls:
            unique[art.id] = art
            urls.add(art.url)
    if not unique:
        return []
    probe = pa.table(
        {
            "article_id": pa.array(list(unique), pa.string()),
            "url": pa.array([a.url for a in unique.values()], pa.string()),
        }
    )
    with transaction(con):
        with _registered(con, probe) as batch:
            existing = con.execute(
                f"SELECT b.article_id FROM {batch} b WHERE b.article_id IN (SELECT article_id FROM articles) "
                "OR b.url IN (SELECT url FROM articles)"
            ).fetchall()
        skip = {r[0] for r in existing}
        new = [a for a in unique.values() if a.id not in skip]
        if not new:
            return []
        hashes = [dedup.content_hash(a.text) for a in new]
        sims = [dedup.fingerprint(a.text) for a in new]
        originals = _find_originals(con, new, hashes, sims)
        table = pa.table(
            {
                "article_id": pa.array([a.id for a in new], pa.string()),
                "url": pa.array([a.url for a in new], pa.string()),
                "feed_url": pa.array([a.feed_url for a in new], pa.string()),
                "title": pa.array([a.title for a in new], pa.string()),
                "text": pa.array([a.text for a in new], pa.string()),
                "published": pa.array([utc_naive(a.published) for a in new], _TS),
                "author": pa.array([a.author for a in new], pa.string()),
                "site": pa.array([a.site for a in new], pa.string()),
                "language": pa.array([a.language for a in new], pa.string()),
                "extraction": pa.array([a.extraction for a in new], pa.string()),
                "fallback_reason": pa.array([a.fallback_reason for a in new], pa.string()),
                "raw_html_gz": pa.array([a.raw_html_gz for a in new], pa.binary()),
                "content_hash": pa.array(hashes, pa.string()),
                "simhash": pa.array(sims, pa.uint64()),
                "duplicate_of": pa.array(originals, pa.string()),
                "fetched_at": pa.array([utc_naive(a.fetched_at) for a in new], _TS),
                "first_run_id": pa.array([run_id] * len(new), pa.string()),
                "gate_version": pa.array(
                    [relevance.GATE_VERSION if a.extraction == "skipped" else None for a in new],
                    pa.string(),
                ),
                "evidence": pa.array([a.evidence for a in new], pa.string()),
            }
        )
        cols = ", ".join(_ARTICLE_COLS)
        with _registered(con, table) as batch:
            con.execute(f"INSERT INTO articles ({cols}) SELECT {cols} FROM {batch}")
        failpoint("store_articles.before_commit")
    return [a.id for a in new]


def unprocessed_articles(
    con: duckdb.DuckDBPyConnection,
    nlp_version: str,
    limit: int,
    *,
    include_older: bool = False,
    exclude: Collection[str] = (),
) -> list[Article]:
    """Articles the event stage has not run on (nlp_version NULL), oldest fetched first.

    A killed run resumes from exactly these. With include_older, articles processed by
    another nlp_version are returned too (a reprocess with a better model). `exclude`:
    article ids to pass over (those the event stage failed on earlier in this run: they
    stay unprocessed for the next run). Raw HTML is not loaded: the event stage needs
    only the text.
    """
    where = "(nlp_version IS NULL" + (" OR nlp_version <> ?)" if include_older else ")")
    params: list[Any] = [nlp_version] if include_older else []
    if exclude:
        where += " AND NOT list_contains(?, article_id)"
        params.append(sorted(exclude))
    rows = _rows(
        con,
        "SELECT article_id, url, title, text, published, feed_url, author, site, language, "
        "extraction, fallback_reason, fetched_at, evidence FROM articles "
        f"WHERE {where} ORDER BY fetched_at NULLS FIRST, article_id LIMIT ?",
        [*params, limit],
    )
    return [
        Article(
            id=r["article_id"],
            url=r["url"],
            title=r["title"] or "",
            text=r["text"] or "",
            published=utc_aware(r["published"]),
            feed_url=r["feed_url"],
            author=r["author"],
            site=r["site"],
            language=r["language"],
            extraction=r["extraction"],
            fallback_reason=r["fallback_reason"],
            fetched_at=utc_aware(r["fetched_at"]),
            evidence=r["evidence"] or "page",
        )  # fmt: skip
        for r in rows
    ]


# --- events ----------------------------------------------------------------------

_EVENT_COLS = (
    "event_id", "type", "date", "date_precision", "date_basis", "date_start", "actors",
    "commodities", "amount", "currency", "summary",
)  # fmt: skip
_SLACK = timedelta(days=dedup.PUBLISHED_SLACK_DAYS + 1)


def _date_range(value: str | None, precision: str | None) -> tuple[date, date] | None:
    d = PartialDate.parse(value, precision)
    return (d.start, d.end) if d else None


def _candidates(con: duckdb.DuckDBPyConnection, events: list[Event]) -> list[dict[str, Any]]:
    """Stored events that could absorb some event of the batch (same type, nearby dates)."""
    ranges = [r for e in events if (r := _date_range(e.date, e.date_precision))]
    if not ranges:
        return []
    lo = min(r[0] for r in ranges) - _SLACK
    hi = max(r[1] for r in ranges) + _SLACK
    types = sorted({e.type for e in events})
    return _rows(
        con,
        f"SELECT {', '.join(_EVENT_COLS)} FROM events "
        "WHERE type IN (SELECT unnest(?::VARCHAR[])) AND date_start <= ? "
        "AND date_start >= ? - CASE date_precision WHEN 'year' THEN INTERVAL 1 YEAR "
        "WHEN 'month' THEN INTERVAL 1 MONTH ELSE INTERVAL 0 DAY END "
        "ORDER BY first_seen, event_id",
        [types, hi, lo],
    )


def _event_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.table(
        {
            "event_id": pa.array([r["event_id"] for r in rows], pa.string()),
            "type": pa.array([r["type"] for r in rows], pa.string()),
            "date": pa.array([r["date"] for r in rows], pa.string()),
            "date_precision": pa.array([r["date_precision"] for r in rows], pa.string()),
            "date_basis": pa.array([r["date_basis"] for r in rows], pa.string()),
            "date_start": pa.array([dedup.date_start(r["date"]) for r in rows], pa.date32()),
            "actors": pa.array([list(r["actors"]) for r in rows], _STR_LIST),
            "commodities": pa.array([list(r["commodities"]) for r in rows], _STR_LIST),
            "amount": pa.array([r["amount"] for r in rows], pa.float64()),
            "currency": pa.array([r["currency"] for r in rows], pa.string()),
            "summary": pa.array([headline(r) for r in rows], pa.string()),
        }
    )


def _new_event_row(ev: Event, event_id: str, basis: str) -> dict[str, Any]:
    actors = [dedup.normalize_country(a) or a for a in ev.actors]
    return {
        "event_id": event_id,
        "type": ev.type,
        "date": ev.date,
        "date_precision": dedup.date_precision_of(ev.date, ev.date_precision),
        "date_basis": basis,
        "actors": list(dict.fromkeys(actors)),
        "commodities": list(dict.fromkeys(c.strip().lower() for c in ev.commodities)),
        "amount": ev.amount,
        "currency": ev.currency,
    }


def store_events(
    con: duckdb.DuckDBPyConnection,
    results: list[tuple[Article, list[Event]]],
    nlp_version: str,
    run_id: str | None,
    now: datetime | None = None,
    on_new: Callable[[duckdb.DuckDBPyConnection, list[dict[str, Any]]], Any] | None = None,
    *,
    mark_version: bool = True,
) -> StoreResult:
    """Merge a batch of extracted events into the warehouse, all or nothing.

    Each event either joins a stored real-world event (dedup.merge_target) or founds a
    new one; its mentions get deterministic ids so a re-run adds nothing twice; every
    article of the batch is marked processed with nlp_version (also those without
    events), so a killed run resumes exactly where it stopped. `on_new(con, events)`
    runs inside the same transaction with the new events' rows (the alert outbox
    uses it, so a new event and its alerts are committed together or not at all).
    mark_version False leaves the articles' nlp_version alone (a reprocess of some event
    types only has not re-read the articles for the others).
    """
    when = _now(now)
    result = StoreResult()
    if not results:
        return result
    article_ids = list(dict.fromkeys(a.id for a, _ in results))
    with transaction(con):
        with _registered(con, _ids_table(article_ids)) as batch:
            stored = {
                r[0]
                for r in con.execute(
                    f"SELECT id FROM {batch} SEMI JOIN articles ON id = article_id"
                ).fetchall()
            }
            seen = {
                r[0]
                for r in con.execute(
                    f"SELECT mention_id FROM event_mentions WHERE article_id IN (SELECT id FROM {batch})"
                ).fetchall()
            }
        missing = [i for i in article_ids if i not in stored]
        if missing:
            raise UnknownArticles(f"store the articles first (store_articles): {missing[:5]}")
        candidates: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for cand in _candidates(con, [e for _, evs in results for e in evs]):
            candidates.setdefault(dedup.bucket_key(cand), []).append(cand)
        by_id = {c["event_id"]: c for bucket in candidates.values() for c in bucket}
        created: dict[str, dict[str, Any]] = {}
        touched: set[str] = set()
        mentions: list[tuple[str, str, Event, Mention, str]] = []  # mention_id, event_id, ...
        for article, events in results:
            for ev in events:
                spans = ev.mentions or [Mention(sentence="", start=-1, end=-1, trigger="")]
                fresh = []
                for m in spans:
                    mid = dedup.mention_id(article.id, ev.type, m.start, nlp_version)
                    if mid not in seen:
                        seen.add(mid)
                        fresh.append((mid, m))
                if not fresh:
                    continue
                bucket = candidates.setdefault(dedup.bucket_key(ev), [])
                target = dedup.merge_target(ev, bucket, published=article.published)
                if target is None:
                    basis = dedup.date_basis(ev, article.published)
                    target = dedup.new_event_id(ev, fresh[0][0])
                    row = _new_event_row(ev, target, basis)
                    created[target] = by_id[target] = row
                    bucket.append(row)
                else:
                    key = dedup.event_key(ev, article.published)
                    merged = dedup.merged_fields(by_id[target], key, ev)
                    by_id[target].update(merged)
                    if target not in created:
                        touched.add(target)
                mentions.extend((mid, target, ev, m, article.id) for mid, m in fresh)
        _write_events(
            con, created, [by_id[i] for i in sorted(touched)], mentions, nlp_version, run_id, when
        )
        _mark_read(con, article_ids, nlp_version if mark_version else None)
        if on_new is not None and created:
            on_new(con, [dict(row) for row in created.values()])
        failpoint("store_events.before_commit")
    result.new_event_ids = list(created)
    result.updated_event_ids = sorted(touched)
    result.mentions_added = len(mentions)
    return result


def _mark_read(con: duckdb.DuckDBPyConnection, article_ids: list[str], nlp_version: str | None) -> None:
    """Mark the batch's articles as read by nlp_version (None: leave it) and give those read
    for the first time their place in the read order (`read_seq`, in the batch's order).

    Merging events is greedy (an event joins the closest stored one), so its result
    depends on the order articles are read in; a reprocess reads them in this order
    again, so it rebuilds the events the first reading found (flows/reprocess.py)."""
    base = con.execute("SELECT coalesce(max(read_seq), 0) FROM articles").fetchall()[0][0]
    order = pa.table(
        {
            "id": pa.array(article_ids, pa.string()),
            "seq": pa.array(range(base + 1, base + 1 + len(article_ids)), pa.int64()),
        }
    )
    version = "nlp_version = ?, " if nlp_version is not None else ""
    with _registered(con, order) as batch:
        con.execute(
            f"UPDATE articles SET {version}read_seq = coalesce(articles.read_seq, b.seq) "
            f"FROM {batch} b WHERE articles.article_id = b.id",
            [nlp_version] if nlp_version is not None else [],
        )


def _write_events(
    con: duckdb.DuckDBPyConnection,
    created: dict[str, dict[str, Any]],
    updated: list[dict[str, Any]],
    mentions: list[tuple[str, str, Event, Mention, str]],
    nlp_version: str,
    run_id: str | None,
    when: datetime,
) -> None:
    """The SQL half of store_events (inside its transaction)."""
    cols = ", ".join(_EVENT_COLS)
    if created:
        with _registered(con, _event_table(list(created.values()))) as batch:
            con.execute(
                f"INSERT INTO events ({cols}, first_seen, last_seen, first_run_id, source_count) "
                f"SELECT {cols}, ?, ?, ?, 0 FROM {batch}",
                [when, when, run_id],
            )
    if updated:
        sets = ", ".join(f"{c} = u.{c}" for c in _EVENT_COLS[1:])
        with _registered(con, _event_table(updated)) as batch:
            con.execute(
                f"UPDATE events SET {sets}, last_seen = ? FROM {batch} u "
                "WHERE events.event_id = u.event_id",
                [when],
            )
    if not mentions:
        return
    table = pa.table(
        {
            "mention_id": pa.array([m[0] for m in mentions], pa.string()),
            "event_id": pa.array([m[1] for m in mentions], pa.string()),
            "article_id": pa.array([m[4] for m in mentions], pa.string()),
            "type": pa.array([m[2].type for m in mentions], pa.string()),
            "date": pa.array([m[2].date for m in mentions], pa.string()),
            "date_precision": pa.array([m[2].date_precision for m in mentions], pa.string()),
            "actors": pa.array([list(m[2].actors) for m in mentions], _STR_LIST),
            "commodities": pa.array([list(m[2].commodities) for m in mentions], _STR_LIST),
            "amount": pa.array([m[2].amount for m in mentions], pa.float64()),
            "currency": pa.array([m[2].currency for m in mentions], pa.string()),
            "sentence": pa.array([m[3].sentence or None for m in mentions], pa.string()),
            "start_char": pa.array(
                [m[3].start if m[3].start >= 0 else None for m in mentions], pa.int32()
            ),
            "end_char": pa.array(
                [m[3].end if m[3].end >= 0 else None for m in mentions], pa.int32()
            ),
            "trigger": pa.array([m[3].trigger or None for m in mentions], pa.string()),
        }
    )
    mcols = (
        "mention_id, event_id, article_id, type, date, date_precision, actors, commodities, "
        "amount, currency, sentence, start_char, end_char, trigger"
    )
    event_ids = list(created) + [u["event_id"] for u in updated]
    with _registered(con, table) as batch:
        con.execute(
            f"INSERT INTO event_mentions ({mcols}, nlp_version, run_id, created_at) "
            f"SELECT {mcols}, ?, ?, ? FROM {batch}",
            [nlp_version, run_id, when],
        )
    # A retired event that is found again is current again.
    con.execute(
        "UPDATE events SET retired_by = NULL, retired_at = NULL "
        "WHERE retired_by IS NOT NULL AND event_id IN (SELECT unnest(?::VARCHAR[]))",
        [event_ids],
    )
    # Sources are stories: copies of one story (duplicate_of) count once. The event's
    # evidence is the best of its articles' (page > feed_text > headline).
    con.execute(
        """
        UPDATE events SET source_count = s.n, evidence = s.best
        FROM (SELECT m.event_id, count(DISTINCT coalesce(a.duplicate_of, a.article_id)) AS n,
                     CASE min(CASE a.evidence WHEN 'page' THEN 0 WHEN 'feed_text' THEN 1 ELSE 2 END)
                          WHEN 0 THEN 'page' WHEN 1 THEN 'feed_text' ELSE 'headline' END AS best
              FROM event_mentions m JOIN articles a ON a.article_id = m.article_id
              WHERE m.event_id IN (SELECT unnest(?::VARCHAR[]))
              GROUP BY m.event_id) s
        WHERE events.event_id = s.event_id
        """,
        [event_ids],
    )


def events_by_ids(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[dict[str, Any]]:
    """Full event rows for the alert stage, in timeline order (unknown ids are skipped)."""
    if not ids:
        return []
    rows = _rows(
        con,
        "SELECT * FROM events WHERE event_id IN (SELECT unnest(?::VARCHAR[])) "
        "ORDER BY date_start NULLS LAST, event_id",
        [list(ids)],
    )
    for r in rows:
        for col in ("first_seen", "last_seen"):
            r[col] = utc_aware(r[col])
    return rows
