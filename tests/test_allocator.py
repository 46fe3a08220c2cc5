"""flows.allocator: a Dask worker's frozen malloc thresholds are relaxed, nothing else is touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.allocator import keep_batches_on_heap

ROOT = Path(__file__).resolve().parents[1]

# Allocates and frees 1 MiB blocks amid live data, as spaCy does per batch; counts page faults.
_CHILD = """
import json, resource, sys
from flows.allocator import keep_batches_on_heap
relaxed = keep_batches_on_heap() if sys.argv[1] == "relax" else False
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
first = bytearray(1 << 20)
guard = bytearray(1 << 20)  # live data above it on the heap, as in a real batch
del first
for _ in range(400):
    block = bytearray(1 << 20)
    del block
print(json.dumps({"relaxed": relaxed, "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before}))
"""


def _faults(mode: str) -> dict[str, object]:
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536", "PYTHONPATH": str(ROOT)}
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    out = subprocess.run([sys.executable, "-c", _CHILD, mode], env=env, capture_output=True, text=True,
                         check=True, timeout=60)
    return json.loads(out.stdout)


def test_no_tunable_in_the_environment_leaves_glibc_alone() -> None:
    assert keep_batches_on_heap(env={}) is False
    assert keep_batches_on_heap(env={"PATH": "/usr/bin"}) is False


def test_a_threshold_the_user_chose_is_kept() -> None:
    assert keep_batches_on_heap(env={"MALLOC_TRIM_THRESHOLD_": "65536", "MALLOC_MMAP_THRESHOLD_": "131072"}) is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux only")
def test_under_a_dask_nanny_setting_large_blocks_stop_faulting_in_again() -> None:
    frozen, relaxed = _faults("keep"), _faults("relax")
    if not relaxed["relaxed"]:
        pytest.skip("this libc has no mallopt(M_MMAP_THRESHOLD) (not glibc)")
    # frozen: each 1 MiB block is a fresh mmap, 256 pages faulted in per block
    assert frozen["faults"] > 400 * 200
    assert relaxed["faults"] < frozen["faults"] / 10
