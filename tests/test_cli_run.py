"""The commands a new user types, run as subprocesses exactly as from a shell."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.webhook import webhook_fixture  # noqa: F401  (registered as `webhook`)

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reewatch(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=cwd or ROOT, env=full_env,
        capture_output=True, text=True, timeout=300,
    )


def counts(out: str) -> list[int]:
    """feeds polled, feeds failed, new articles, new events, alerts sent from the summary table."""
    row = next(line for line in out.splitlines() if re.match(r"^[│|]\s*\d+\s*[│|]", line))
    return [int(x) for x in re.findall(r"\d+", row)]


def test_demo_twice_then_nothing_new(tmp_path: Path, webhook) -> None:
    db = tmp_path / "demo.duckdb"
    port = str(free_port())
    env = {"REEWATCH_ALERT_URLS": webhook.url()}
    first = reewatch("demo", "--db", str(db), "--port", port, env=env)
    assert first.returncode == 0, first.stderr
    polled, failed, articles, events, sent = counts(first.stdout)
    assert polled == 4 and failed == 1 and articles >= 18 and events >= 8
    timeline = first.stdout.split("Timeline of new events")[1].split("Alerts")[0]
    assert len(re.findall(r"^\d{4}-\d{2}", timeline, re.M)) >= 8
    # One POST per new agreement event of the demo.
    agreements = len(re.findall(r"^\d{4}-\d{2}\S*\s+agreement\s", timeline, re.M))
    assert agreements >= 3 and sent == agreements == len(webhook.delivered)
    assert "Traceback" not in first.stdout + first.stderr
    assert "database is locked" not in first.stdout + first.stderr

    second = reewatch("demo", "--db", str(db), "--port", port, env=env)
    assert second.returncode == 0, second.stderr
    assert counts(second.stdout)[2:] == [0, 0, 0]
    assert "no new events" in second.stdout
    assert len(webhook.delivered) == agreements


def test_run_without_network_names_every_unreachable_feed(tmp_path: Path) -> None:
    dead = free_port()  # nothing listens here
    cfg = tmp_path / "reewatch.toml"
    cfg.write_text(
        f'[[feeds]]\nurl = "http://127.0.0.1:{dead}/rss"\nname = "Closed port"\n\n'
        '[[feeds]]\nurl = "https://no-such-host.invalid/feed"\nname = "Unresolvable"\n\n'
        '[[feeds]]\nurl = "http://10.255.255.1/feed"\nname = "Private address"\n\n'
        f'[fetch]\nallow_hosts = ["127.0.0.1:{dead}"]\nretries = 0\ntimeout = 3.0\n'
    )
    res = reewatch("run", "--config", str(cfg), "--db", str(tmp_path / "r.duckdb"))
    assert res.returncode == 0, res.stderr
    assert counts(res.stdout)[:2] == [3, 3]
    for name in ("Closed port", "Unresolvable", "Private address"):
        assert name in res.stdout
    assert "Traceback" not in res.stdout + res.stderr


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[fetch]\ntimeot = 1\n")
    res = reewatch("run", "--config", str(cfg))
    assert res.returncode == 2
    assert "configuration error" in res.stderr and "timeot" in res.stderr
    assert "Traceback" not in res.stderr


def test_extract_writes_format_lines_to_stdout_and_file(tmp_path: Path) -> None:
    import json

    src = tmp_path / "articles.jsonl"
    src.write_text(json.dumps({
        "id": "a1", "title": "Ottawa and Canberra sign minerals pact", "published": "2026-03-04",
        "text": "Canada and Australia signed a critical minerals agreement on Tuesday to develop "
                "rare earth processing, the two governments said.",
    }) + "\n" + json.dumps({"id": "a2", "title": "Rain at the weekend", "published": "2026-03-04",
                            "text": "Heavy rain is expected on Saturday across the region."}) + "\n")
    out = reewatch("extract", str(src))
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["a1", "a2"] and lines[1]["events"] == []
    (event,) = lines[0]["events"]
    assert event["type"] == "agreement" and sorted(event["actors"]) == ["AU", "CA"]
    assert event["date"] == "2026-03-03" and event["date_precision"] == "day"
    dest = tmp_path / "out.jsonl"
    assert reewatch("extract", str(src), "-o", str(dest)).returncode == 0
    assert [json.loads(x) for x in dest.read_text().splitlines()] == lines
