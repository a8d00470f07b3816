"""Helpers for the grading tests: samples tables built by hand and a worker that hangs."""

from __future__ import annotations

import signal
import time

import pandas as pd

from traceanalysis.schema import coerce_core_dtypes


def samples(rows: list[dict]) -> pd.DataFrame:
    """A samples table from dicts (run, problem_id, sample_idx default to r / row / 0)."""
    filled = [
        {"run": "r", "problem_id": str(i), "sample_idx": 0, **row} for i, row in enumerate(rows)
    ]
    return coerce_core_dtypes(pd.DataFrame(filled))


def deaf_worker(conn, timeout: float) -> None:
    """A worker that blocks SIGPROF and hangs on the job "hang": only a kill stops it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
    while True:
        job = conn.recv()
        if job is None:
            return
        if job.answer == "hang":
            time.sleep(3600)
        from traceanalysis.grading.verifier import grade_with_deadline

        conn.send(grade_with_deadline(job, timeout))
