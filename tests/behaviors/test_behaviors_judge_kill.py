"""kill -9 mid-run loses no finished label; the rerun makes only the missing calls."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from fake_openai import FakeOpenAI
from judge_child import frame

from traceanalysis.behaviors import BEHAVIORS, JudgeConfig, judge_behaviors

N = 10


def cached_labels(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM judge_labels").fetchone()[0]
    except sqlite3.OperationalError:  # file or table not created yet
        return 0


def test_sigkill_then_rerun(tmp_path):
    cache = tmp_path / "judge.sqlite"
    total = N * len(BEHAVIORS)
    child = Path(__file__).with_name("judge_child.py")
    with FakeOpenAI(latency=0.05) as server:
        proc = subprocess.Popen(
            [sys.executable, str(child), server.url, str(cache), str(N)],
            env={**os.environ, "PYTHONPATH": str(child.parent)},
        )
        try:
            deadline = time.monotonic() + 180  # a loaded machine starts Python slowly
            while cached_labels(cache) < 12 and time.monotonic() < deadline:
                assert proc.poll() is None, "child finished or crashed before the kill"
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        survived = cached_labels(cache)
        assert 12 <= survived < total
        before = len(server.requests)

        cfg = JudgeConfig(
            "openai:fake-judge", base_url=server.url, concurrency=4, cache_path=str(cache)
        )
        out = judge_behaviors(frame(N), cfg)
        assert len(server.requests) - before == total - survived  # only the missing calls
        assert out["judge_status"].tolist() == ["ok"] * N
        assert out["judge_verification_count"].tolist() == [1] * N
        assert out["judge_backtracking_count"].tolist() == [0] * N

        third = judge_behaviors(frame(N), cfg)
        assert len(server.requests) - before == total - survived  # zero calls on a full cache
    assert cached_labels(cache) == total
    assert third.attrs["judge"]["n_calls"] == 0
