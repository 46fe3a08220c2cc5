"""Child processes for the crash and concurrency tests: real pipeline runs, without Prefect.

    python -m tests.crash_child CONFIG DB [SUMMARY_JSON]
    python -m tests.crash_child --zygote

The first form runs `flows.daily.run_pipeline` once on the settings of CONFIG against
DB, with the Prefect tasks swapped for their plain functions (`task.fn`): a task called
outside a flow would start Prefect's ephemeral API (~13 s), and the code under test is
the plain core (one crash test goes through the real `reewatch run` instead). With
REEWATCH_FAILPOINT set the process dies by SIGKILL at that point (flows/failpoints.py);
otherwise it writes the run summary as JSON to SUMMARY_JSON (when given) and exits 0.
A DatabaseLocked error exits 3 with one clear line on stderr, like `reewatch run`.

Importing Prefect and loading spaCy cost ~5 s per process, more than a run of the
demo world. `--zygote` pays them once: it reads one JSON request per line on stdin
(`{"config", "db", "out", "env", "log"}`, optional `"kill_after"` seconds), forks a fresh process per request (a real
process: its own pid, its own DuckDB instance, killed by a real SIGKILL), answers
`{"pid": N}` at once and `{"returncode": R}` when the run ends (R = -9 after SIGKILL,
like subprocess). The zygote itself never opens the database and starts no threads,
so forking it is safe.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

EXIT_LOCKED = 3


def _prepare() -> Any:
    from flows import runtime

    runtime.configure()
    from flows import daily

    for name in ("poll_feeds_task", "fetch_articles_task", "detect_events_task", "deliver_alerts_task"):
        setattr(daily, name, getattr(daily, name).fn)
    return daily


def run_once(daily: Any, config: Path, db: Path, out: Path | None) -> int:
    """One pipeline run; the exit code the tests expect."""
    from flows.config import load_settings
    from warehouse.db import DatabaseLocked

    settings = load_settings(config, db)
    try:
        summary = daily.run_pipeline(settings)
    except DatabaseLocked as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_LOCKED
    if out is not None:
        out.write_text(json.dumps(summary.as_dict(), default=str), encoding="utf-8")
    return 0


def _forked(daily: Any, request: dict[str, Any]) -> None:
    """In the forked child: own output files, the request's environment, one run, exit."""
    try:
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        for key in [k for k in os.environ if k.startswith("REEWATCH_")]:
            del os.environ[key]
        os.environ.update(request.get("env") or {})
        from flows import failpoints

        failpoints.reload()
        out = Path(request["out"]) if request.get("out") else None
        code = run_once(daily, Path(request["config"]), Path(request["db"]), out)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _wait(pid: int, kill_after: float | None) -> int:
    """waitpid; with kill_after, SIGKILL the child after that many seconds if still running.

    The zygote kills (not the test) because only it knows the pid is not yet reaped,
    so the signal can never reach a recycled pid.
    """
    if kill_after is None:
        return os.waitpid(pid, 0)[1]
    deadline = time.monotonic() + kill_after
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def zygote() -> int:
    """Serve fork requests from stdin until it closes (see the module docstring)."""
    daily = _prepare()
    daily.get_extractor()  # spaCy loaded once, inherited by every fork
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _forked(daily, request)
        print(json.dumps({"pid": pid}), flush=True)
        status = _wait(pid, request.get("kill_after"))
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(json.dumps({"returncode": code}), flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--zygote"]:
        return zygote()
    config, db = Path(argv[0]), Path(argv[1])
    out = Path(argv[2]) if len(argv) > 2 else None
    return run_once(_prepare(), config, db, out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
