"""Bootstrap over problems and the pass@k crossing, against explicit resampling and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from metrics_helpers import from_counts, graded
from scipy.stats import bootstrap

from traceanalysis.metrics import bootstrap_ci, pass_at_k, passk_crossing
from traceanalysis.metrics.bootstrap import weighted_means
from traceanalysis.metrics.crossing import first_crossing


def test_weighted_means_equal_explicit_resampling() -> None:
    rng = np.random.default_rng(5)
    values = rng.random((30, 4))
    values[3, 2] = np.nan  # a problem that lacks this k
    draws = rng.integers(0, 30, size=(50, 30))
    weights = np.vstack([np.bincount(d, minlength=30) for d in draws]).astype(float)
    got = weighted_means(values, weights)
    for b, idx in enumerate(draws):
        expected = np.nanmean(values[idx], axis=0)
        assert np.allclose(got[b], expected)


def test_ci_agrees_with_scipy_percentile_bootstrap() -> None:
    rng = np.random.default_rng(11)
    values = (rng.random(200) < 0.3).astype(float)
    lo, hi = bootstrap_ci(values[:, None], n_boot=4000, seed=1)
    ref = bootstrap(
        (values,),
        np.mean,
        n_resamples=4000,
        method="percentile",
        random_state=np.random.default_rng(2),
    ).confidence_interval
    assert lo[0] == pytest.approx(ref.low, abs=0.015)
    assert hi[0] == pytest.approx(ref.high, abs=0.015)
    assert lo[0] < values.mean() < hi[0]


def test_bootstrap_is_seeded() -> None:
    values = np.random.default_rng(0).random((40, 3))
    a = bootstrap_ci(values, seed=7)
    b = bootstrap_ci(values, seed=7)
    c = bootstrap_ci(values, seed=8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_first_crossing() -> None:
    diff = np.array(
        [[0.2, 0.1, -0.1, -0.2], [0.2, 0.1, 0.1, 0.0], [0.0, -1, -1, -1], [-0.1, 0.0, 0.3, 0.3]]
    )
    assert first_crossing(diff).tolist() == [3.0, np.inf, np.inf, 3.0]


def test_crossing_k_of_a_consistent_and_a_diverse_run() -> None:
    # A: half the problems always right, half never -> pass@k = 0.5 for every k.
    # B: 4 of 16 right everywhere -> pass@k = pass_at_k(16, 4, k), rising past 0.5.
    a_counts = {f"p{i}": (16, 16 if i % 2 else 0) for i in range(20)}
    b_counts = {f"p{i}": (16, 4) for i in range(20)}
    df = graded(from_counts("A", a_counts) + from_counts("B", b_counts))
    expected = next(k for k in range(1, 17) if pass_at_k(16, 4, k) > 0.5)
    cross = passk_crossing(df, "A", "B", n_boot=500, seed=0)
    assert cross.k == expected == 3
    assert cross.lo <= cross.k <= cross.hi
    assert cross.n_problems == 20 and cross.k_max == 16
    again = passk_crossing(df, "A", "B", n_boot=500, seed=0)
    assert again == cross


def test_no_crossing_when_one_run_dominates() -> None:
    a = {f"p{i}": (8, 6) for i in range(10)}
    b = {f"p{i}": (8, 2) for i in range(10)}
    cross = passk_crossing(graded(from_counts("A", a) + from_counts("B", b)), "A", "B")
    assert cross.k is None
    assert cross.share_crossing == 0.0 and np.isinf(cross.hi)
