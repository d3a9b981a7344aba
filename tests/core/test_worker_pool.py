"""The CPU backend's thread pool: every part runs once, on the workers, errors come back,
and re-entrant, concurrent and forked callers neither deadlock nor lose work."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from minigrad.worker_pool import WorkerPool


def _record(pool: WorkerPool, parts: list) -> dict:
    seen: dict = {}

    def fn(part):
        seen[part] = seen.get(part, 0) + 1, threading.get_ident()
    pool.run(fn, parts)
    return seen


def test_every_part_runs_once_and_the_handed_parts_on_other_threads():
    pool = WorkerPool()
    seen = _record(pool, [0, 1, 2, 3])
    assert sorted(seen) == [0, 1, 2, 3]
    assert all(count == 1 for count, _ in seen.values())
    assert seen[0][1] == threading.get_ident()
    workers = {seen[p][1] for p in (1, 2, 3)}
    assert len(workers) == 3 and threading.get_ident() not in workers
    assert pool.workers == 3


def test_the_pool_grows_and_reuses_its_threads():
    pool = WorkerPool()
    first = _record(pool, [0, 1])
    second = _record(pool, [0, 1, 2])
    assert pool.workers == 2
    assert second[1][1] == first[1][1]  # worker 0 served both calls


def test_an_error_in_a_worker_reaches_the_caller_and_the_pool_goes_on():
    pool = WorkerPool()

    def fn(part):
        if part == 2:
            raise ValueError("part 2 failed")
    with pytest.raises(ValueError, match="part 2 failed"):
        pool.run(fn, [0, 1, 2])
    assert sorted(_record(pool, [0, 1, 2])) == [0, 1, 2]


def test_an_error_in_the_callers_part_waits_for_the_workers_first():
    pool = WorkerPool()
    finished = []

    def fn(part):
        if part == 0:
            raise RuntimeError("caller's part failed")
        time.sleep(0.05)
        finished.append(part)
    with pytest.raises(RuntimeError, match="caller's part"):
        pool.run(fn, [0, 1])
    assert finished == [1]


def test_a_nested_call_runs_its_parts_in_place():
    pool = WorkerPool()
    inner: list = []
    lock = threading.Lock()

    def outer(part):
        def fn(p):
            with lock:
                inner.append((part, p))
        pool.run(fn, [0, 1])
    pool.run(outer, ["a", "b"])
    assert sorted(inner) == [("a", 0), ("a", 1), ("b", 0), ("b", 1)]


def test_two_calling_threads_both_get_all_their_parts_done():
    pool = WorkerPool()
    results: dict = {}

    def caller(name):
        done = []
        lock = threading.Lock()

        def fn(part):
            time.sleep(0.01)
            with lock:
                done.append(part)
        for _ in range(20):
            pool.run(fn, [0, 1, 2])
        results[name] = sorted(done)
    threads = [threading.Thread(target=caller, args=(n,)) for n in "xy"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == {n: sorted([0, 1, 2] * 20) for n in "xy"}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_starts_its_own_workers():
    pool = WorkerPool()
    _record(pool, [0, 1])  # the parent's worker exists before the fork
    pid = os.fork()
    if pid == 0:  # the child: without fresh workers this would wait forever
        signal.alarm(20)
        try:
            ok = sorted(_record(pool, [0, 1, 2])) == [0, 1, 2] and pool.workers == 2
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_an_interrupted_wait_retires_the_workers():
    """Ctrl-C while waiting leaves a worker possibly running: the next call must not hand
    tasks to it (its 'done' would be mistaken for the new task's)."""
    pool = WorkerPool()
    _record(pool, [0, 1])
    old_worker = pool._done[0]

    class Interrupted:
        def acquire(self):
            old_worker.acquire()
            raise KeyboardInterrupt
    pool._done[0] = Interrupted()
    with pytest.raises(KeyboardInterrupt):
        pool.run(lambda part: None, [0, 1])
    assert pool.workers == 0
    assert sorted(_record(pool, [0, 1])) == [0, 1]
    assert pool.workers == 1
