"""Stage measurements that need no Prefect: extraction, warehouse size, query latency.

The query figures use a synthetic warehouse of N event mentions built through
Arrow (realistic shapes: ~4 mentions per event, ~3 per article, a year of daily
runs), because no benchmark run can produce a million real mentions in minutes.
"""

from __future__ import annotations

import gzip
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from benchmarks.corpus import Corpus
from extractors.types import Article, FeedEntry

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ extraction
@dataclass
class ExtractionResult:
    pages: int
    seconds: float
    fallbacks: int
    articles: list[Article]


def extraction(corpus: Corpus, n_pages: int, base_url: str = "http://127.0.0.1:8") -> ExtractionResult:
    """trafilatura stage alone: extract_article on rendered page bytes (no network, one thread)."""
    from extractors.articles import extract_article

    step = max(1, len(corpus.items) // max(1, n_pages))
    chosen = corpus.items[::step][:n_pages]
    pages = [(it, corpus.render_page(it)) for it in chosen]  # rendering is not timed
    out = []
    t0 = time.perf_counter()
    for it, body in pages:
        url = base_url + it.route
        entry = FeedEntry("bench:feed", url, it.title, corpus.summary(it), it.published)
        out.append(extract_article(body, url, "text/html", "utf-8", entry))
    seconds = time.perf_counter() - t0
    return ExtractionResult(len(pages), seconds, sum(a.extraction == "feed" for a in out), out)


# ------------------------------------------------------------------ warehouse
def db_size_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(str(path) + ".wal")) if p.exists())


