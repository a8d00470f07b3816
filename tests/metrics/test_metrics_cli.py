"""The statistics on the command line and in the report: ``grade`` prints the paired
comparisons and the crossing point and writes comparisons/support/crossing; ``--k``;
``inspect``, ``grade`` and the report warn about ragged runs (defect 1 of issue 13)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.cli import main
from traceanalysis.pipeline import ReportOptions, analyze

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runs"
NEVER_SOLVED = ("ex-01", "ex-05", "ex-19")  # 3 of the problems base never solves


def _ragged_examples(tmp_path: Path) -> Path:
    """examples/runs with one sample cut from each of 3 problems base never solves."""
    runs = tmp_path / "runs"
    shutil.copytree(EXAMPLES, runs)
    path = runs / "base" / "samples.jsonl"
    kept, cut = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        pid = json.loads(line)["problem_id"]
        if pid in NEVER_SOLVED and pid not in cut:
            cut.add(pid)
            continue
        kept.append(line)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return runs


def test_grade_prints_paired_deltas_and_the_crossing(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    cache = str(tmp_path / "c.sqlite")
    assert main(["grade", str(EXAMPLES), "--out", str(out), "--cache", cache, "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "zero-rl vs base (20 common problems, paired): accuracy (pass@1)" in printed
    assert "zero-rl vs base: the pass@k curves do not cross up to k = 8" in printed
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert set(zip(comparisons["run"], comparisons["reference"], strict=True)) == {
        ("zero-rl", "base"), ("distill", "zero-rl"), ("distill", "base"),
    }  # fmt: skip
    support = pd.read_csv(out / "support.csv").set_index(["run", "reference"])
    row = support.loc[("distill", "base")]
    assert row["expansion"] + row["shrinkage"] + row["both"] + row["neither"] == 20
    assert pd.read_csv(out / "crossing.csv")["k_max"].tolist() == [8, 8, 8]


def test_k_flag_chooses_the_ks(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    cache = str(tmp_path / "c.sqlite")
    args = ["grade", str(EXAMPLES), "--out", str(out), "--cache", cache, "--quiet"]
    assert main([*args, "--k", "1,3"]) == 0
    accuracy = pd.read_csv(out / "accuracy.csv")
    assert [c for c in accuracy.columns if c.startswith("pass@") and c[5:].isdigit()] == [
        "pass@1",
        "pass@3",
    ]
    metrics = pd.read_csv(out / "comparisons.csv")["metric"].unique().tolist()
    assert metrics == ["pass@1", "pass@3", "maj@8"]
    capsys.readouterr()
    assert main([*args, "--k", "0,2"]) == 2
    assert "--k" in capsys.readouterr().err


def test_ragged_runs_are_warned_and_never_lift_capability(tmp_path: Path, capsys) -> None:
    runs = _ragged_examples(tmp_path)
    assert main(["inspect", str(runs)]) == 0
    warning = (
        "base is ragged: 3 of 20 problems have fewer than 8 samples (3 missing: "
        "ex-01 (7/8), ex-05 (7/8), ex-19 (7/8)); pass@k is stated only up to k = 7."
    )
    assert f"warning: {warning}" in capsys.readouterr().out
    out, cache = tmp_path / "out", str(tmp_path / "c.sqlite")
    assert main(["grade", str(runs), "--out", str(out), "--cache", cache, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert warning in captured.err
    assert "(over 17 of 20 problems)" in captured.out  # base's pass@8
    accuracy = pd.read_csv(out / "accuracy.csv").set_index("run")
    assert accuracy.loc["base", "pass@8_n_problems"] == 17
    assert accuracy.loc["base", "pass@7"] < accuracy.loc["base", "pass@8"]  # subset lifts it

    analysis = analyze(runs, ReportOptions(quiet=True, cache=cache, stage_cache=False))
    assert warning in analysis.findings["data"]
    base_line = next(x for x in analysis.findings["accuracy"] if x.startswith("base: "))
    assert "capability (pass@7)" in base_line and "pass@8" not in base_line
    assert not any("pass@8" in x for x in analysis.findings["accuracy"] if "vs base" in x)
    rows = analysis.tables["comparisons"]
    assert "pass@8" not in set(rows.loc[rows["reference"] == "base", "metric"])
    assert {"comparisons", "support", "crossing"} <= set(analysis.tables)


@pytest.mark.parametrize("name", ["comparisons", "support", "crossing"])
def test_one_run_has_no_comparison_tables(tmp_path: Path, name: str) -> None:
    runs = tmp_path / "runs"
    shutil.copytree(EXAMPLES / "base", runs / "base")
    analysis = analyze(runs, ReportOptions(quiet=True, cache=str(tmp_path / "c.sqlite")))
    assert name not in analysis.tables
