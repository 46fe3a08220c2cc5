"""Warehouse side of backfill and reprocess: selecting the archive, retiring events, progress.

Kept apart from warehouse/store.py (the daily run's writes) because these functions walk
the whole archive in keyset-paged shards (by article_id), so a run over millions of rows
holds one shard in memory, and a killed run can resume from the last committed shard.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from extractors import dedup
from extractors.types import Article
from warehouse.db import transaction
from warehouse.store import _now, _rows, utc_aware, utc_naive

RUN_KINDS = ("daily", "backfill", "reprocess")


def set_run_kind(con: duckdb.DuckDBPyConnection, run_id: str, kind: str) -> None:
    """Mark a run started by store.start_run as a backfill or reprocess run."""
    if kind not in RUN_KINDS:
        raise ValueError(f"run kind must be one of {RUN_KINDS}, not {kind!r}")
    con.execute("UPDATE runs SET kind = ? WHERE run_id = ?", [kind, run_id])


def first_daily_run(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the first daily run started: older events are history, not news to alert on."""
    rows = con.execute(
        "SELECT min(started_at) FROM runs WHERE coalesce(kind, 'daily') = 'daily' "
        "AND status IN ('completed', 'running')"
    ).fetchall()
    return utc_aware(rows[0][0]) if rows and rows[0][0] is not None else None


def alertable(events: list[dict[str, Any]], cutoff: datetime | None) -> list[dict[str, Any]]:
    """The new events dated on or after `cutoff` (none when no daily run ever ran)."""
    if cutoff is None:
        return []
    day = cutoff.date()
    out = []
    for ev in events:
        start = dedup.date_start(ev.get("date"))
        if start is not None and start >= day:
            out.append(ev)
    return out


def articles_behind(con: duckdb.DuckDBPyConnection, nlp_version: str) -> int:
    """Stored articles last read by another nlp_version (what `reewatch reprocess` would redo)."""
    rows = con.execute(
        "SELECT count(*) FROM articles WHERE nlp_version IS NOT NULL AND nlp_version <> ?",
        [nlp_version],
    ).fetchall()
    return int(rows[0][0])


_ARTICLE_SELECT = (
    "SELECT article_id, url, title, text, published, feed_url, author, site, language, "
    "extraction, fallback_reason, fetched_at"
)


def _article(r: dict[str, Any]) -> Article:
    return Article(
        id=r["article_id"], url=r["url"], title=r["title"] or "", text=r["text"] or "",
        published=utc_aware(r["published"]), feed_url=r["feed_url"], author=r["author"],
        site=r["site"], language=r["language"], extraction=r["extraction"],
        fallback_reason=r["fallback_reason"], fetched_at=utc_aware(r["fetched_at"]),
    )  # fmt: skip


def _since_clause(since: date | None) -> tuple[str, list[Any]]:
    if since is None:
        return "TRUE", []
    return "coalesce(published, fetched_at) >= ?", [datetime(since.year, since.month, since.day)]


# Where a walk over the archive in read order stands: (read position, article_id) of the
# last article returned. Articles never read (read_seq NULL) sort after every read one.
ReadCursor = tuple[int, str]
START: ReadCursor = (-1, "")
_UNREAD_LAST = 2**62


def articles_to_reprocess(
    con: duckdb.DuckDBPyConnection,
    nlp_version: str,
    *,
    after: ReadCursor = START,
    limit: int = 200,
    since: date | None = None,
    force: bool = False,
    only_unread: bool = False,
) -> tuple[list[Article], ReadCursor]:
    """The next shard of articles to re-read after `after`, and the cursor after it.

    Without force: those not yet read by `nlp_version` (NULL included: a reprocess also
    finishes what a killed daily run left; only_unread: NULL only, what a killed backfill
    left). The order is the order the articles were first read in (`read_seq`, migration
    0009), then article_id for those never read: events merge greedily, so reading in
    the first reading's order rebuilds its events, and the shards (and with them the
    events) are the same however many workers read them. An article read for the first
    time during the walk gets a read position below the cursor, so it is not met again.
    """
    since_sql, params = _since_clause(since)
    version = "TRUE" if force else "nlp_version IS DISTINCT FROM ?"
    vparams = [] if force else [nlp_version]
    if only_unread:
        version, vparams = "nlp_version IS NULL", []
    pos = f"coalesce(read_seq, {_UNREAD_LAST})"
    rows = _rows(
        con,
        f"{_ARTICLE_SELECT}, {pos} AS pos FROM articles "
        f"WHERE ({pos} > ? OR ({pos} = ? AND article_id > ?)) AND {version} AND {since_sql} "
        f"ORDER BY {pos}, article_id LIMIT ?",
        [after[0], after[0], after[1], *vparams, *params, limit],
    )
    cursor = (int(rows[-1]["pos"]), rows[-1]["article_id"]) if rows else after
    return [_article(r) for r in rows], cursor


