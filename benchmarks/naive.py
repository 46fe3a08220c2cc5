"""Baselines that reewatch's design claims to beat, measured in the same run.

- naive NLP: the full spaCy pipeline on every article, one `nlp(text)` call each,
  no relevance gate; the rules then run through the extractor on that single
  article. The extractor has no entry point for rules over a whole-article Doc,
  so the baseline pays the full parse (what a naive design spends) and takes its
  events from `extract([article])`: events must equal the batched, gated run's.
- row-by-row inserts: `executemany` of event mentions against the Arrow path
  that warehouse.store uses (`store._write_events`).
(The per-task Prefect baseline needs Prefect's API and runs in benchmarks.pipeline.)
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors.types import Article, Event, Mention


@dataclass
class NlpComparison:
    articles: int
    words: int
    gated_s: float
    naive_s: float
    gated_events: int
    naive_events: int
    identical: bool
    differing_articles: int


def words(articles: Sequence[Article]) -> int:
    """Whitespace words of title + text: the unit of the words/s figures."""
    return sum(len((a.title or "").split()) + len((a.text or "").split()) for a in articles)


def _key(events: list[Event]) -> list[tuple[Any, ...]]:
    return [
        (e.type, e.date, e.date_precision, tuple(e.actors), tuple(e.commodities), e.amount,
         e.currency, tuple((m.start, m.end, m.trigger) for m in e.mentions))
        for e in events
    ]


def compare_nlp(extractor: Any, articles: Sequence[Article], batch: int = 200) -> NlpComparison:
    """Gated, batched extraction vs the naive per-article full parse, on the same articles."""
    articles = list(articles)
    t0 = time.perf_counter()
    gated: list[list[Event]] = []
    for start in range(0, len(articles), batch):
        gated += extractor.extract(articles[start:start + batch])
    gated_s = time.perf_counter() - t0
    nlp = extractor.nlp
    t0 = time.perf_counter()
    naive: list[list[Event]] = []
    for art in articles:
        nlp(((art.title or "") + "\n" + (art.text or ""))[:1_000_000])  # full pipeline, every article
        naive.append(extractor.extract([art])[0])
    naive_s = time.perf_counter() - t0
    diff = sum(_key(a) != _key(b) for a, b in zip(gated, naive, strict=True))
    return NlpComparison(
        articles=len(articles), words=words(articles), gated_s=gated_s, naive_s=naive_s,
        gated_events=sum(map(len, gated)), naive_events=sum(map(len, naive)),
        identical=diff == 0, differing_articles=diff,
    )


# ------------------------------------------------------------------ inserts
def synthetic_mentions(n: int, seed: int = 7) -> list[tuple[str, str, Event, Mention, str]]:
    """(mention_id, event_id, Event, Mention, article_id) tuples as store._write_events takes them."""
    rng = random.Random(seed)
    types = ("export_control", "agreement", "investment", "talks", "trade_measure")
    out = []
    for i in range(n):
        ev = Event(types[i % len(types)], f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", "day",
                   ["CN", "US"][: 1 + i % 2], ["rare earths"], None if i % 3 else 1e9, None if i % 3 else "USD")
        m = Mention(f"Synthetic sentence number {i} about rare earths.", rng.randrange(5000), 0, "signed/deal")
        m.end = m.start + 48
        out.append((f"m{i:012d}", f"e{i // 4:010d}", ev, m, f"a{i // 3:011d}"))
    return out


def compare_inserts(db_dir: Path, n_rows: int) -> dict[str, float]:
    """Seconds for n_rows event mentions: executemany row by row vs the store's Arrow path."""
    from warehouse import store
    from warehouse.db import connect, transaction

    rows = synthetic_mentions(n_rows)
    when = datetime.now(UTC).replace(tzinfo=None)
    cols = ("mention_id, event_id, article_id, type, date, date_precision, actors, commodities, "
            "amount, currency, sentence, start_char, end_char, trigger, nlp_version, run_id, created_at")
    out: dict[str, float] = {"rows": float(n_rows)}
    for name in ("executemany", "arrow"):
        path = db_dir / f"inserts-{name}.duckdb"
        for p in (path, path.with_suffix(".duckdb.wal")):
            p.unlink(missing_ok=True)
        con = connect(path)
        try:
            t0 = time.perf_counter()
            if name == "executemany":
                params = [
                    [mid, eid, aid, e.type, e.date, e.date_precision, e.actors, e.commodities,
                     e.amount, e.currency, m.sentence, m.start, m.end, m.trigger, "bench", "run", when]
                    for mid, eid, e, m, aid in rows
                ]
                with transaction(con):
                    con.executemany(
                        f"INSERT INTO event_mentions ({cols}) VALUES ({', '.join('?' * 17)})", params
                    )
            else:
                with transaction(con):
                    store._write_events(con, {}, [], rows, "bench", "run", when)
            out[f"{name}_s"] = time.perf_counter() - t0
            count = con.execute("SELECT count(*) FROM event_mentions").fetchall()[0][0]
            if count != n_rows:
                raise RuntimeError(f"{name} inserted {count} rows, expected {n_rows}")
        finally:
            con.close()
        for p in (path, path.with_suffix(".duckdb.wal")):
            p.unlink(missing_ok=True)
    return out
