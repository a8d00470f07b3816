"""Worker loops and entries that misbehave, for tests of the grading pool (importable by
the worker processes, which get the tests' sys.path)."""

from __future__ import annotations

import os


def dying_worker(conn, timeout: float) -> None:
    """A worker that dies (exit 9, no answer) on every job it is given."""
    while True:
        job = conn.recv()
        if job is None:
            return
        os._exit(9)


def broken_entry(target, conn, timeout: float) -> None:
    """A worker process that fails before it is ready (as an unimportable main would)."""
    raise FileNotFoundError("<stdin>")
