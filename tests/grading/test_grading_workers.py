"""Infrastructure failure is not a verdict (issue 12, item 15).

Grading from ``python -``, ``python -c`` and a script without a main guard; a worker
killed mid-job; workers that cannot start or keep dying raise GradingWorkerError and
leave nothing in the cache; the cache never returns what a broken worker wrote.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from grading_helpers import samples
from worker_helpers import broken_entry, dying_worker

import traceanalysis.grading.math_grade as math_grade
import traceanalysis.grading.pool as pool_module
from traceanalysis.cache import content_hash
from traceanalysis.errors import GradingWorkerError
from traceanalysis.grading import grade
from traceanalysis.grading.cache_store import GradeCache
from traceanalysis.grading.pool import VerifierPool
from traceanalysis.grading.verifier import GRADER_VERSION, Job, Outcome

_SCRIPT = """
import sys
import pandas as pd
from traceanalysis.schema import coerce_core_dtypes
from traceanalysis.grading import grade
rows = [dict(run="r", problem_id=str(i), sample_idx=0,
             response="\\\\boxed{%d\\\\pi}" % i, gold="%d\\\\pi" % (i % 3)) for i in range(6)]
out = grade(coerce_core_dtypes(pd.DataFrame(rows)), workers=2, cache_path=sys.argv[-1])
print("STATUS", ",".join(out["grade_status"]))
print("CORRECT", ",".join(str(c) for c in out["correct"]))
"""
_EXPECTED = ["STATUS ok,ok,ok,ok,ok,ok", "CORRECT True,True,True,False,False,False"]


def _run(args: list[str], cache: Path, stdin: str | None = None) -> list[str]:
    proc = subprocess.run(
        [sys.executable, *args, str(cache)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cache.parent,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [
        line for line in proc.stdout.splitlines() if line.split(" ")[0] in {"STATUS", "CORRECT"}
    ]


def test_grading_from_stdin(tmp_path: Path) -> None:
    assert _run(["-"], tmp_path / "c.sqlite", stdin=_SCRIPT) == _EXPECTED


def test_grading_from_python_c(tmp_path: Path) -> None:
    assert _run(["-c", _SCRIPT], tmp_path / "c.sqlite") == _EXPECTED


def test_grading_from_a_script_without_a_main_guard(tmp_path: Path) -> None:
    script = tmp_path / "no_guard.py"
    script.write_text(_SCRIPT, encoding="utf-8")
    assert _run([str(script)], tmp_path / "c.sqlite") == _EXPECTED


_UNHIDDEN = (
    """
import contextlib, sqlite3, sys
import traceanalysis.grading.pool as pool
pool._without_main_module = contextlib.nullcontext  # what multiprocessing does by itself
"""
    + _SCRIPT
)


def test_a_worker_that_cannot_start_raises_and_caches_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    proc = subprocess.run(
        [sys.executable, "-", str(cache)],
        input=_UNHIDDEN,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode != 0
    assert "GradingWorkerError" in proc.stderr and "could not start" in proc.stderr
    assert "STATUS" not in proc.stdout
    rows = sqlite3.connect(cache).execute("SELECT COUNT(*) FROM grade_cache").fetchone()
    assert rows == (0,)


def test_broken_start_in_process_raises(monkeypatch) -> None:
    monkeypatch.setattr(pool_module, "worker_entry", broken_entry)
    with pytest.raises(GradingWorkerError, match="could not start"):
        VerifierPool(1, 1.0).run([Job("a", "x", "1")], lambda o: None)


def test_workers_that_keep_dying_raise_and_cache_nothing(monkeypatch, _private_cache: Path) -> None:
    monkeypatch.setattr(
        math_grade,
        "VerifierPool",
        lambda workers, timeout: VerifierPool(workers, timeout, target=dying_worker),
    )
    df = samples([{"response": r"\boxed{x+1}", "gold": "1+x"}])
    with pytest.raises(GradingWorkerError, match="died twice"):
        grade(df, workers=1)
    rows = sqlite3.connect(_private_cache).execute("SELECT COUNT(*) FROM grade_cache").fetchone()
    assert rows == (0,)


def test_a_worker_killed_mid_job_is_replaced_and_the_job_retried() -> None:
    slow = r"(x+1)^{100000} - (x-1)^{100000}"  # runs until its CPU deadline
    jobs = [Job("slow", slow, "7"), Job("fast", r"\frac{2}{4}", "0.5")]
    killed: list[int] = []

    def kill_the_workers() -> None:
        for child in multiprocessing.active_children():
            if child.name.startswith("ForkServerProcess") or child.daemon:
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    timer = threading.Timer(1.0, kill_the_workers)
    outcomes: dict[str, Outcome] = {}
    timer.start()
    try:
        stats = VerifierPool(1, timeout=3.0).run(jobs, lambda o: outcomes.__setitem__(o.key, o))
    finally:
        timer.cancel()
    assert killed, "the worker should have been killed mid-job"
    assert stats.crashed == 1
    assert outcomes["slow"].status == "timeout" and outcomes["slow"].correct is None
    assert outcomes["fast"].status == "ok" and outcomes["fast"].correct is True


def test_crashes_are_not_cached_and_bad_rows_are_not_read(tmp_path: Path) -> None:
    cache = GradeCache(tmp_path / "c.sqlite", batch=1)
    crash = Outcome("k1", "x", "parse_error", None, verified=False)
    cache.add(crash, 5.0)
    cache.add(Outcome("k2", "x", "ok", True), 5.0)
    cache.flush()
    rows = {k for (k,) in cache.conn.execute("SELECT key FROM grade_cache")}
    assert rows == {"k2"}
    # rows no grader of this version writes: an "ok" without a verdict, an unknown status
    cache.conn.executemany(
        "INSERT INTO grade_cache VALUES (?, ?, ?, ?, ?, ?)",
        [("k3", "x", "ok", None, 5.0, 0.0), ("k4", "x", "crashed", 0, 5.0, 0.0)],
    )
    cache.conn.commit()
    assert set(cache.lookup(["k1", "k2", "k3", "k4"], 5.0)) == {"k2"}
    cache.close()


def test_entries_of_the_old_grader_are_never_read(_private_cache: Path) -> None:
    # grader version 1 cached a dead worker's parse_error for every row
    old_key = content_hash(
        "answer", "x+1", "1+x", GRADER_VERSION.replace("2+", "1+", 1), {"strict_sets": False}
    )
    conn = sqlite3.connect(_private_cache)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS grade_cache (key TEXT PRIMARY KEY, extracted TEXT, "
        "status TEXT NOT NULL, correct INTEGER, deadline REAL, created REAL NOT NULL)"
    )
    conn.execute("INSERT INTO grade_cache VALUES (?, 'x+1', 'parse_error', NULL, 5, 0)", (old_key,))
    conn.commit()
    out = grade(samples([{"response": r"\boxed{x+1}", "gold": "1+x"}]))
    assert out.attrs["grading"]["n_cached"] == 0
    assert out["grade_status"].tolist() == ["ok"] and out["correct"].tolist() == [True]
