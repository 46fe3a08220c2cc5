"""Test-only fault injection: SIGKILL this process at a named point of the pipeline.

Crash safety is only proven by crashing. Like TiKV's `fail_point!` or FoundationDB's
`BUGGIFY`, the code carries a few named points (`failpoint("store_events.before_commit")`)
that do nothing in production and, when a test asks for it, kill the process with a
real SIGKILL exactly there: no `finally`, no `ROLLBACK`, no flush, the same as the OOM
killer or a pulled plug, but at a precise and repeatable place.

Enable one point per process through the environment, read once at import:

    REEWATCH_FAILPOINT=fetch.after_batch        die on the first hit
    REEWATCH_FAILPOINT=fetch.after_batch:2      die on the 2nd hit (earlier hits pass)

When the variable is unset, `failpoint()` is one comparison against None. Tests that
set the variable in-process call `reload()`. Never set it in production.
"""

from __future__ import annotations

import os
import signal

ENV = "REEWATCH_FAILPOINT"


class FailpointSpecError(ValueError):
    """REEWATCH_FAILPOINT is not `name` or `name:N` with N >= 1."""


def _parse(value: str | None) -> tuple[str, int] | None:
    if not value:
        return None
    name, sep, nth = value.strip().partition(":")
    if not sep:
        return name, 1
    try:
        n = int(nth)
    except ValueError:
        n = 0
    if not name or n < 1:
        raise FailpointSpecError(f"{ENV}={value!r}: use `name` or `name:N` with N >= 1")
    return name, n


_ARMED: tuple[str, int] | None = _parse(os.environ.get(ENV))
_hits = 0


def reload() -> tuple[str, int] | None:
    """Re-read REEWATCH_FAILPOINT (for tests that change it in-process); resets the hit count."""
    global _ARMED, _hits
    _ARMED = _parse(os.environ.get(ENV))
    _hits = 0
    return _ARMED


def failpoint(name: str) -> None:
    """SIGKILL this process if `name` is the armed point and this is its N-th hit; else nothing."""
    global _hits
    if _ARMED is None or _ARMED[0] != name:
        return
    _hits += 1
    if _hits >= _ARMED[1]:
        os.kill(os.getpid(), signal.SIGKILL)
