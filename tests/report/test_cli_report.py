"""``python -m traceanalysis report``: arguments, exit codes, the summary line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_runs import write_runs

from traceanalysis.cli import main


def test_report_command_writes_the_folder_and_prints_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = write_runs(tmp_path / "runs", {"solo": "other"}, n_problems=5, n_samples=3)
    out = tmp_path / "reports" / "solo"
    argv = [
        "report",
        str(runs),
        "--out",
        str(out),
        "--cache",
        str(tmp_path / "c" / "cache.sqlite"),
        "--grade-timeout",
        "30",
    ]
    assert main([*argv, "--max-examples", "2", "--title", "Solo run"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert printed.startswith(f"report: {out / 'index.html'} (15 responses, 1 run(s),")
    for name in ("samples.parquet", "manifest.json", "tables/accuracy.csv", "tables/audit.tex"):
        assert (out / name).is_file(), name
    assert (out / "figures").is_dir()
    assert main([*argv, "--quiet"]) == 0  # warm rerun, silent
    assert capsys.readouterr().out == ""
    assert main([*argv, "--quiet", "--reference", "nope"]) == 2
    assert "--reference 'nope' is not a run" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--judge", "gpt4"], "--judge: expected none, openai:MODEL or hf:PATH"),
        (["--max-examples", "-1"], "--max-examples"),
        (["--columns", "oops"], "--columns: expected NAME=SOURCE"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    (tmp_path / "runs").mkdir()
    assert main(["report", str(tmp_path / "runs"), "--quiet", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_missing_runs_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "nope"), "--quiet"]) == 2
    assert "no such" in capsys.readouterr().err
