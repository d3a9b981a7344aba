"""``DataLoader(num_workers=N)``: batches are loaded ahead of the training step, in threads.

Why threads rather than PyTorch's processes: a minigrad batch is a few NumPy/CuPy calls (one
fancy index, a copy to the device, whole-batch transforms) that release the GIL, so threads
overlap it with the training step without pickling the dataset or copying batches between
processes, and they work the same on every platform.

When they pay: only with cores the training step leaves idle (or slow reads, such as files).
On the 2-core test machine the lesson CNN's step, which already keeps both cores busy, was
10-26% slower with one or two workers (``benchmarks/bench_dataloader.py --workers``).

Why the batches do not depend on thread timing: each batch gets its own random generator,
seeded in the main thread, in batch order, from the loader's stream. A worker's random
transforms draw from that generator (``batch_generator``), never from the global one that
the model's dropout also draws from. So the batches are the same for any ``num_workers >= 1``
and however the threads are scheduled.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Optional


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` tells code running in a worker (PyTorch's fields)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_local = threading.local()  # .info: this worker's WorkerInfo; .generator: its batch's generator


def get_worker_info() -> Optional[WorkerInfo]:
    """This worker's ``WorkerInfo`` inside a DataLoader worker, ``None`` in the main thread
    (as PyTorch's ``torch.utils.data.get_worker_info``)."""
    return getattr(_local, "info", None)


def batch_generator() -> Any:
    """The random generator of the batch this thread is loading; ``None`` outside a worker.
    Transforms called without a generator draw from it."""
    return getattr(_local, "generator", None)


def load_ahead(jobs: Iterable[tuple], load: Callable[..., Any], *, num_workers: int, depth: int,
               timeout: float, worker_init_fn: Optional[Callable[[int], Any]], dataset: Any,
               base_seed: int) -> Iterator[Any]:
    """``load(*job)`` for every job, run by ``num_workers`` threads at most ``depth`` jobs ahead,
    yielded in job order. A job's last item is its batch generator. An exception in a worker
    comes out here, unchanged; leaving the loop early stops the workers."""
    ids, lock = itertools.count(), threading.Lock()

    def start() -> None:  # once in each worker thread, before its first job
        with lock:
            worker = next(ids)
        _local.info = WorkerInfo(worker, num_workers, base_seed + worker, dataset)
        if worker_init_fn is not None:
            worker_init_fn(worker)

    def run(*job: Any) -> Any:
        _local.generator = job[-1]
        try:
            return load(*job)
        finally:
            _local.generator = None

    pool = ThreadPoolExecutor(max_workers=num_workers, thread_name_prefix="minigrad-data",
                              initializer=start)
    pending: deque = deque()
    try:
        for job in jobs:
            pending.append(pool.submit(run, *job))
            if len(pending) >= depth:
                yield _result(pending.popleft(), timeout)
        while pending:
            yield _result(pending.popleft(), timeout)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _result(future: Any, timeout: float) -> Any:
    try:
        return future.result(timeout=timeout if timeout > 0 else None)
    except FutureTimeout:
        raise RuntimeError(f"DataLoader timed out after {timeout} seconds waiting for a batch "
                           "from its workers (timeout=)") from None
