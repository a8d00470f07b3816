"""``python -m traceanalysis grade`` on the fixture runs folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from traceanalysis.cli import main


def test_grade_command_writes_the_tables(fixtures_dir: Path, tmp_path: Path, capsys) -> None:
    runs = fixtures_dir / "grading" / "runs"
    out = tmp_path / "out"
    code = main(["grade", str(runs), "--out", str(out), "--disagreements", "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "pass@1" in printed and "maj@4" in printed and "qwen-zero-rl" in printed
    assert "2 disagreeing responses" in printed
    names = {p.name for p in out.iterdir()}
    assert {
        "accuracy.csv",
        "difficulty.csv",
        "transitions_qwen-zero-rl.csv",
        "passk.csv",
        "entropy.csv",
        "agreement.csv",
        "disagreements.csv",
    } <= names
    assert "transitions_qwen-base.csv" not in names  # the reference
    accuracy = pd.read_csv(out / "accuracy.csv").set_index("run")
    for col in [
        "n_problems",
        "n_samples",
        "pass@1",
        "pass@1_lo",
        "pass@1_hi",
        "pass@2",
        "pass@4",
        "maj@4",
        "maj@4_hi",
        "status_truncated",
    ]:
        assert col in accuracy.columns
    # base: p1 3/4, p2 3/4 (lenient sets), p3 2/4 (one no_answer), p4 3/4
    assert accuracy.loc["qwen-base", "pass@1"] == (3 + 3 + 2 + 3) / 16
    assert accuracy.loc["qwen-base", "status_truncated"] == 1 / 16
    difficulty = pd.read_csv(out / "difficulty.csv")
    assert set(difficulty["run"]) == {"qwen-base", "qwen-zero-rl"}
    listed = pd.read_csv(out / "disagreements.csv")
    assert listed["problem_id"].tolist() == ["p2", "p2"]


def test_strict_sets_agree_with_the_strict_source_labels(
    fixtures_dir: Path, tmp_path: Path, capsys
) -> None:
    runs = fixtures_dir / "grading" / "runs" / "qwen-base"
    code = main(
        ["grade", str(runs), "--out", str(tmp_path), "--strict-sets", "--disagreements", "--quiet"]
    )
    assert code == 0
    assert "0 disagreeing responses" in capsys.readouterr().out


def test_unknown_reference_is_a_clean_error(fixtures_dir: Path, tmp_path: Path, capsys) -> None:
    runs = fixtures_dir / "grading" / "runs"
    code = main(["grade", str(runs), "--out", str(tmp_path), "--reference", "nope", "--quiet"])
    assert code == 2
    assert "nope" in capsys.readouterr().err
