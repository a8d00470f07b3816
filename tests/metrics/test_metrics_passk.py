"""pass@k, Acc and Cap_k against brute-force enumeration and exact integer arithmetic."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from metrics_helpers import from_counts, graded

from traceanalysis.metrics import accuracy_capability, pass_at_k, pass_curve, problem_counts
from traceanalysis.metrics.passk import report_ks


def brute_pass_at_k(n: int, c: int, k: int) -> float:
    """Share of k-subsets of n samples (c correct) that contain a correct one."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(samples[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_pass_at_k_equals_subset_enumeration(n: int) -> None:
    for c in range(n + 1):
        curve = pass_curve(n, c)
        for k in range(1, n + 1):
            expected = brute_pass_at_k(n, c, k)
            assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)
            assert curve[k - 1] == pytest.approx(expected, abs=1e-12)


def test_large_n_is_stable_against_exact_binomials() -> None:
    for n, c, k in [(2048, 3, 1000), (1000, 1, 999), (5000, 4990, 7), (256, 128, 256)]:
        exact = 1 - Fraction(math.comb(n - c, k), math.comb(n, k))
        assert pass_at_k(n, c, k) == pytest.approx(float(exact), rel=1e-9, abs=1e-12)
        assert pass_curve(n, c)[k - 1] == pytest.approx(float(exact), rel=1e-9, abs=1e-12)


def test_pass_curve_pads_with_nan_beyond_n() -> None:
    curve = pass_curve(3, 1, 5)
    assert np.isnan(curve[3:]).all()
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)


def test_acc_and_cap_match_the_paper_definitions() -> None:
    counts = {"a": (8, 0), "b": (8, 2), "c": (8, 8), "d": (4, 1)}
    df = graded(from_counts("m", counts))
    table = accuracy_capability(df, 4)
    acc = np.mean([c / n for n, c in counts.values()])
    cap4 = np.mean([brute_pass_at_k(n, c, 4) for n, c in counts.values()])
    assert table["acc"].iloc[0] == pytest.approx(acc)
    assert table["cap_4"].iloc[0] == pytest.approx(cap4)
    # k = 8: problem "d" (n = 4) cannot contribute
    table8 = accuracy_capability(df, 8)
    assert table8["n_problems"].iloc[0] == 3
    cap8 = np.mean([brute_pass_at_k(n, c, 8) for n, c in counts.values() if n >= 8])
    assert table8["cap_8"].iloc[0] == pytest.approx(cap8)


def test_problem_counts_count_a_timeout_as_unverified() -> None:
    rows = from_counts("m", {"a": (4, 2)})
    rows.append(
        {
            "run": "m",
            "problem_id": "a",
            "sample_idx": 4,
            "correct": None,
            "grade_status": "timeout",
            "extracted": "9",
        }
    )
    df = graded(rows)
    counts = problem_counts(df)
    assert counts[["n", "c", "n_unverified"]].values.tolist() == [[5, 2, 1]]


def test_report_ks() -> None:
    assert report_ks(256) == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    assert report_ks(12) == [1, 2, 4, 8, 12]
    assert report_ks(1) == [1]
