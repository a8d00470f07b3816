"""Which comparisons lead (roles), and findings checked against hand-built tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from traceanalysis.flexible import paired_difference
from traceanalysis.report.findings import accuracy_findings, build_findings, comparison_pairs
from traceanalysis.schema import RunInfo


def _runs(*pairs: tuple[str, str]) -> list[RunInfo]:
    return [RunInfo(name=n, role=r, role_guessed=False) for n, r in pairs]


def test_seed_paper_comparisons_lead_with_all_three_roles() -> None:
    runs = _runs(("b", "base"), ("r", "rl"), ("d", "distilled"), ("x", "other"))
    assert comparison_pairs(runs, "b") == [("r", "b"), ("d", "r"), ("d", "b"), ("x", "b")]


def test_other_mixes_compare_each_run_to_the_reference() -> None:
    runs = _runs(("m1", "other"), ("m2", "other"), ("r", "rl"))
    assert comparison_pairs(runs, "m2") == [("m1", "m2"), ("r", "m2")]
    assert comparison_pairs(_runs(("solo", "other")), "solo") == []
    assert comparison_pairs(runs, None) == []


def test_accuracy_findings_quote_the_table() -> None:
    acc = pd.DataFrame(
        {
            "run": ["b", "r"], "pass@1": [0.606, 0.742], "pass@1_lo": [0.55, 0.70],
            "pass@1_hi": [0.65, 0.78], "pass@256": [0.972, 0.970], "pass@256_lo": [0.95, 0.95],
            "pass@256_hi": [0.99, 0.99], "maj@256": [0.80, 0.85],
        }
    )  # fmt: skip
    comparisons = pd.DataFrame(
        {
            "run": ["r", "r"], "reference": ["b", "b"], "metric": ["pass@1", "pass@256"],
            "value_run": [0.742, 0.970], "value_reference": [0.606, 0.972],
            "delta": [0.136, -0.002], "delta_lo": [0.09, -0.01], "delta_hi": [0.18, 0.006],
            "p_value": [0.0004, 0.61], "p_method": ["exact", "exact"], "n_problems": [30, 30],
        }
    )  # fmt: skip
    lines = accuracy_findings(acc, [("r", "b"), ("r", "x")], {"comparisons": comparisons})
    assert (
        lines[0]
        == "b: accuracy (pass@1) 60.6% [55.0, 65.0], capability (pass@256) 97.2% [95.0, 99.0], maj@256 80.0%."
    )
    assert lines[2] == (
        "r vs b (30 common problems, paired): accuracy (pass@1) +13.6 points [+9.0, +18.0], "
        "p = 0.0004 — r is more accurate; capability (pass@256) -0.2 points [-1.0, +0.6], "
        "p = 0.61 — no credible difference in capability."
    )
    assert len(lines) == 3  # x is no run of the table: not compared
    # a CI that excludes 0 with p >= 0.05 (few differing problems) is no credible difference
    shaky = comparisons.assign(delta_lo=[0.01, 0.001], p_value=[0.125, 0.125])
    line = accuracy_findings(acc, [("r", "b")], {"comparisons": shaky})[2]
    assert "no credible difference in accuracy" in line and "more capable" not in line
    assert accuracy_findings(acc, [("r", "b")], {})[2] == (
        "r vs b: not compared (no problem graded in both runs)."
    )


def test_paired_difference_by_hand() -> None:
    df = pd.DataFrame(
        {
            "run": ["a"] * 4 + ["b"] * 4,
            "problem_id": ["p1", "p1", "p2", "p2"] * 2,
            "v": [1.0, 3.0, 5.0, 5.0, 0.0, 2.0, 5.0, 7.0],
        }
    )
    mean, lo, hi, n = paired_difference(df, "v", "a", "b", n_boot=500, seed=1)
    assert n == 2 and mean == pytest.approx(((2 - 1) + (5 - 6)) / 2)
    diffs = np.array([1.0, -1.0])
    rng = np.random.default_rng(1)
    boot = diffs[rng.integers(0, 2, size=(500, 2))].mean(axis=1)
    assert (lo, hi) == pytest.approx(
        (np.quantile(boot, 0.025), np.quantile(boot, 0.975)), rel=1e-12
    )


def test_build_findings_with_only_samples_and_runs_in_display_order() -> None:
    runs = _runs(("b", "base"), ("r", "rl"))
    samples = pd.DataFrame({"run": ["r", "b"], "problem_id": ["p", "p"], "sample_idx": [0, 0]})
    acc = pd.DataFrame({"run": ["r", "b"], "pass@1": [0.5, 0.25]})
    found = build_findings({"accuracy": acc}, samples, runs, "b")
    assert found["accuracy"][1].startswith("b: accuracy (pass@1) 25.0%")
    assert found["language"] == ["No lexical analysis."]
    assert found["flexible"][0].startswith("No flexible-reasoning indicator")
