"""can_fork: Linux processes may fork workers; daemonic processes may not."""

from __future__ import annotations

import multiprocessing
import sys

from traceanalysis.forking import can_fork


def _report(queue) -> None:  # type: ignore[no-untyped-def]
    queue.put(can_fork())


def test_can_fork_here_and_not_in_a_daemon():
    assert can_fork() == (sys.platform == "linux")
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    queue = context.Queue()
    child = context.Process(target=_report, args=(queue,), daemon=True)
    child.start()
    assert queue.get(timeout=60) is False
    child.join(timeout=60)
