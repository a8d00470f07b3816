"""The source labels read from real tool outputs give the tool's own aggregate figures:
lm-eval's ``results_*.json`` and inspect_ai's ``results.scores`` in the log header."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from traceanalysis import load_runs

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "out"
LM_EVAL = OUT / "lm_eval" / "lab-rlvr"


def test_lm_eval_source_accuracy_is_the_results_file_figure() -> None:
    (results_file,) = LM_EVAL.glob("results_*.json")
    results = json.loads(results_file.read_text())["results"]
    df = load_runs(LM_EVAL)
    labelled = df[df["source_correct"].notna()]
    tasks = labelled["problem_id"].str.split("/").str[0]
    checked = 0
    for task, rows in labelled.groupby(tasks):
        (metric,) = set(rows["source_metric"])
        assert rows["source_correct"].mean() == pytest.approx(results[task][metric])
        checked += 1
    assert checked >= 2


def test_inspect_source_accuracy_is_the_log_figure() -> None:
    checked = 0
    for log in sorted((OUT / "inspect" / "json").glob("*.json")):
        header = json.loads(log.read_text())
        df = load_runs(log)
        (scorer,) = set(df["source_metric"].dropna())
        score = next(s for s in header["results"]["scores"] if s["name"] == scorer)
        # Comparable only when every sample has one labelled row (one epoch, no partial).
        if df["source_correct"].notna().sum() != len(df) or len(df) != score["scored_samples"]:
            continue
        accuracy = score["metrics"]["accuracy"]["value"]
        assert df["source_correct"].mean() == pytest.approx(accuracy)
        checked += 1
    assert checked >= 1
