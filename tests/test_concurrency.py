"""Two processes, one DuckDB file: runs take turns, readers get a clear answer.

DuckDB allows one writer process per file, and a second process cannot even open
it read-only meanwhile. `run_pipeline` opens the warehouse with
`connect(wait=600)`, so a second run started during a first one waits for the
lock and then finds nothing new; a read-only command (`reewatch events`) does not
wait and says, in one line, which process holds the file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.demo import DemoServer
from tests.httpserver import TestServer
from tests.newsworld import NewsWorld, Story
from tests.test_crash import (
    REEWATCH,
    ROOT,
    SLOW_PAGE,
    _drip_page,
    child_env,
    demo_config,
    posted_alert_ids,
    snapshot,
)
from tests.webhook import WebhookReceiver

pytestmark = pytest.mark.slow


def start(cfg: Path, db: Path, out: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.crash_child", str(cfg), str(db), str(out)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def locked(db: Path) -> bool:
    """True while another process holds the file (DuckDB refuses even a read-only open)."""
    if not db.exists():
        return False
    try:
        duckdb.connect(str(db), read_only=True).close()
    except duckdb.IOException as exc:
        return "lock" in str(exc).lower()
    except duckdb.Error:
        return False  # a file still being created
    return False


def test_two_runs_at_once_take_turns(tmp_path: Path) -> None:
    """The second run waits for the first, then stores nothing twice and alerts nothing twice."""
    webhook = WebhookReceiver()
    webhook.start()
    try:
        with DemoServer() as server:
            db = tmp_path / "shared.duckdb"
            cfg = demo_config(server, db)
            env = child_env(None, webhook)
            outs = [tmp_path / "a.json", tmp_path / "b.json"]
            procs = [start(cfg, db, out, env) for out in outs]
            results = [p.communicate(timeout=180) for p in procs]
            always_failing = sum(
                1 for a in server.articles() if server.manifest["routes"][a["route"]].get("status", 200) >= 500
            )
            expected = len(server.articles()) - always_failing
    finally:
        webhook.stop()
    for proc, (_, stderr) in zip(procs, results, strict=True):
        assert proc.returncode == 0, stderr[-3000:]
        assert "Traceback" not in stderr
    summaries = [json.loads(out.read_text()) for out in outs]
    new = sorted(s["new_articles"] for s in summaries)
    assert new == [0, expected], summaries
    assert sorted(len(s["new_events"]) for s in summaries)[0] == 0
    got = snapshot(db)  # integrity, no duplicate articles / mentions / alerts, all processed
    assert len(got.urls) == expected
    assert max(got.events.values()) == 1, "an event stored twice"
    ids = posted_alert_ids(webhook)
    assert ids and len(ids) == len(set(ids)) == len(got.alert_status)
    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute("SELECT status FROM runs").fetchall()
    finally:
        con.close()
    assert runs == [("completed",), ("completed",)]


def test_read_only_command_during_a_run_says_who_holds_the_file(tmp_path: Path) -> None:
    """`reewatch events` while a run holds the lock: one clear line and exit 1, no traceback."""
    server = TestServer()
    world = NewsWorld(server)
    world.add(Story("quaywire", "pact", "Norway and Estonia sign rare earth pact",
                    datetime(2026, 3, 3, 9, tzinfo=UTC),
                    ["Norway and Estonia signed a rare earth supply agreement on Monday.",
                     "The agreement runs for five years and covers magnet metals."]))
    world.add(Story("quaywire", "slow-story", "Talks drag on", datetime(2026, 3, 9, 9, tzinfo=UTC), ["x"]))
    server.handler(SLOW_PAGE, _drip_page)
    webhook = WebhookReceiver()
    webhook.start()
    try:
        db = tmp_path / "busy.duckdb"
        cfg = world.write_config(tmp_path / "busy.toml", db)
        cfg.write_text(cfg.read_text().replace("timeout = 5.0", "timeout = 8.0"), encoding="utf-8")
        proc = start(cfg, db, tmp_path / "run.json", child_env(None, webhook))
        deadline = time.monotonic() + 60
        while server.count(SLOW_PAGE) == 0:  # the run holds the file and waits on the slow page
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the run never reached the slow page"
            time.sleep(0.05)
        assert locked(db)
        t0 = time.monotonic()
        reader = subprocess.run(
            [str(REEWATCH), "events", "--db", str(db)],
            cwd=ROOT, env=child_env(None, webhook), capture_output=True, text=True, timeout=60,
        )
        took = time.monotonic() - t0
        still_running = proc.poll() is None
        _, run_err = proc.communicate(timeout=60)
    finally:
        server.close()
        webhook.stop()
    assert still_running, "the run ended before the reader asked: the test proved nothing"
    assert reader.returncode == 1, (reader.returncode, reader.stdout, reader.stderr)
    assert "Traceback" not in reader.stderr + reader.stdout
    message = " ".join(reader.stderr.split())
    assert "another reewatch run" in message and f"(process {proc.pid})" in message, message
    assert "wait for it or use another --db" in message
    assert took < 8, "a read-only command must not wait for the run"
    assert proc.returncode == 0, run_err[-3000:]
    # ...and once the run is over the same command answers.
    after = subprocess.run([str(REEWATCH), "events", "--db", str(db)], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert after.returncode == 0, after.stderr
