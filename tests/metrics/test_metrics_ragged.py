"""Ragged n and unverified samples: pass@k over brute-force subsets, no silent subset
(defect 1 of issue 13), the warnings."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from metrics_helpers import from_counts, graded

from traceanalysis.metrics import (
    accuracy_table,
    comparisons_table,
    complete_ks,
    passk_crossing,
    problem_counts,
    ragged_runs,
    ragged_sentences,
)


def brute_pass(samples: list[bool], k: int) -> float:
    subsets = list(itertools.combinations(samples, k))
    return sum(any(s) for s in subsets) / len(subsets)


def test_ragged_pass_at_k_equals_subset_enumeration() -> None:
    counts = {"a": (5, 1), "b": (3, 0), "c": (4, 2), "d": (6, 6)}
    table = accuracy_table(graded(from_counts("m", counts)), ks=[1, 2, 3, 4, 6], n_boot=50)
    row = table.iloc[0]
    samples = {p: [i < c for i in range(n)] for p, (n, c) in counts.items()}
    for k in (1, 2, 3, 4, 6):
        usable = [s for s in samples.values() if len(s) >= k]
        assert row[f"pass@{k}"] == pytest.approx(np.mean([brute_pass(s, k) for s in usable]))
    assert "pass@3_n_problems" not in table.columns  # k <= n_min = 3: every problem
    assert row["pass@4_n_problems"] == 3 and row["pass@6_n_problems"] == 1
    assert complete_ks(table) == [1, 2, 3]
    assert "maj@3" in table.columns


def _defect_one(delete: bool):
    """20 problems x 8 samples; base never solves 3 of them. ``delete``: one sample of each
    of those 3 is missing (3 of 160)."""
    base = {f"p{i:02d}": (8, 0 if i < 3 else (8 if i < 17 else 2)) for i in range(20)}
    rl = {f"p{i:02d}": (8, 0 if i < 3 else 8) for i in range(20)}
    rows = from_counts("base", base, "base") + from_counts("zero-rl", rl, "rl")
    if delete:
        rows = [r for r in rows if not (r["run"] == "base" and r["problem_id"] < "p03"
                                        and r["sample_idx"] == 7)]  # fmt: skip
    return graded(rows)


def test_deleting_three_samples_does_not_lift_capability() -> None:
    full = accuracy_table(_defect_one(False), n_boot=50).set_index("run")
    cut = accuracy_table(_defect_one(True), n_boot=50).set_index("run")
    assert full.loc["base", "pass@8"] == pytest.approx(0.85)
    # the old code averaged pass@8 over the 17 complete problems only: 100%
    assert cut.loc["base", "pass@8"] == pytest.approx(1.0)
    assert cut.loc["base", "pass@8_n_problems"] == 17  # ... and now says so
    assert complete_ks(cut.reset_index(), ["base", "zero-rl"])[-1] == 7
    assert cut.loc["base", "pass@7"] == pytest.approx(0.85)  # all 20 problems
    comp = comparisons_table(_defect_one(True), [("zero-rl", "base")], n_boot=50)
    comp = comp.set_index("metric")
    assert "pass@8" not in comp.index
    assert comp.loc["pass@7", "delta"] == pytest.approx(0.0)  # headline not flipped
    assert passk_crossing(_defect_one(True), "zero-rl", "base").k_max == 7


def test_unverified_samples_count_in_n_as_not_correct() -> None:
    rows = from_counts("m", {"a": (4, 2), "b": (4, 4)})
    for i, status in enumerate(["timeout", "parse_error"]):
        rows.append({"run": "m", "problem_id": "a", "sample_idx": 4 + i, "correct": None,
                     "grade_status": status, "extracted": "9"})  # fmt: skip
    rows += [{"run": "m", "problem_id": "z", "sample_idx": i, "correct": None,
              "grade_status": "ungraded", "extracted": "1"} for i in range(4)]  # fmt: skip
    df = graded(rows)
    counts = problem_counts(df).set_index("problem_id")
    assert counts.loc["a", ["n", "c", "n_unverified"]].tolist() == [6, 2, 2]
    assert "z" not in counts.index  # no gold anywhere: nothing to grade, not a failure
    table = accuracy_table(df, n_boot=50).iloc[0]
    assert table["n_unverified"] == 2 and table["n_min"] == 4 and table["n_max"] == 6
    assert table["pass@1"] == pytest.approx(np.mean([2 / 6, 1.0]))
    warned = ragged_sentences(df)
    assert any("2 sample(s) could not be verified" in s for s in warned)


def test_a_problem_whose_every_sample_timed_out_is_kept() -> None:
    rows = from_counts("m", {"a": (4, 4)})
    rows += [{"run": "m", "problem_id": "b", "sample_idx": i, "correct": None,
              "grade_status": "timeout", "extracted": "x"} for i in range(4)]  # fmt: skip
    table = accuracy_table(graded(rows), n_boot=50).iloc[0]
    assert table["n_problems"] == 2 and table["pass@4"] == pytest.approx(0.5)


def test_ragged_runs_names_the_short_problems() -> None:
    facts = ragged_runs(_defect_one(True)).set_index("run")
    assert list(facts.index) == ["base"]
    row = facts.loc["base"]
    assert (row["ragged_problems"], row["missing_samples"], row["n_min"]) == (3, 3, 7)
    assert row["examples"] == "p00 (7/8), p01 (7/8), p02 (7/8)"
    assert ragged_runs(_defect_one(False)).empty
