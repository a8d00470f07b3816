"""A pool of worker processes that grades jobs with a per-item deadline.

Each worker holds one job at a time, so the parent knows when every job started. Inside,
the worker stops an item after ``timeout`` CPU seconds. A worker that has not answered
after ``timeout`` plus a grace period of wall-clock time (its signal could not interrupt a
long C-level computation) is killed and replaced; its job gets status ``timeout``. The
grace (default ``max(2 s, 2 x timeout)``) leaves room for a loaded machine, where wall
time runs ahead of CPU time. A worker that dies mid-job is replaced and the job is tried
once more in a fresh worker; a second death on the same job, or a worker that cannot
start, raises :class:`~traceanalysis.errors.GradingWorkerError` — never a verdict.

Workers are forked from a forkserver that has math-verify preloaded, so starting or
replacing one costs milliseconds and never copies the parent's threads. The workers need
nothing from the caller's ``__main__`` (their code, jobs and outcomes live in this
package), so it is hidden from them while they start: grading works from ``python -``,
``python -c``, notebooks and scripts without ``if __name__ == "__main__"``.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading
import time
import types
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait

from traceanalysis.errors import GradingWorkerError
from traceanalysis.grading.verifier import Job, Outcome, worker_entry, worker_main

_PRELOAD = ["traceanalysis.grading.verifier", "traceanalysis.grading._forkserver_warmup"]
# seconds for a worker to report ready (the first one also starts the forkserver)
STARTUP_TIMEOUT = 180.0
_MAIN_LOCK = threading.Lock()


@contextmanager
def _without_main_module():
    """Hide ``__main__`` while a worker starts, so multiprocessing does not re-import it in
    the child: ``<stdin>`` cannot be re-imported, and a script without a main guard would
    run again. The workers never need it."""
    with _MAIN_LOCK:
        saved = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = saved


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    job: Job | None = None
    started: float = 0.0


class _AffinityQueue:
    """Jobs grouped by gold; a worker keeps to its group, so one process warms the sympy
    and parser caches for a problem's answers instead of every process doing it again.
    A worker whose group is done takes the next group, or finishes another worker's."""

    def __init__(self, jobs: Iterable[Job]):
        groups: dict[str | None, deque[Job]] = {}
        for job in jobs:
            groups.setdefault(job.gold, deque()).append(job)
        self.groups = deque(groups.values())
        self.own: dict[int, deque[Job]] = {}

    def __len__(self) -> int:
        return sum(map(len, self.groups)) + sum(map(len, self.own.values()))

    def __bool__(self) -> bool:
        return bool(self.groups) or any(self.own.values())

    def next_for(self, worker: int) -> Job:
        """The next job for ``worker`` (call only while the queue is non-empty)."""
        mine = self.own.get(worker)
        if mine:
            return mine.popleft()
        if self.groups:
            self.own[worker] = self.groups.popleft()
            return self.own[worker].popleft()
        donor = max(self.own.values(), key=len)
        return donor.pop()


@dataclass
class PoolStats:
    """What happened in one :meth:`VerifierPool.run`: jobs done, workers killed or lost."""

    jobs: int = 0
    killed: int = 0
    crashed: int = 0
    worker_cpu_s: float = 0.0  # CPU seconds of workers that ended normally
    timings: list[float] = field(default_factory=list)


