"""A few threads that share one array operation at a time with the calling thread.

The CPU backend's ``parallel_for`` splits large elementwise work (ReLU, pooling, im2col
copies) over the cores, a dozen times per training step of the lesson CNN. What such a
hand-off costs is the time for a sleeping thread to wake up: on the 2-core VM this was
written on, ~40 us at best and ~115 us typically for a bare lock, and ~55 / ~180 us through
``concurrent.futures`` (a Future, a queue and a condition variable per task). So each
worker here waits on a lock of its own, and the caller releases it with the task in place.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Callable


class WorkerPool:
    """``run(fn, parts)``: ``fn(parts[0])`` on the calling thread, the other parts on workers.

    One caller at a time: a second thread that calls ``run`` while the pool is busy (or a
    ``fn`` that calls it again) runs its parts itself, one after the other, rather than wait.
    Workers are daemon threads, started when first needed, and afresh in a forked child
    (which inherits none of them).
    """

    def __init__(self) -> None:
        self._busy = threading.Lock()
        self._pid: int | None = None   # the process whose workers the lists below hold

    @property
    def workers(self) -> int:
        """How many worker threads are running (in this process)."""
        return len(self._go) if self._pid == os.getpid() else 0

    def _ensure(self, count: int) -> None:
        """At least ``count`` workers, each with its own pair of locks and slot in the lists."""
        if self._pid != os.getpid():
            self._go: list = []      # held = "no task for me"
            self._done: list = []    # held = "my task is not finished"
            self._tasks: list = []
            self._errors: list = []
            self._pid = os.getpid()
        while len(self._go) < count:
            go, done = threading.Lock(), threading.Lock()
            go.acquire()
            done.acquire()
            self._go.append(go)
            self._done.append(done)
            self._tasks.append(None)
            self._errors.append(None)
            # The thread keeps its own locks and lists: a later generation never sees it.
            threading.Thread(target=self._work, name=f"minigrad-{len(self._go)}", daemon=True,
                             args=(len(self._go) - 1, go, done, self._tasks,
                                   self._errors)).start()

    @staticmethod
    def _work(i: int, go: Any, done: Any, tasks: list, errors: list) -> None:
        while True:
            go.acquire()
            fn, part = tasks[i]
            tasks[i] = None
            try:
                fn(part)
            except BaseException as exc:  # handed to the caller, which re-raises it
                errors[i] = exc
            finally:
                done.release()

    def run(self, fn: Callable[[Any], Any], parts: list) -> None:
        """Call ``fn`` once for every element of ``parts``, in parallel, and return when all
        are done; re-raise the first exception raised."""
        if not self._busy.acquire(blocking=False):
            for part in parts:
                fn(part)
            return
        try:
            handed = parts[1:]
            self._ensure(len(handed))
            for i, part in enumerate(handed):
                self._tasks[i] = (fn, part)
                self._go[i].release()
            try:
                fn(parts[0])
            finally:
                self._wait(len(handed))
            errors = [self._errors[i] for i in range(len(handed))]
            self._errors[:len(handed)] = [None] * len(handed)
            for error in errors:
                if error is not None:
                    raise error
        finally:
            self._busy.release()

    def _wait(self, count: int) -> None:
        """Wait for the first ``count`` workers. If the wait itself is interrupted (Ctrl-C),
        those workers may still be running: start fresh ones next time rather than hand out
        tasks that would race with them."""
        try:
            for i in range(count):
                self._done[i].acquire()
        except BaseException:
            self._pid = None
            raise
