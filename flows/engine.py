"""Where the CPU-heavy shards run: this process, local Dask workers, or a Dask cluster.

`--workers 1` (the default) runs shard tasks in a thread of the flow's own process;
`--workers N` starts a temporary local Dask cluster of N single-threaded worker
processes; `--dask-address tcp://HOST:PORT` uses a running cluster (`dask scheduler` +
`dask worker`). All three are Prefect task runners (prefect-dask's DaskTaskRunner for
the last two), so every shard is a Prefect task run.

Results are taken in submission order (`ordered`), whatever order shards finish in:
the flow writes shard k before shard k+1, so events and their ids do not depend on the
number of workers. A bounded window of shards in flight keeps memory flat.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# A Dask worker that goes past this is restarted by its nanny (its shard is retried
# elsewhere): spaCy plus one shard of 200 pages needs ~400 MB.
WORKER_MEMORY_LIMIT = "1.5GiB"

# Dask workers sample their own stacks every 10 ms for the dashboard's profile page: on
# the local cluster of `--workers N` nobody looks at it, and it costs each worker ~1% of a
# core. (For `dask worker`, the README sets the same through DASK_DISTRIBUTED__WORKER__...)
LOCAL_WORKER_CONFIG = {"distributed.worker.profile.enabled": False}


class EngineError(ValueError):
    """Bad --workers / --dask-address values."""


@dataclass(frozen=True)
class Engine:
    """How to run shards; a plain value so flows can take it as parameters."""

    workers: int = 1
    dask_address: str | None = None
    memory_limit: str = WORKER_MEMORY_LIMIT

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise EngineError(f"--workers must be at least 1, not {self.workers}")
        if self.dask_address and not self.dask_address.startswith(("tcp://", "tls://", "inproc://")):
            raise EngineError(f"--dask-address must look like tcp://HOST:PORT, not {self.dask_address!r}")

    @property
    def distributed(self) -> bool:
        return bool(self.dask_address) or self.workers > 1

    def window(self) -> int:
        """Shards in flight at once: two per worker keeps every worker busy."""
        return 8 if self.dask_address else max(2, 2 * self.workers)

    def task_runner(self) -> Any:
        """The Prefect task runner for this engine."""
        if not self.distributed:
            from prefect.task_runners import ThreadPoolTaskRunner

            return ThreadPoolTaskRunner(max_workers=1)
        from prefect_dask import DaskTaskRunner

        if self.dask_address:
            return DaskTaskRunner(address=self.dask_address)
        import dask

        dask.config.set(LOCAL_WORKER_CONFIG)  # the nannies hand this process's config to their workers
        return DaskTaskRunner(cluster_kwargs={
            "n_workers": self.workers, "threads_per_worker": 1, "processes": True,
            "memory_limit": self.memory_limit, "dashboard_address": None,
            "host": "127.0.0.1",
        })  # fmt: skip


def _load_model() -> str:
    from flows.daily import get_extractor

    return get_extractor().nlp_version


def _import_tasks() -> bool:
    import flows.shards  # noqa: F401 - the import is the point

    return True


def warm_up(engine: Engine) -> list[str]:
    """Before the first shard (inside the flow whose task runner is the engine), load the
    model on every Dask worker at once, else each worker's first shard waits 2-10 s for
    spaCy while the others run; and import the shard tasks on the scheduler, which
    unpickles every submitted task and would otherwise import Prefect (4 CPU-s on these
    cores) while the first shards run. Returns the workers' nlp_versions."""
    if not engine.distributed:
        return []
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    if ctx is None:
        return []
    client = ctx.task_runner.client  # DaskTaskRunner connects on first use of its client
    client.run_on_scheduler(_import_tasks)
    return sorted(set(client.run(_load_model).values()))


def ordered(
    submit: Callable[[Any], Any], shards: Iterable[Any], window: int
) -> Iterator[tuple[Any, Any, BaseException | None]]:
    """Submit shards, keep `window` in flight, yield (shard, result, error) in shard order.

    `submit(shard)` returns a Prefect future. A shard whose task failed for good (its
    retries spent, or Dask gave up after workers died on it) is yielded with its error
    so the caller records it and goes on.
    """
    pending: deque[tuple[Any, Any]] = deque()

    def take() -> tuple[Any, Any, BaseException | None]:
        shard, fut = pending.popleft()
        try:
            return shard, fut.result(), None
        except Exception as exc:  # noqa: BLE001 - a failed shard is data, the run goes on
            return shard, None, exc

    for shard in shards:
        pending.append((shard, submit(shard)))
        if len(pending) >= window:
            yield take()
    while pending:
        yield take()
