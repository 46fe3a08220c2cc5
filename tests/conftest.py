"""Shared fixtures: the shared/ data directory and one Prefect test server per session."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (gold sets, peer data); tests that need it skip on a user's clone."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (it ships with CI, not with a clone)")
    return SHARED


@pytest.fixture(scope="session")
def prefect_server():
    """A real, temporary Prefect API for flow runs (started once: it costs ~10 s)."""
    from flows import runtime

    runtime.configure()
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
