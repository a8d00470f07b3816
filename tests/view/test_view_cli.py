"""``python -m traceanalysis view`` as a user runs it: a real process, its URL, its errors."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

from traceanalysis.view.query import SampleStore
from traceanalysis.view.serve import prepare

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "traceanalysis", *args],
        capture_output=True, text=True, timeout=timeout, env=ENV,
    )  # fmt: skip


def _url_line(proc: subprocess.Popen, timeout: float = 60) -> str:
    """The first stdout line of the server that names its URL."""
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if "http://" in line:
                return line
            if not line and proc.poll() is not None:
                break
    raise AssertionError(f"no URL from view (exit {proc.poll()}): {proc.stderr.read()}")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_view_serves_on_127_0_0_1_and_stops_cleanly(view_report: Path, tmp_path, stop) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "traceanalysis", "view", str(view_report), "--port", "0",
         "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=ENV | {"TMPDIR": str(tmp_path)},
    )  # fmt: skip
    try:
        line = _url_line(proc)
        url = line[line.index("http://") :].split()[0]
        assert url.startswith("http://127.0.0.1:") and "1,664 responses" in line
        runs = httpx.get(url + "api/runs", timeout=30).json()
        assert sum(r["n_samples"] for r in runs) == 1664
        assert len(list(tmp_path.glob("traceanalysis-view-*/samples.duckdb"))) == 1
    finally:
        proc.send_signal(stop)
        try:
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode in (0, 130, 128 + signal.SIGTERM)  # stopped, not crashed
    assert "Traceback" not in proc.stderr.read()
    assert not list(tmp_path.glob("traceanalysis-view-*"))  # its database went with it


def test_help_has_description_example_and_defaults() -> None:
    out = _run("view", "--help").stdout
    assert "python -m traceanalysis view reports/demo" in out
    assert "(default: 127.0.0.1)" in out and "(default: 8765)" in out
    assert "/api/samples?run=R&q=TEXT" in out


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = _run("view", str(tmp_path / "nothing"), "--no-browser")
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "no such file or folder" in missing.stderr
    port = _run("view", str(tmp_path), "--port", "70000", "--no-browser")
    assert port.returncode == 2 and "--port" in port.stderr


def test_a_busy_port_is_one_line_and_exit_2(view_report: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = str(taken.getsockname()[1])
        done = _run("view", str(view_report), "--port", busy, "--no-browser")
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: --host/--port: cannot listen on 127.0.0.1:{busy}:")
    assert done.stderr.count("\n") == 1  # one line


def test_missing_extra_names_the_pip_command(view_report: Path) -> None:
    code = (
        "import sys; sys.modules['duckdb'] = None\n"
        "from traceanalysis.cli import main\n"
        f"sys.exit(main(['view', {str(view_report)!r}, '--no-browser']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert 'pip install -e ".[view]"' in done.stderr and "duckdb" in done.stderr


def test_a_runs_folder_is_analysed_into_a_report_first(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    rows = []
    for run in ("tiny-base", "tiny-rl"):
        (runs / run).mkdir(parents=True)
        lines = []
        for p in range(3):
            for k in range(2):
                answer = str(p + 1) if (k == 0 or run == "tiny-rl") else "0"
                lines.append({
                    "problem_id": f"p{p}", "sample_idx": k, "prompt": f"What is {p} + 1?",
                    "response": f"Let me check: {p} + 1 = {answer}. Wait.\n\\boxed{{{answer}}}",
                    "gold": str(p + 1),
                })  # fmt: skip
        text = "\n".join(json.dumps(x) for x in lines) + "\n"
        (runs / run / "samples.jsonl").write_text(text, encoding="utf-8")
        rows += [{"run": run, **x} for x in lines]
    from traceanalysis.pipeline import ReportOptions

    quick = ReportOptions(quiet=True, workers=1, n_boot=20, n_perm=20)  # the CIs are not tested
    report = prepare(str(runs), str(tmp_path / "report"), quick)
    assert (report / "samples.parquet").is_file() and (report / "index.html").is_file()
    store = SampleStore(report / "samples.parquet")
    expected = pd.DataFrame(rows)
    assert store.n_rows == len(expected)
    by_run = {r["run"]: r for r in store.runs()}
    for run, group in expected.groupby("run"):
        correct = (group["response"].str.extract(r"boxed\{(\d+)\}")[0] == group["gold"]).sum()
        assert by_run[run]["n_correct"] == correct
    assert prepare(str(report)) == report  # a report folder is served as it is
