"""Issue 11, items 12 and 13: bad configuration, bad files, a full disk, no loopback.

Each is one clear line from the real `reewatch` command (a subprocess), never a
traceback. The full-disk and no-loopback cases need root's `unshare` (a private
mount namespace with a tiny tmpfs, an empty network namespace); they skip without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def reewatch(*args: str, prefix: tuple[str, ...] = (), env: dict[str, str] | None = None,
             timeout: float = 240) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    full_env.pop("PREFECT_API_URL", None) if env is None or "PREFECT_API_URL" not in env else None
    return subprocess.run([*prefix, sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def one_clear_line(res: subprocess.CompletedProcess, *words: str) -> str:
    out = res.stdout + res.stderr
    assert "Traceback" not in out, out[-3000:]
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, res.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# ---------------------------------------------------------------- 12. configuration

BAD_CONFIGS = [
    ('[fetch]\ntimeout = "20"\n', "[fetch] timeout", "not the string '20'"),
    ("article_batch = 0\n", "article_batch", "not 0"),
    ('[fetch]\nallow_hosts = "host"\n', "[fetch] allow_hosts", "list of strings"),
    ("[fetch]\nretries = -1\n", "[fetch] retries", "between 0 and 10"),
    ("[fetch]\nrespect_robots = 1\n", "[fetch] respect_robots", "true or false"),
    ("[fetch]\nmax_bytes = 1.5e12\n", "[fetch] max_bytes", "whole number"),
    ("[nlp]\nbatch_size = true\n", "[nlp] batch_size", "whole number"),
    ("[alerts]\nmax_attempts = 0\n", "[alerts] max_attempts", "between 1"),
    ('[[alerts.rules]]\nname = "x"\nmin_amount = "big"\n', "[[alerts.rules]] #0 min_amount", "a number"),
    ('[[feeds]]\nurl = "file:///etc/passwd"\n', "feeds[0] url", "http"),
    ("fetch = 3\n", "[fetch]", "table"),
    ("[database]\npath = 7\n", "[database] path", "a string"),
    ('page_retry_minutes = "soon"\n', "page_retry_minutes", "a number"),
]


@pytest.mark.parametrize(("toml", "key", "words"), BAD_CONFIGS, ids=[c[1] for c in BAD_CONFIGS])
def test_every_key_is_type_and_range_checked(tmp_path: Path, toml: str, key: str, words: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    message = str(info.value)
    assert key in message and words in message and "\n" not in message


def test_good_values_still_load(tmp_path: Path) -> None:
    cfg = tmp_path / "ok.toml"
    cfg.write_text('article_batch = 50\n[fetch]\ntimeout = 3\nallow_hosts = ["127.0.0.1:1"]\n'
                   "retries = 0\nper_host_delay = 0\n")
    s = load_settings(cfg)
    assert s.fetch.timeout == 3.0 and isinstance(s.fetch.timeout, float) and s.article_batch == 50


@pytest.mark.slow
def test_run_with_a_bad_key_stops_before_any_work(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[fetch]\ntimeout = "20"\n')
    db = tmp_path / "never.duckdb"
    start = time.monotonic()
    res = reewatch("run", "--config", str(cfg), "--db", str(db))
    assert res.returncode == 2
    one_clear_line(res, "configuration error", "[fetch] timeout")
    assert not db.exists() and time.monotonic() - start < 30


# ---------------------------------------------------------------- 12. bad files

@pytest.mark.slow
@pytest.mark.parametrize("kind", ["text", "truncated"])
def test_a_file_that_is_not_a_duckdb_warehouse_is_one_line(tmp_path: Path, kind: str) -> None:
    bad = tmp_path / "bad.duckdb"
    if kind == "text":
        bad.write_text("these are not the bytes of a database\n" * 100)
    else:
        from tests.test_cli_query import make_sample_db

        good = make_sample_db(tmp_path / "good.duckdb")
        data = good.read_bytes()
        bad.write_bytes(data[: len(data) // 3])
    for args in (("events", "--db", str(bad)), ("run", "--db", str(bad), "--config", str(_empty_config(tmp_path)))):
        res = reewatch(*args)
        assert res.returncode == 1, res.stderr
        one_clear_line(res, str(bad), "not a readable DuckDB warehouse")


@pytest.mark.slow
@pytest.mark.parametrize(("content", "words"), [
    (b'{"id": "a", "text": "ok"}\n{not json\n', ":2: not JSON"),
    (b'["a", "list"]\n', "JSON object"),
    (b'{"id": "a", "text": 5}\n', "'text' must be a string"),
    (b'{"id": "a", "text": "caf\xe9"}\n', "not UTF-8"),
    (b'{"id": "a", "published": "yesterday"}\n', "bad published date"),
])
def test_bad_extract_input_is_one_line(tmp_path: Path, content: bytes, words: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(content)
    res = reewatch("extract", str(src))
    assert res.returncode == 1
    one_clear_line(res, words)


def _empty_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "empty.toml"
    cfg.write_text("[[feeds]]\nurl = \"http://127.0.0.1:9/rss\"\nname = \"nothing\"\n"
                   "[fetch]\nallow_hosts = [\"127.0.0.1:9\"]\nretries = 0\ntimeout = 2.0\n")
    return cfg


# ---------------------------------------------------------------- 12. full disk, 13. no loopback

def _can(*cmd: str) -> bool:
    if shutil.which(cmd[0]) is None:
        return False
    try:
        return subprocess.run(cmd, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.slow
def test_a_full_disk_shows_no_space_left(tmp_path: Path) -> None:
    if not _can("unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs {tmp_path}"):
        pytest.skip("needs root's unshare -m and mount -t tmpfs")
    disk = tmp_path / "disk"
    disk.mkdir()
    cfg = _empty_config(tmp_path)
    # In a private mount namespace: a 2 MB tmpfs, filled but for a few KB, holds the database.
    script = (f"mount -t tmpfs -o size=2m tmpfs {disk} && "
              f"(head -c 2080000 /dev/zero > {disk}/filler || true) && "
              f'exec "$@"')
    res = reewatch("run", "--config", str(cfg), "--db", str(disk / "w.duckdb"),
                   prefix=("unshare", "-m", "sh", "-c", script, "sh"))
    assert res.returncode == 1, res.stdout + res.stderr
    one_clear_line(res, "No space left on device")


@pytest.mark.slow
def test_no_loopback_says_so_in_one_line_with_the_fix(tmp_path: Path) -> None:
    if not _can("unshare", "-n", "true"):
        pytest.skip("needs root's unshare -n (an empty network namespace)")
    start = time.monotonic()
    res = reewatch("run", "--config", str(_empty_config(tmp_path)), "--db", str(tmp_path / "w.duckdb"),
                   prefix=("unshare", "-n"))
    assert res.returncode == 1
    one_clear_line(res, "loopback", "PREFECT_API_URL", "ip link set lo up")
    assert time.monotonic() - start < 60  # not Prefect's 90 s startup timeout
