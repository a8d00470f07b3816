"""The crossing k's bootstrap interval against a plain loop: each resample's problems
listed explicitly, pass@k from the scalar formula, the first sign change found by hand."""

from __future__ import annotations

import numpy as np
from metrics_helpers import from_counts, graded

from traceanalysis.metrics import pass_at_k, passk_crossing
from traceanalysis.metrics.bootstrap import resample_weights


def _first_crossing(diff: list[float]) -> float:
    start = np.sign(diff[0])
    for k, d in enumerate(diff, start=1):
        if start != 0 and np.sign(d) == -start:
            return float(k)
    return np.inf


def test_crossing_interval_equals_a_loop_over_the_same_resamples() -> None:
    rng = np.random.default_rng(2)
    n = 8
    a = {f"p{i}": (n, int(c)) for i, c in enumerate(rng.choice([0, n], 24, p=[0.45, 0.55]))}
    b = {f"p{i}": (n, int(c)) for i, c in enumerate(rng.integers(0, 4, 24))}
    df = graded(from_counts("A", a) + from_counts("B", b))
    cross = passk_crossing(df, "A", "B", n_boot=300, seed=4)
    problems = sorted(a)
    found = []
    for row in resample_weights(len(problems), 300, 4):
        drawn = np.repeat(np.arange(len(problems)), row.astype(int))
        curve = [
            np.mean([pass_at_k(n, a[problems[i]][1], k) for i in drawn])
            - np.mean([pass_at_k(n, b[problems[i]][1], k) for i in drawn])
            for k in range(1, n + 1)
        ]
        found.append(_first_crossing(curve))
    found = np.array(found)
    assert cross.lo == np.quantile(found, 0.025, method="lower")
    assert cross.hi == np.quantile(found, 0.975, method="higher")
    assert cross.share_crossing == np.isfinite(found).mean()