class VerifierPool:
    """Grade :class:`Job` objects in ``workers`` processes, each under a deadline."""

    def __init__(
        self,
        workers: int,
        timeout: float,
        grace: float | None = None,
        target: Callable[[Connection, float], None] = worker_main,
    ):
        """``target(conn, timeout)`` is the worker loop (tests swap in a misbehaving one)."""
        self.workers = max(1, workers)
        self.target = target
        self.timeout = timeout
        self.hard_limit = timeout + (grace if grace is not None else max(2.0, 2.0 * timeout))
        self._ctx = mp.get_context("forkserver")
        self._ctx.set_forkserver_preload(_PRELOAD)
        self.stats = PoolStats()
        self._deaths: dict[str, int] = {}  # job key -> workers that died on it

    def _start_worker(self) -> _Worker:
        """Start one worker and wait until it says it is ready; raise if it cannot start."""
        parent_conn, child_conn = self._ctx.Pipe()
        process = self._ctx.Process(
            target=worker_entry, args=(self.target, child_conn, self.timeout), daemon=True
        )
        try:
            with _without_main_module():
                process.start()
        except OSError as exc:
            raise GradingWorkerError(f"could not start a grading worker process: {exc}") from exc
        child_conn.close()
        ready = None
        try:
            if parent_conn.poll(STARTUP_TIMEOUT):
                ready = parent_conn.recv()
        except (EOFError, OSError):
            ready = None
        if not (isinstance(ready, tuple) and ready[:1] == ("ready",)):
            process.kill()
            process.join()
            parent_conn.close()
            raise GradingWorkerError(
                "a grading worker process could not start "
                f"(exit code {process.exitcode}; its error, if any, is printed above). "
                "Nothing was graded or cached by it."
            )
        return _Worker(process, parent_conn)

    def _stop(self, worker: _Worker, *, kill: bool) -> None:
        if kill:
            worker.process.kill()
        else:
            try:
                worker.conn.send(None)
                if worker.conn.poll(2.0):
                    message = worker.conn.recv()
                    if isinstance(message, tuple) and message[0] == "cpu":
                        self.stats.worker_cpu_s += float(message[1])
            except (BrokenPipeError, EOFError, OSError):
                pass
        worker.process.join(timeout=2.0)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.conn.close()

    def run(self, jobs: Iterable[Job], on_outcome: Callable[[Outcome], None]) -> PoolStats:
        """Grade every job, calling ``on_outcome`` in the parent as each verdict arrives."""
        queue = _AffinityQueue(jobs)
        pool: list[_Worker] = []
        try:
            for _ in range(min(self.workers, len(queue))):
                pool.append(self._start_worker())
            while queue or any(w.job is not None for w in pool):
                for i, worker in enumerate(pool):
                    if worker.job is None and queue:
                        worker.job = queue.next_for(i)
                        worker.started = time.monotonic()
                        worker.conn.send(worker.job)
                busy = [w for w in pool if w.job is not None]
                now = time.monotonic()
                wait_for = max(0.0, min(w.started + self.hard_limit - now for w in busy))
                ready = set(wait([w.conn for w in busy], timeout=wait_for))
                for i, worker in enumerate(pool):
                    if worker.job is None:
                        continue
                    if worker.conn in ready:
                        pool[i] = self._collect(worker, on_outcome)
                    elif time.monotonic() - worker.started > self.hard_limit:
                        # Killed on wall-clock time, which a loaded machine also runs
                        # out of: a timeout for this run, never cached (retried next run).
                        job = worker.job
                        on_outcome(Outcome(job.key, job.answer, "timeout", None, verified=False))
                        self.stats.killed += 1
                        self.stats.jobs += 1
                        self._stop(worker, kill=True)
                        pool[i] = self._start_worker()
        finally:
            for worker in pool:
                self._stop(worker, kill=worker.job is not None)
        return self.stats

    def _collect(self, worker: _Worker, on_outcome: Callable[[Outcome], None]) -> _Worker:
        job = worker.job
        assert job is not None
        try:
            outcome = worker.conn.recv()
        except (EOFError, OSError):  # the worker died mid-job (killed, out of memory)
            self.stats.crashed += 1
            self._stop(worker, kill=True)
            deaths = self._deaths[job.key] = self._deaths.get(job.key, 0) + 1
            if deaths >= 2:
                raise GradingWorkerError(
                    f"grading workers died twice on the same answer ({job.answer[:80]!r} "
                    f"against gold {job.gold[:80]!r}; exit code {worker.process.exitcode}). "
                    "Verdicts finished so far are cached; nothing was recorded for it."
                ) from None
            fresh = self._start_worker()
            fresh.job, fresh.started = job, time.monotonic()  # try it once more
            fresh.conn.send(job)
            return fresh
        self.stats.jobs += 1
        self.stats.timings.append(time.monotonic() - worker.started)
        worker.job = None
        on_outcome(outcome)
        return worker
