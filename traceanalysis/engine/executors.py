"""The executor seam: where a per-row stage's batches run (``--executor local|ray``).

An executor owns batching (one task per row group of the input Parquet file), the workers
and back-pressure (at most about ``2 x workers`` tasks in flight); a stage only gives a
picklable ``func`` (a module-level function in a :func:`functools.partial` with its
options). Every executor yields ``func(read_batch(path, i, columns))`` for each row group
``i`` in row-group order, whatever ``func`` returns (a frame, or a ``(frame, partial)``
tuple for a stage with ``combine``).

- ``local``: this machine's cores. One worker runs every batch in this process (no pool);
  more start worker processes (``spawn``: a fresh interpreter, nothing inherited, so no
  module-level state can leak into them) that each read their own row group and pickle
  the result back. A worker dies with its parent, even when the parent is SIGKILLed.
- ``ray``: Ray Data ``map_batches`` over the row groups (:mod:`.executor_ray`).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from traceanalysis.engine import store
from traceanalysis.errors import InputError

EXECUTORS = ("local", "ray")
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_WATCH_SECONDS = 0.5


class Executor(Protocol):
    """Runs ``func`` on every row group of a Parquet file; see the module docstring."""

    name: str
    workers: int

    def map(
        self, func: Callable[[pd.DataFrame], Any], path: Path, columns: Sequence[str]
    ) -> Iterator[Any]:
        """``func(read_batch(path, i, columns))`` for every row group ``i``, in order."""
        ...

    def close(self) -> None:
        """Stop every worker this executor started."""
        ...


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def make_executor(name: str = "local", workers: int | None = None) -> Executor:
    """The executor ``name`` ("local" or "ray") with ``workers`` workers (default: every
    available core for local; the Ray instance's CPUs for ray)."""
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    if name == "local":
        return LocalExecutor(workers)
    if name == "ray":
        from traceanalysis.engine.executor_ray import RayExecutor

        return RayExecutor(workers)
    raise InputError(f"unknown executor {name!r}; choose one of: {', '.join(EXECUTORS)}")


def _exit_if_orphaned(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(_WATCH_SECONDS)


def die_with_parent(parent: int, pdeathsig: bool) -> None:
    """Worker initializer: end this process when ``parent`` dies, however it dies.

    On Linux the kernel sends SIGKILL (``PR_SET_PDEATHSIG``) — only asked for when the
    parent started the worker from its main thread, because the signal follows the death
    of the starting *thread*. A daemon thread also polls the parent id, for other systems
    and for workers started from another thread. Signals meant for the parent's terminal
    group (Ctrl-C) are ignored: the parent decides when its workers stop.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if pdeathsig and sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)
    threading.Thread(target=_exit_if_orphaned, args=(parent,), daemon=True).start()


def _run_row_group(
    func: Callable[[pd.DataFrame], Any], path: Path, columns: list[str], index: int
) -> Any:
    return func(store.read_batch(path, index, columns))


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL every worker of ``pool`` (Python 3.14 has ``kill_workers``; 3.11 does not)."""
    kill = getattr(pool, "kill_workers", None)
    if kill is not None:
        kill()
        return
    for process in list((pool._processes or {}).values()):  # noqa: SLF001
        if process.is_alive():
            process.kill()


class LocalExecutor:
    """Row groups on this machine: in this process (one worker) or in worker processes."""

    name = "local"

    def __init__(self, workers: int | None = None):
        """``workers`` processes (default :func:`available_cores`); started on first use."""
        self.workers = workers or available_cores()
        self._pool: ProcessPoolExecutor | None = None

    def _started_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            main_thread = threading.current_thread() is threading.main_thread()
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=die_with_parent,
                initargs=(os.getpid(), main_thread),
            )
        return self._pool

    def map(
        self, func: Callable[[pd.DataFrame], Any], path: Path, columns: Sequence[str]
    ) -> Iterator[Any]:
        """``func`` on each row group of ``path`` (only ``columns``), results in order; at
        most ``2 x workers`` row groups submitted ahead of the one being yielded."""
        n = store.row_groups(path)
        if self.workers == 1:
            for i in range(n):
                yield func(store.read_batch(path, i, list(columns)))
            return
        pool = self._started_pool()
        task = partial(_run_row_group, func, Path(path), list(columns))
        window: deque[Future[Any]] = deque()
        ahead = 2 * self.workers
        try:
            for i in range(n):
                window.append(pool.submit(task, i))
                if len(window) >= ahead:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            for future in window:  # a failure or an abandoned iteration: drop the rest
                future.cancel()

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers (``kill``: at once, without waiting for running batches);
        returns when no worker process is left."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if kill:
            _kill_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close(kill=exc_type is not None)