def stored_articles(db: Path, limit: int | None = None) -> list[Article]:
    """Articles of a finished backfill (title, full text, date) for the NLP comparisons.

    Pages the markup gate kept out of text extraction are extracted here from their stored
    HTML: the naive baseline stands for a design that extracts and parses every page, and
    both sides of the comparison must read the same texts.
    """
    from extractors.articles import extract_article
    from warehouse.db import connect
    from warehouse.store import utc_aware

    con = connect(db, read_only=True, wait=60)
    try:
        sql = ("SELECT article_id, url, title, text, published, extraction, raw_html_gz, feed_url "
               "FROM articles ORDER BY article_id")
        rows = con.execute(sql + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
    finally:
        con.close()
    out = []
    for aid, url, title, text, published, extraction, raw, feed_url in rows:
        art = Article(id=aid, url=url, title=title or "", text=text or "", published=utc_aware(published))
        if extraction == "skipped" and raw:
            entry = FeedEntry(feed_url or "", url, title or "", "", art.published)
            full = extract_article(gzip.decompress(raw), url, "text/html", None, entry, extract_all=True)
            art.text = full.text
        out.append(art)
    return out


def archive_stats(db: Path) -> dict[str, Any]:
    from warehouse.db import connect

    con = connect(db, read_only=True, wait=60)
    try:
        n, words, raw, text = con.execute(
            "SELECT count(*), coalesce(sum(len(string_split(coalesce(title,'') || ' ' || "
            "coalesce(text,''), ' '))), 0), coalesce(sum(octet_length(raw_html_gz)), 0), "
            "coalesce(sum(strlen(text)), 0) FROM articles"
        ).fetchall()[0]
        mentions = con.execute("SELECT count(*) FROM event_mentions").fetchall()[0][0]
        events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        dups = con.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchall()[0][0]
        skipped = con.execute("SELECT count(*) FROM articles WHERE extraction = 'skipped'").fetchall()[0][0]
    finally:
        con.close()
    return {"articles": n, "words": words, "raw_html_gz_bytes": raw, "text_bytes": text,
            "mentions": mentions, "events": events, "duplicates": dups, "skipped": skipped,
            "bytes": db_size_bytes(db)}


# ------------------------------------------------------------------ synthetic archive
_TYPES = ("export_control", "export_control_easing", "agreement", "investment", "trade_measure",
          "production_quota", "stockpile", "talks", "industrial_policy")
_COUNTRIES = ("CN", "US", "JP", "AU", "EU", "CA", "KR", "IN", "DE", "MY", "VN", "BR", "ZA", "CL", "ID")
_COMMODITIES = ("rare earths", "critical minerals", "gallium", "germanium", "graphite", "lithium",
                "cobalt", "antimony", "dysprosium", "magnets")


def build_synthetic(path: Path, n_mentions: int, today: date, seed: int = 11) -> dict[str, Any]:
    """A warehouse with n_mentions mentions over a year of runs, inserted through Arrow."""
    from warehouse.db import connect

    for p in (path, Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)
    rng = random.Random(seed)
    n_events = max(1, n_mentions // 4)
    n_articles = max(1, n_mentions // 3)
    n_runs = 365
    now = datetime.combine(today, datetime.min.time())
    run_ids = [f"run{r:05d}" for r in range(n_runs)]
    t0 = time.perf_counter()
    con = connect(path)
    try:
        con.register("runs_in", pa.table({
            "run_id": run_ids,
            "started_at": pa.array([now - timedelta(days=n_runs - r) for r in range(n_runs)], pa.timestamp("us")),
        }))
        con.execute("INSERT INTO runs (run_id, started_at, finished_at, status) "
                    "SELECT run_id, started_at, started_at + INTERVAL 5 MINUTE, 'completed' FROM runs_in")
        con.unregister("runs_in")
        # events: dated over three years, first seen in runs in date order (as the archive grows)
        ev_run = sorted(rng.randrange(n_runs) for _ in range(n_events))
        starts = [today - timedelta(days=(n_runs - r) + rng.randrange(-20, 30)) - timedelta(days=730 * (rng.random() < 0.3)) for r in ev_run]
        actors = [sorted(set(rng.sample(_COUNTRIES, rng.randint(1, 3)) + (["CN"] if rng.random() < 0.3 else []))) for _ in range(n_events)]
        comms = [rng.sample(_COMMODITIES, rng.randint(1, 2)) for _ in range(n_events)]
        types = [rng.choice(_TYPES) for _ in range(n_events)]
        ids = [f"{i:016x}" for i in range(n_events)]
        seen = [now - timedelta(days=n_runs - r) for r in ev_run]
        events = pa.table({
            "event_id": ids, "type": types,
            "date": [d.isoformat() for d in starts],
            "date_precision": ["day"] * n_events, "date_basis": ["explicit"] * n_events,
            "date_start": pa.array(starts, pa.date32()),
            "actors": pa.array(actors, pa.list_(pa.string())),
            "commodities": pa.array(comms, pa.list_(pa.string())),
            "amount": pa.array([rng.choice([None, None, 1e8, 2.5e9]) for _ in range(n_events)], pa.float64()),
            "currency": pa.array([None] * n_events, pa.string()),
            "summary": [f"{t} {', '.join(a)} {', '.join(c)}" for t, a, c in zip(types, actors, comms, strict=True)],
            "first_seen": pa.array(seen, pa.timestamp("us")), "last_seen": pa.array(seen, pa.timestamp("us")),
            "first_run_id": [run_ids[r] for r in ev_run],
            "source_count": pa.array([rng.randint(1, 6) for _ in range(n_events)], pa.int32()),
        })
        con.register("events_in", events)
        con.execute("INSERT INTO events BY NAME SELECT * FROM events_in")
        con.unregister("events_in")
        arts = pa.table({
            "article_id": [f"a{i:015x}" for i in range(n_articles)],
            "url": [f"https://news.example/{i}" for i in range(n_articles)],
            "title": [f"Article {i}" for i in range(n_articles)],
            "extraction": ["page"] * n_articles,
        })
        con.register("arts_in", arts)
        con.execute("INSERT INTO articles BY NAME SELECT * FROM arts_in")
        con.unregister("arts_in")
        chunk = 250_000
        for lo in range(0, n_mentions, chunk):
            hi = min(n_mentions, lo + chunk)
            ev = [i // 4 % n_events for i in range(lo, hi)]
            m = pa.table({
                "mention_id": [f"m{i:015x}" for i in range(lo, hi)],
                "event_id": [ids[e] for e in ev],
                "article_id": [f"a{(i // 3) % n_articles:015x}" for i in range(lo, hi)],
                "type": [types[e] for e in ev],
                "date": [starts[e].isoformat() for e in ev],
                "date_precision": ["day"] * (hi - lo),
                "actors": pa.array([actors[e] for e in ev], pa.list_(pa.string())),
                "commodities": pa.array([comms[e] for e in ev], pa.list_(pa.string())),
                "sentence": [f"Synthetic trigger sentence {i} about {comms[e][0]}." for i, e in zip(range(lo, hi), ev, strict=True)],
                "start_char": pa.array([i % 4000 for i in range(lo, hi)], pa.int32()),
                "end_char": pa.array([i % 4000 + 80 for i in range(lo, hi)], pa.int32()),
                "trigger": ["signed/agreement"] * (hi - lo),
                "nlp_version": ["synthetic"] * (hi - lo),
                "run_id": [run_ids[ev_run[e]] for e in ev],
                "created_at": pa.array([seen[e] for e in ev], pa.timestamp("us")),
            })
            con.register("m_in", m)
            con.execute("INSERT INTO event_mentions BY NAME SELECT * FROM m_in")
            con.unregister("m_in")
        con.execute("CHECKPOINT")
        count = con.execute("SELECT count(*) FROM event_mentions").fetchall()[0][0]
    finally:
        con.close()
    return {"mentions": count, "events": n_events, "articles": n_articles,
            "build_s": time.perf_counter() - t0, "bytes": db_size_bytes(path)}


def _median_ms(fn: Any, repeat: int) -> tuple[float, int]:
    fn()  # warm: first read of the file's pages
    times, rows = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = len(fn())
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), rows


def query_latency(path: Path, today: date, repeat: int = 5, cli_repeat: int = 3) -> dict[str, Any]:
    """list_events(new=True) and a 30-day China timeline: in-process, and the CLI in a subprocess."""
    from warehouse import queries
    from warehouse.db import connect

    since = today - timedelta(days=30)
    con = connect(path, read_only=True)
    try:
        new_ms, new_rows = _median_ms(lambda: queries.list_events(con, new=True), repeat)
        tl_ms, tl_rows = _median_ms(lambda: queries.timeline(con, since=since, country="CN"), repeat)
    finally:
        con.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "160"}
    cli = {
        "events_new": ["events", "--new", "--db", str(path)],
        "timeline": ["timeline", "--since", since.isoformat(), "--country", "CN", "--db", str(path)],
    }
    out: dict[str, Any] = {"new_ms": new_ms, "new_rows": new_rows, "timeline_ms": tl_ms,
                           "timeline_rows": tl_rows, "since": since.isoformat()}
    script = Path(sys.executable).parent / "reewatch"  # the installed console script
    base = [str(script)] if script.exists() else [sys.executable, "-c", "from flows.cli import app; app()"]
    for name, args in cli.items():
        times = []
        for _ in range(cli_repeat):
            t0 = time.perf_counter()
            proc = subprocess.run([*base, *args], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)
            times.append((time.perf_counter() - t0) * 1000)
            if proc.returncode != 0:
                raise RuntimeError(f"reewatch {' '.join(args)} failed: {proc.stderr[-1000:]}")
        out[f"cli_{name}_ms"] = statistics.median(times)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import flows.cli"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    out["cli_import_ms"] = (time.perf_counter() - t0) * 1000
    return out


def today_utc() -> date:
    return datetime.now(UTC).date()
