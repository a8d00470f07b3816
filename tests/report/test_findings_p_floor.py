"""A Monte Carlo p at its floor 1/(N+1) is stated as a bound, never as a point value."""

from __future__ import annotations

import numpy as np

from traceanalysis.metrics.paired import sign_flip_p
from traceanalysis.report.findings_accuracy import _p


def test_monte_carlo_floor_is_a_bound():
    diffs = [0.5] * 40  # 2^40 patterns: Monte Carlo; no flipped pattern is as extreme
    p, method = sign_flip_p(np.array(diffs), 10_000, 0)
    assert method == "monte carlo 10000" and p == 1 / 10_001
    assert _p(p, method) == "p ≤ 0.0001"


def test_exact_and_inner_values_are_points():
    assert _p(0.0078125, "exact") == "p = 0.0078"
    assert _p(0.002, "monte carlo 10000") == "p = 0.002"
