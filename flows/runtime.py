"""Quiet, predictable Prefect defaults for a command-line run.

Import this module before `prefect`. It only sets a value when the user has not
set it, so a real Prefect server / profile (PREFECT_API_URL) still wins.
"""

from __future__ import annotations

import logging
import os

_DEFAULTS = {
    # No telemetry calls from a machine that may have no internet.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The ephemeral server's background services are not needed for one run and
    # are what prints "database is locked" tracebacks on exit (Prefect #18934).
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_REPOSSESSOR_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}

_NOISE = ("database is locked", "Failed to send telemetry", "Starting temporary server",
          "Stopping temporary server", "prefect.io/docs/v3/concepts/server")


class _DropNoise(logging.Filter):
    """Drop the ephemeral server's known-harmless chatter, keep everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a broken record is not ours to judge
            return True
        if record.exc_info and record.exc_info[1] is not None and "database is locked" in str(record.exc_info[1]):
            return False
        return not any(n in msg for n in _NOISE)


def configure(quiet: bool = True) -> None:
    """Set Prefect environment defaults and, when quiet, keep logs to warnings."""
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    noise = _DropNoise()
    for name in ("prefect", "prefect.server", "prefect.server.services", "prefect.flow_runs",
                 "prefect.task_runs", "uvicorn", "uvicorn.error", "sqlalchemy", "aiosqlite", ""):
        logging.getLogger(name).addFilter(noise)


def install_handler_filters() -> None:
    """After Prefect has configured logging, attach the filter to its handlers too."""
    noise = _DropNoise()
    for logger in [logging.getLogger(), *[logging.getLogger(n) for n in logging.root.manager.loggerDict]]:
        for handler in getattr(logger, "handlers", []):
            if not any(isinstance(f, _DropNoise) for f in handler.filters):
                handler.addFilter(noise)
