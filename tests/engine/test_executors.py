"""The local executor: serial with one worker, worker processes with more, same results,
in order, bounded in flight, and no worker left alive (close, errors, a SIGKILLed parent)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pandas as pd
import psutil
import pytest

from tests.engine.executor_helpers import TAG, TAG_COMBINE, corpus, fail_on_boom, mark_and_sleep
from traceanalysis.behaviors import tag_behaviors
from traceanalysis.engine import store
from traceanalysis.engine.executors import LocalExecutor, available_cores, make_executor
from traceanalysis.errors import InputError


def _children() -> list[psutil.Process]:
    """This process's children, less multiprocessing's resource tracker (one per
    interpreter, shared by every spawn pool; it exits with this process)."""
    return [
        p
        for p in psutil.Process().children(recursive=True)
        if p.is_running() and "resource_tracker" not in " ".join(p.cmdline())
    ]


def _gone(pids: list[int], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
        if not alive:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus(tmp_path_factory.mktemp("executor"))


def test_default_is_every_available_core() -> None:
    with make_executor("local") as executor:
        assert executor.workers == len(os.sched_getaffinity(0)) == available_cores()


def test_one_worker_is_serial_in_this_process(text: Path) -> None:
    before = {p.pid for p in _children()}
    with make_executor("local", workers=1) as executor:
        out = list(executor.map(TAG, text, ["response"]))
        assert {p.pid for p in _children()} == before  # no pool at all
    assert len(out) == store.row_groups(text) == 8


def test_one_and_two_workers_equal_the_direct_computation(text: Path) -> None:
    expected = tag_behaviors(store.read_columns(text, ["response"]))
    results = {}
    for workers in (1, 2):
        with make_executor("local", workers=workers) as executor:
            parts = list(executor.map(TAG, text, ["response"]))
        frame = pd.concat([added for added, _, _ in parts], ignore_index=True)
        assert parts[0][2] == expected.attrs  # attrs come back with each batch
        new = [c for c in expected.columns if c != "response"]
        pd.testing.assert_frame_equal(frame, expected[new].reset_index(drop=True))
        results[workers] = parts
    for (a, pa_, aa), (b, pb, ab) in zip(results[1], results[2], strict=True):
        pd.testing.assert_frame_equal(a, b)
        assert (pa_, aa) == (pb, ab)


def test_combine_partials_come_back_in_row_group_order(text: Path) -> None:
    with make_executor("local", workers=2) as executor:
        partials = [p for _, p, _ in executor.map(TAG_COMBINE, text, ["run", "response"])]
    runs = store.read_columns(text, ["run"])["run"]
    assert partials == [runs.iloc[a : a + 40].value_counts().to_dict() for a in range(0, 300, 40)]


def test_at_most_two_tasks_per_worker_in_flight(text: Path, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    with make_executor("local", workers=2) as executor:
        results = executor.map(partial(mark_and_sleep, str(marks), 0.3), text, ["run"])
        assert next(results) == 40
        time.sleep(1.0)  # unconsumed: the pool must not run ahead
        started = len(list(marks.iterdir()))
        assert 2 <= started <= 4, started
        assert list(results) == [40] * 6 + [20]
    assert len(list(marks.iterdir())) == 8


def test_close_and_errors_leave_no_worker(tmp_path: Path) -> None:
    frame = pd.DataFrame({"response": pd.array(["a"] * 30 + ["boom"] * 10, "string[pyarrow]")})
    path = tmp_path / "t.parquet"
    store.write_batches(path, [frame], 10)
    store.write_batches(path.with_name("ok.parquet"), [frame.head(10)], 10)
    with pytest.raises(ValueError, match="boom in a worker"):
        with make_executor("local", workers=2) as executor:
            list(executor.map(fail_on_boom, path, ["response"]))
    assert _children() == []
    executor = LocalExecutor(2)
    assert list(executor.map(fail_on_boom, path.with_name("ok.parquet"), ["response"])) == [10]
    pids = [p.pid for p in _children()]
    assert len(pids) >= 1  # workers start on demand: one task, one worker
    executor.close()
    assert _gone(pids, 0.1) and _children() == []


_PARENT = """
import sys, time
from functools import partial
from pathlib import Path
from tests.engine.executor_helpers import mark_and_sleep
from traceanalysis.engine.executors import make_executor
executor = make_executor("local", workers=2)
results = executor.map(partial(mark_and_sleep, sys.argv[2], 30.0), Path(sys.argv[1]), ["run"])
next(results)
"""


def test_workers_die_when_the_parent_is_killed(text: Path, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, str(text), str(marks)], cwd=Path(__file__).parents[2]
    )
    try:
        deadline = time.monotonic() + 60
        while len(list(marks.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = [p.pid for p in psutil.Process(parent.pid).children(recursive=True)]
        assert len(list(marks.iterdir())) >= 2 and len(workers) >= 2
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert _gone(workers, 5.0), [p for p in workers if psutil.pid_exists(p)]
    finally:
        for pid in [parent.pid]:
            if parent.poll() is None:
                os.kill(pid, signal.SIGKILL)


def test_unknown_executor_and_bad_workers_are_input_errors() -> None:
    with pytest.raises(InputError, match="choose one of: local, ray"):
        make_executor("dask")
    with pytest.raises(InputError, match="at least 1"):
        make_executor("local", workers=0)


def test_missing_ray_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(InputError, match=r'pip install "traceanalysis\[ray\]"'):
        make_executor("ray")
