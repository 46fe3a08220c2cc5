"""The Prefect part of the benchmark, run in a child process of its own.

Why a child: peak resident memory (ru_maxrss) must be the pipeline's alone, not
the benchmark driver's with its corpus and spaCy copies; and Prefect's
ephemeral API is started once here for all flow measurements.

Phases (results as JSON in --out):
1. warm-up: a trivial flow starts Prefect's ephemeral API (its startup is reported
   on its own line, not hidden in the first flow's wall time);
2. backfill: `flows.daily.daily` over every feed of the loopback site;
3. nothing new: the same flow again (feeds answer 304, no page, no NLP);
4. per-task baseline: one Prefect task per article vs reewatch's batch task vs
   the plain function, on a sample of stored articles.

Time inside the plain functions is measured by wrapping them (monkeypatching
in this process only): Prefect's share = flow wall time minus that time.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows import runtime

runtime.configure()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NONE  # noqa: E402


@dataclass
class Timers:
    """Seconds spent in each wrapped callable, and how often it was called."""

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)

    def wrap(self, name: str, fn: Callable[..., Any], count_arg: int | None = None) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
                self.calls[name] = self.calls.get(name, 0) + 1
                if count_arg is not None and len(args) > count_arg:
                    self.items[name] = self.items.get(name, 0) + len(args[count_arg])

        return timed

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()
        self.items.clear()

    def plain_seconds(self) -> float:
        """Time in plain code: run_pipeline minus its task calls plus the functions inside them."""
        s = self.seconds
        tasks = sum(v for k, v in s.items() if k.startswith("task:"))
        inner = sum(v for k, v in s.items() if k.startswith("fn:"))
        return s.get("run_pipeline", 0.0) - tasks + inner

    def snapshot(self) -> dict[str, Any]:
        return {"seconds": dict(self.seconds), "calls": dict(self.calls), "items": dict(self.items)}


TIMERS = Timers()


def install_timers() -> None:
    """Wrap run_pipeline, its Prefect tasks and the plain functions inside them."""
    import extractors.events as events_mod
    import flows.alerts as alerts_mod
    import flows.daily as daily

    daily.run_pipeline = TIMERS.wrap("run_pipeline", daily.run_pipeline)
    for name in ("poll_feeds_task", "fetch_articles_task", "detect_events_task", "deliver_alerts_task"):
        setattr(daily, name, TIMERS.wrap(f"task:{name}", getattr(daily, name)))
    daily.poll_feeds = TIMERS.wrap("fn:poll_feeds", daily.poll_feeds)
    daily.fetch_articles = TIMERS.wrap("fn:fetch_articles", daily.fetch_articles, count_arg=0)
    alerts_mod.deliver_alerts = TIMERS.wrap("fn:deliver_alerts", alerts_mod.deliver_alerts)
    # the task body calls get_extractor().extract(...): patch the class, not an instance,
    # so spaCy still loads inside the flow (its first use) as in a real run
    events_mod.EventExtractor.extract = TIMERS.wrap(  # type: ignore[method-assign]
        "fn:extract", events_mod.EventExtractor.extract, count_arg=1
    )


def _server(base_url: str, path: str) -> dict[str, int]:
    with urllib.request.urlopen(base_url + path, timeout=10) as resp:  # noqa: S310 - loopback
        return json.loads(resp.read())


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _run_daily(config: Path, db: Path, server: str) -> dict[str, Any]:
    import flows.daily as daily

    TIMERS.reset()
    _server(server, "/__reset")
    t0 = time.perf_counter()
    summary = daily.daily(config=str(config), db=str(db))
    wall = time.perf_counter() - t0
    plain = TIMERS.plain_seconds()
    return {
        "wall_s": wall,
        "plain_s": plain,
        "run_pipeline_s": TIMERS.seconds.get("run_pipeline", 0.0),
        "prefect_s": wall - plain,
        "prefect_share": (wall - plain) / wall if wall else 0.0,
        "timers": TIMERS.snapshot(),
        "server": _server(server, "/__stats"),
        "new_articles": summary["new_articles"],
        "processed_articles": summary["processed_articles"],
        "new_events": len(summary["new_events"]),
        "feeds_polled": summary["feeds_polled"],
        "feeds_not_modified": summary["feeds_not_modified"],
        "feeds_failed": len(summary["feeds_failed"]),
        "article_errors": summary["article_errors"],
        "fallback_articles": summary["fallback_articles"],
        "nlp_calls": TIMERS.calls.get("fn:extract", 0),
        "nlp_articles": TIMERS.items.get("fn:extract", 0),
        "maxrss_mb": _maxrss_mb(),
    }


def _sample_articles(db: Path, n: int) -> list[Any]:
    """A mixed sample of stored articles (ordered by id, which is a hash: no topic order)."""
    from extractors.types import Article
    from warehouse.db import connect
    from warehouse.store import utc_aware

    con = connect(db, read_only=True, wait=30)
    try:
        rows = con.execute(
            "SELECT article_id, url, title, text, published FROM articles "
            "ORDER BY article_id LIMIT ?", [n]
        ).fetchall()
    finally:
        con.close()
    return [Article(id=r[0], url=r[1], title=r[2] or "", text=r[3] or "",
                    published=utc_aware(r[4])) for r in rows]


_SAMPLE: list[Any] = []


@task(name="bench-extract-one", cache_policy=NONE)
def _extract_one(article: Any) -> list[Any]:
    from flows.daily import get_extractor

    return get_extractor().extract([article])[0]


@flow(name="bench-task-per-article")
def _per_article_flow(n: int) -> int:
    futures = _extract_one.map(_SAMPLE[:n])
    return sum(len(f.result()) for f in futures)


@flow(name="bench-batch-tasks")
def _batch_flow(n: int, batch: int) -> int:
    import flows.daily as daily

    total = 0
    for start in range(0, n, batch):
        total += sum(len(e) for e in daily.detect_events_task(_SAMPLE[start:start + batch]))
    return total


def per_task_baseline(db: Path, n: int, batch: int) -> dict[str, Any]:
    """One task per article vs reewatch's batch tasks vs no Prefect at all, same articles."""
    from flows.daily import get_extractor

    _SAMPLE[:] = _sample_articles(db, n)
    n = len(_SAMPLE)
    ext = get_extractor()
    ext.extract(_SAMPLE[: min(5, n)])  # warm caches outside the timings
    t0 = time.perf_counter()
    plain_events = sum(len(e) for start in range(0, n, batch) for e in ext.extract(_SAMPLE[start:start + batch]))
    plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    batch_events = _batch_flow(n, batch)
    batched = time.perf_counter() - t0
    t0 = time.perf_counter()
    per_events = _per_article_flow(n)
    per_article = time.perf_counter() - t0
    return {
        "articles": n, "batch": batch, "plain_s": plain, "batch_flow_s": batched,
        "per_article_flow_s": per_article, "events": [plain_events, batch_events, per_events],
    }


@flow(name="bench-warm-up")
def _warm() -> int:
    return 1


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="reewatch benchmark: Prefect flow measurements")
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--server", required=True, help="base URL of the benchmark server")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--batch", type=int, default=200)
    a = ap.parse_args(argv)
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    _warm()
    runtime.install_handler_filters()
    out["prefect_startup_s"] = time.perf_counter() - t0
    out["maxrss_before_mb"] = _maxrss_mb()
    install_timers()
    out["backfill"] = _run_daily(a.config, a.db, a.server)
    out["nothing_new"] = _run_daily(a.config, a.db, a.server)
    out["per_task"] = per_task_baseline(a.db, a.sample, a.batch)
    a.out.write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
