"""Reprocess on a real Dask cluster on loopback (`dask scheduler` + 2 `dask worker`):
the same events as in one process, and still the same when a worker is SIGKILLed in the
middle of a shard (Dask gives the shard to the other worker; nothing lost or twice)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.warehouse_query import q

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")
METALS = ["gallium", "germanium", "antimony", "graphite", "tungsten", "cobalt"]
PARTNERS = ["Japan", "the United States", "Germany", "Korea", "India"]


def corpus(n: int) -> list[dict]:
    """Articles in the `reewatch extract` input format, written for this test."""
    base = datetime(2023, 7, 3, tzinfo=UTC)
    out = []
    for i in range(n):
        metal, partner = METALS[i % len(METALS)], PARTNERS[i % len(PARTNERS)]
        day = base + timedelta(days=3 * i)
        if i % 2:
            text = (f"{partner} and Australia signed a critical minerals agreement on {day:%A} covering "
                    f"{metal} supply, the trade ministers said.\n\nThe pact sets up joint refining projects.")
            title = f"{partner} and Australia sign {metal} pact"
        else:
            text = (f"China's commerce ministry on {day:%A} imposed export controls on {metal}, "
                    f"requiring a licence for shipments to {partner}.\n\nTraders expect prices to rise.")
            title = f"China curbs {metal} exports"
        out.append({"id": f"t{i:03d}", "url": f"https://wire.example/{i}", "title": title, "text": text,
                    "published": day.date().isoformat()})
    return out


def events(db: Path) -> set[tuple]:
    return {(t, d, tuple(sorted(a)), tuple(sorted(c)), n) for t, d, a, c, n in
            q(db, "select type, date, actors, commodities, source_count from event_timeline")}


def mentions(db: Path) -> list[tuple]:
    return q(db, "select article_id, type, start_char, nlp_version from event_mentions order by 1, 2, 3")


@pytest.fixture()
def cluster(prefect_server, tmp_path):
    """`dask scheduler` and two `dask worker`s on 127.0.0.1 (ephemeral ports); worker 0 is
    armed to SIGKILL itself inside its first NLP shard."""
    from prefect.settings import PREFECT_API_URL

    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sched_file)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    deadline = time.monotonic() + 60
    while not sched_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    address = json.loads(sched_file.read_text())["address"]

    def worker(extra_env: dict[str, str]) -> subprocess.Popen:
        return subprocess.Popen([str(DASK), "worker", address, "--nthreads", "1", "--no-nanny",
                                 "--no-dashboard", "--host", "127.0.0.1", "--memory-limit", "1.5GiB"],
                                cwd=ROOT, env={**env, **extra_env},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    workers = [worker({"REEWATCH_FAILPOINT": "shards.nlp"}), worker({})]
    procs += workers
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
    try:
        yield address, workers
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=10)


def test_reprocess_on_dask_same_events_even_when_a_worker_dies(cluster, tmp_path: Path) -> None:
    from flows.backfill import backfill
    from flows.reprocess import reprocess

    address, workers = cluster
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in corpus(24)), encoding="utf-8")
    cfg = tmp_path / "small.toml"
    cfg.write_text("article_batch = 3\n", encoding="utf-8")
    base = tmp_path / "base.duckdb"
    backfill(config=str(cfg), db=str(base), jsonl=[str(src)])
    con = duckdb.connect(str(base))  # the archive as an older model left it: no events yet
    con.execute("delete from event_mentions; delete from events; update articles set nlp_version = 'test-old'")
    con.close()
    one, many = tmp_path / "one.duckdb", tmp_path / "many.duckdb"
    shutil.copy(base, one)
    shutil.copy(base, many)

    single = reprocess(config=str(cfg), db=str(one))
    spread = reprocess(config=str(cfg), db=str(many), dask_address=address)

    assert workers[0].wait(timeout=5) == -9, "the armed worker died mid-shard (SIGKILL)"
    assert single["articles"] == spread["articles"] == 24
    assert spread["failed_shards"] == 0 and spread["errors"] == 0
    assert len(events(one)) >= 8
    assert events(many) == events(one)
    assert mentions(many) == mentions(one)
    assert q(many, "select count(*) - count(distinct mention_id) from event_mentions")[0][0] == 0

    # The daily run's event stage on the same cluster (one worker left): same events as here.
    from flows.daily import daily
    from tests.httpserver import TestServer
    from tests.newsworld import NewsWorld
    from tests.test_reprocess import STORIES

    server = TestServer()
    world = NewsWorld(server)
    for s in STORIES:
        world.add(s)
    here, there = tmp_path / "here.duckdb", tmp_path / "there.duckdb"
    try:
        a = daily(config=str(world.write_config(tmp_path / "a.toml", here)), db=str(here))
        b = daily(config=str(world.write_config(tmp_path / "b.toml", there)), db=str(there),
                  dask_address=address)
    finally:
        server.close()
    assert a["processed_articles"] == b["processed_articles"] == 3 and b["nlp_errors"] == 0
    assert events(there) == events(here) and len(events(here)) >= 2
