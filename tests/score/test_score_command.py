"""The ``score`` command end to end in real processes: killed with SIGKILL after its first
committed batches, run again: no finished row is scored twice, values equal a direct
computation."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from score_helpers import direct_nll, make_runs, save_llama

from traceanalysis.score.scoring import LOG_ENV

ROOT = Path(__file__).resolve().parents[2]


def _command(runs: Path, model: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "traceanalysis", "score", str(runs), "--model", str(model),
        "--out", str(out), "--cache", str(cache), "--quiet", *extra,
    ]  # fmt: skip


def _env(log: Path) -> dict[str, str]:
    return {**os.environ, LOG_ENV: str(log), "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


def _logged(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line)["keys"] for line in log.read_text().splitlines() if line]


def _committed(cache: Path) -> set[str]:
    if not cache.exists():
        return set()
    try:
        with sqlite3.connect(cache, timeout=5) as conn:
            return {k for (k,) in conn.execute("SELECT key FROM score_nll")}
    except sqlite3.OperationalError:  # the table is not there yet
        return set()


def test_resume_after_kill_9_repeats_no_finished_row(tmp_path: Path) -> None:
    # a model big enough, and responses long enough, that a call takes a while
    model = save_llama(tmp_path / "slow-llama", max_positions=1024, hidden=128, layers=3)
    runs = make_runs(tmp_path / "runs", problems=4, samples=2, long=600)
    out, cache, log = tmp_path / "out", tmp_path / "c.sqlite", tmp_path / "calls.jsonl"
    cmd = _command(runs, model, out, cache, "--batch-size", "2")
    proc = subprocess.Popen(cmd, env=_env(log), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None and len(_logged(log)) < 2:
        time.sleep(0.005)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    first = {k for call in _logged(log) for k in call}
    committed = _committed(cache)
    assert committed and committed <= first  # every stored row came from a logged call
    total = 4 * 2 * 3
    assert len(committed) < total
    before = len(_logged(log))
    done = subprocess.run(cmd, env=_env(log), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    second = [k for call in _logged(log)[before:] for k in call]
    assert not set(second) & committed  # no finished row went to the model again
    assert len(second) == len(set(second))
    assert committed | set(second) == _committed(cache)
    df = pd.read_parquet(out / "samples.parquet")
    assert len(df) == total and df["response"].notna().all()  # the text travels too
    assert df["nll_slow_llama"].notna().all()
    texts = {
        "base": lambda p: (f"Q: {p}\nA:", True),  # the template of its run.json
        "chatty": lambda p: (f"<bos>User: {p}\nAssistant:", False),  # the scorer's chat template
        "rl": lambda p: (p, True),  # no generate run.json: the raw prompt
    }
    for _, row in df.iloc[[0, 9, 23]].iterrows():
        text, special = texts[row["run"]](row["prompt"])
        nll, n = direct_nll(model, text, special, row["response"])
        assert row["n_tokens_slow_llama"] == n
        assert row["nll_slow_llama"] == pytest.approx(nll, rel=1e-5)
        assert row["nll_slow_llama_per_token"] == pytest.approx(nll / n, rel=1e-5)
    record = json.loads((out / "score.json").read_text())
    assert record["name"] == "slow_llama" and record["rows"] == total
    assert record["computed"] == len(second) and record["cached"] == len(committed)
