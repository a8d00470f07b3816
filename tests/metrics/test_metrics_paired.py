"""The comparisons table: paired bootstrap against a plain NumPy loop, the sign-flip p
against exact enumeration written out here, deltas against per-problem arithmetic."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from metrics_helpers import from_counts, graded
from scipy.stats import bootstrap

from traceanalysis.metrics import comparisons_table, pass_at_k, sign_flip_p
from traceanalysis.metrics.bootstrap import resample_weights
from traceanalysis.metrics.paired import EXACT_MAX, paired_bootstrap_ci


def loop_paired_bootstrap(a: np.ndarray, b: np.ndarray, draws: np.ndarray) -> tuple[float, float]:
    """Percentile CI of mean(a - b): each resample picks problem indices once and uses
    them for both runs (``draws``: how often each problem is picked, one row per resample)."""
    means = []
    for row in draws:
        idx = np.repeat(np.arange(len(a)), row.astype(int))
        means.append(a[idx].mean() - b[idx].mean())
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def enumerate_sign_flips(d: list[float]) -> float:
    """Two-sided p: share of all 2^m sign patterns with |sum| >= the observed |sum|."""
    observed = abs(sum(d))
    hits = total = 0
    for signs in itertools.product((1, -1), repeat=len(d)):
        total += 1
        hits += abs(sum(s * x for s, x in zip(signs, d, strict=True))) >= observed - 1e-12
    return hits / total


def test_paired_bootstrap_matches_a_plain_loop() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.random(37), rng.random(37)
    draws = np.asarray(resample_weights(37, 500, 3))
    assert paired_bootstrap_ci(a - b, 500, 3) == pytest.approx(loop_paired_bootstrap(a, b, draws))


def test_paired_bootstrap_agrees_with_scipy_in_distribution() -> None:
    rng = np.random.default_rng(11)
    base = rng.random(200)
    a, b = base + rng.normal(0.05, 0.1, 200), base
    lo, hi = paired_bootstrap_ci(a - b, 4000, 0)
    ref = bootstrap(
        (a, b), lambda x, y: np.mean(x - y), paired=True, n_resamples=4000,
        method="percentile", random_state=1,
    ).confidence_interval  # fmt: skip
    assert lo == pytest.approx(ref.low, abs=0.004) and hi == pytest.approx(ref.high, abs=0.004)
    # pairing matters: the unpaired interval of the same data is far wider
    assert hi - lo < 0.5 * 2 * 1.96 * np.sqrt(a.var() / 200 + b.var() / 200)


@pytest.mark.parametrize("seed", range(6))
def test_sign_flip_p_equals_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = list(np.round(rng.normal(0.1, 0.3, 9), 2)) + [0.0, 0.0]
    p, method = sign_flip_p(np.array(d))
    assert method == "exact"
    assert p == pytest.approx(enumerate_sign_flips(d))


def test_sign_flip_p_monte_carlo_beyond_exact_range() -> None:
    rng = np.random.default_rng(5)
    d = rng.normal(0.0, 1.0, EXACT_MAX + 8)
    p, method = sign_flip_p(d, n_perm=20000, seed=1)
    assert method == "monte carlo 20000"
    # the exact p of a sign-flip test is known here by enumerating the 2^24 patterns
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=12)))
    half = signs @ d[:12], signs @ d[12:]
    totals = np.abs(half[0][:, None] + half[1][None, :])
    exact = float((totals >= abs(d.sum()) - 1e-12).mean())
    assert p == pytest.approx(exact, abs=0.01)
    assert sign_flip_p(d, n_perm=20000, seed=1) == (p, method)  # seeded


def test_sign_flip_p_of_one_difference_is_one_and_of_none_is_one() -> None:
    assert sign_flip_p(np.array([0.0, 0.5, 0.0]))[0] == 1.0
    assert sign_flip_p(np.zeros(4))[0] == 1.0
    assert sign_flip_p(np.full(6, 0.3))[0] == pytest.approx(2 / 64)


def test_comparisons_rows_are_paired_per_problem() -> None:
    base = {"a": (8, 2), "b": (8, 8), "c": (8, 0), "d": (8, 4)}
    rl = {"a": (8, 6), "b": (8, 8), "c": (8, 0), "e": (8, 8)}
    df = graded(from_counts("base", base, "base") + from_counts("rl", rl, "rl"))
    table = comparisons_table(df, [("rl", "base"), ("rl", "nobody")], n_boot=300)
    assert set(table["reference"]) == {"base"}  # a run without common problems: no row
    assert table["metric"].tolist() == ["pass@1", "pass@2", "pass@4", "pass@8", "maj@8"]
    common = ["a", "b", "c"]  # d and e are in one run only
    row = table.set_index("metric").loc["pass@4"]
    expected = np.mean([pass_at_k(*rl[p], 4) - pass_at_k(*base[p], 4) for p in common])
    assert row["delta"] == pytest.approx(expected)
    assert row["n_problems"] == 3
    assert row["value_run"] - row["value_reference"] == pytest.approx(row["delta"])
    assert row["delta_lo"] <= row["delta"] <= row["delta_hi"]
    d1 = [rl[p][1] / 8 - base[p][1] / 8 for p in common]
    assert table.set_index("metric").loc["pass@1", "p_value"] == pytest.approx(
        enumerate_sign_flips(d1)
    )
    assert list(table.columns)[:10] == [
        "run", "reference", "metric", "value_run", "value_reference", "delta", "delta_lo",
        "delta_hi", "p_value", "p_method",
    ]  # fmt: skip


def test_comparisons_stop_at_the_smallest_common_n_and_follow_ks() -> None:
    base = {"a": (8, 2), "b": (6, 6), "c": (8, 0)}
    rl = {"a": (8, 6), "b": (8, 8), "c": (8, 1)}
    df = graded(from_counts("base", base, "base") + from_counts("rl", rl, "rl"))
    table = comparisons_table(df, [("rl", "base")], n_boot=100)
    assert table["metric"].tolist() == ["pass@1", "pass@2", "pass@4", "pass@6", "maj@6"]
    chosen = comparisons_table(df, [("rl", "base")], ks=[1, 3, 8], n_boot=100)
    assert chosen["metric"].tolist() == ["pass@1", "pass@3", "maj@6"]