def unread_ids(con: duckdb.DuckDBPyConnection, ids: list[str]) -> set[str]:
    """The subset of `ids` stored but not yet through the event stage (nlp_version NULL)."""
    if not ids:
        return set()
    rows = con.execute(
        "SELECT article_id FROM articles WHERE nlp_version IS NULL "
        "AND article_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids],
    ).fetchall()
    return {r[0] for r in rows}


def count_to_reprocess(
    con: duckdb.DuckDBPyConnection, nlp_version: str, *, since: date | None, force: bool
) -> int:
    since_sql, params = _since_clause(since)
    version = "TRUE" if force else "nlp_version IS DISTINCT FROM ?"
    vparams = [] if force else [nlp_version]
    rows = con.execute(
        f"SELECT count(*) FROM articles WHERE {version} AND {since_sql}", [*vparams, *params]
    ).fetchall()
    return int(rows[0][0])


def retire_events(
    con: duckdb.DuckDBPyConnection,
    nlp_version: str,
    reread: list[str] | None,
    *,
    types: list[str] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Retire the events that `nlp_version` no longer finds in any of their articles.

    An event is retired when it has no mention by `nlp_version` and every article it was
    found in has been re-read (is at `nlp_version`, or is in `reread`): the new model
    read all its sources and found it in none. `reread` None looks at every event (the
    sweep at the end of a reprocess, which also covers a run killed between a shard's
    store and its retirement); a list looks only at events of those articles.
    """
    if reread is not None and not reread:
        return []
    ids_sql = "?::VARCHAR[]" if reread is not None else "[]::VARCHAR[]"
    scope = (
        "AND e.event_id IN (SELECT event_id FROM event_mentions "
        "WHERE article_id IN (SELECT unnest(?::VARCHAR[])))" if reread is not None else ""
    )
    type_sql = "AND e.type IN (SELECT unnest(?::VARCHAR[]))" if types else ""
    params: list[Any] = [reread] if reread is not None else []
    params += [nlp_version, nlp_version]
    if reread is not None:
        params.append(reread)
    if types:
        params.append(types)
    rows = con.execute(
        f"""
        SELECT e.event_id FROM events e
        WHERE e.retired_by IS NULL {scope}
          AND NOT EXISTS (SELECT 1 FROM event_mentions m
                          WHERE m.event_id = e.event_id AND m.nlp_version = ?)
          AND NOT EXISTS (SELECT 1 FROM event_mentions m JOIN articles a USING (article_id)
                          WHERE m.event_id = e.event_id
                            AND a.nlp_version IS DISTINCT FROM ?
                            AND a.article_id NOT IN (SELECT unnest({ids_sql})))
          {type_sql}
        ORDER BY e.event_id
        """,
        params,
    ).fetchall()
    ids = [r[0] for r in rows]
    if ids:
        con.execute(
            "UPDATE events SET retired_by = ?, retired_at = ? "
            "WHERE event_id IN (SELECT unnest(?::VARCHAR[]))",
            [nlp_version, _now(now), ids],
        )
    return ids


# --- pages the markup gate skipped ---------------------------------------------------


@dataclass
class SkippedPage:
    """A stored page the markup gate judged with another vocabulary (raw HTML kept)."""

    article_id: str
    url: str
    title: str
    summary: str
    published: datetime | None
    feed_url: str | None
    html: bytes


def skipped_to_reread(
    con: duckdb.DuckDBPyConnection, gate_version: str, *, after: str = "", limit: int = 200,
    since: date | None = None,
) -> list[SkippedPage]:
    """The next shard of skipped pages whose gate_version differs from the current gate."""
    since_sql, params = _since_clause(since)
    rows = _rows(
        con,
        "SELECT article_id, url, title, text, published, feed_url, raw_html_gz FROM articles "
        "WHERE extraction = 'skipped' AND raw_html_gz IS NOT NULL AND article_id > ? "
        f"AND gate_version IS DISTINCT FROM ? AND {since_sql} ORDER BY article_id LIMIT ?",
        [after, gate_version, *params, limit],
    )
    out = []
    for r in rows:
        title = r["title"] or ""
        text = r["text"] or ""
        summary = text[len(title):].strip() if text.startswith(title) else text
        out.append(SkippedPage(
            article_id=r["article_id"], url=r["url"], title=title, summary=summary,
            published=utc_aware(r["published"]), feed_url=r["feed_url"],
            html=gzip.decompress(r["raw_html_gz"]),
        ))  # fmt: skip
    return out


def save_reread(
    con: duckdb.DuckDBPyConnection, pages: list[tuple[str, Article]], gate_version: str
) -> int:
    """Write re-read pages: still skipped -> new gate_version; extracted -> text, unprocessed.

    Returns how many pages now have extracted text (their nlp_version is NULL, so the
    event stage reads them next).
    """
    extracted = 0
    with transaction(con):
        for article_id, art in pages:
            if art.extraction == "skipped":
                con.execute(
                    "UPDATE articles SET gate_version = ? WHERE article_id = ?",
                    [gate_version, article_id],
                )
                continue
            extracted += 1
            con.execute(
                "UPDATE articles SET title = ?, text = ?, published = coalesce(?, published), "
                "author = ?, site = ?, language = ?, extraction = ?, fallback_reason = ?, "
                "content_hash = ?, simhash = ?, gate_version = NULL, nlp_version = NULL "
                "WHERE article_id = ?",
                [art.title, art.text, utc_naive(art.published), art.author, art.site,
                 art.language, art.extraction, art.fallback_reason,
                 dedup.content_hash(art.text), dedup.fingerprint(art.text), article_id],
            )
    return extracted


# --- backfill progress ---------------------------------------------------------------


@dataclass
class SourceProgress:
    source_key: str
    records_done: int = 0
    offset_done: int = 0
    relevant: int = 0
    articles: int = 0
    finished: bool = False


def source_key(kind: str, path: Path, gate_version: str) -> str:
    """Identity of one input file for resuming: its path and size, and the gate that read it."""
    p = path.resolve()
    raw = "|".join([kind, str(p), str(p.stat().st_size), gate_version])
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def load_progress(
    con: duckdb.DuckDBPyConnection, key: str, kind: str, location: str
) -> SourceProgress:
    """Where an earlier backfill of this file stopped (a new row for a new file)."""
    rows = con.execute(
        "SELECT records_done, offset_done, relevant, articles, finished_at FROM backfill_sources "
        "WHERE source_key = ?",
        [key],
    ).fetchall()
    if rows:
        done, offset, rel, arts, fin = rows[0]
        return SourceProgress(key, int(done), int(offset), int(rel), int(arts), fin is not None)
    now = _now(None)
    con.execute(
        "INSERT INTO backfill_sources (source_key, kind, location, started_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [key, kind, location, now, now],
    )
    return SourceProgress(key)


def save_progress(con: duckdb.DuckDBPyConnection, p: SourceProgress) -> None:
    """Record progress once a shard is stored (a kill in between re-reads that shard, and
    store_articles skips what it stored: nothing lands twice)."""
    now = _now(None)
    con.execute(
        "UPDATE backfill_sources SET records_done = ?, offset_done = ?, relevant = ?, "
        "articles = ?, updated_at = ?, finished_at = ? WHERE source_key = ?",
        [p.records_done, p.offset_done, p.relevant, p.articles, now,
         now if p.finished else None, p.source_key],
    )


def utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC)
