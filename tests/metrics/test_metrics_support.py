"""The support table: counts by hand, Fisher against scipy.stats.fisher_exact, BH
against scipy.stats.false_discovery_control, the out-of-reach bound against its formula."""

from __future__ import annotations

import numpy as np
import pytest
from metrics_helpers import from_counts, graded
from scipy.stats import binom, false_discovery_control, fisher_exact

from traceanalysis.metrics import bh_qvalues, out_of_reach_bound, support_table
from traceanalysis.metrics.support import problem_support


@pytest.mark.parametrize("seed", range(5))
def test_bh_equals_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.random(40), rng.random(10) * 0.01, [1.0, 1.0, 0.05, 0.05]])
    assert bh_qvalues(p) == pytest.approx(false_discovery_control(p, method="bh"))


def _df():
    base = {"a": (8, 0), "b": (8, 8), "c": (8, 3), "d": (8, 0), "e": (8, 1), "f": (8, 0)}
    rl = {"a": (8, 8), "b": (8, 0), "c": (8, 4), "d": (8, 1), "e": (8, 0), "f": (8, 0), "g": (8, 8)}
    return graded(from_counts("base", base, "base") + from_counts("rl", rl, "rl"))


def test_support_counts_and_significance() -> None:
    table = support_table(_df(), [("rl", "base"), ("rl", "ghost")]).set_index("run")
    row = table.loc["rl"]
    assert row["reference"] == "base" and row["n_problems"] == 6  # g is rl's only
    # expansion: a (8/8 vs 0/8), d (1/8 vs 0/8); shrinkage: b (0/8 vs 8/8), e (0/8 vs 1/8)
    assert (row["expansion"], row["shrinkage"], row["both"], row["neither"]) == (2, 2, 1, 1)
    # only the 8-vs-0 problems survive BH at 5%: 1/8 vs 0/8 is noise
    assert row["expansion_significant"] == 1 and row["shrinkage_significant"] == 1
    assert row["fdr"] == 0.05


def test_per_problem_fisher_equals_scipy() -> None:
    per = problem_support(_df(), "rl", "base")
    for r in per.itertuples():
        table = [[r.c_run, r.n_run - r.c_run], [r.c_reference, r.n_reference - r.c_reference]]
        assert r.p_value == pytest.approx(fisher_exact(table).pvalue)
    assert per["q_value"].to_numpy() == pytest.approx(
        false_discovery_control(per["p_value"].to_numpy())
    )


@pytest.mark.parametrize("n", [8, 64, 256])
def test_out_of_reach_bound(n: int) -> None:
    bound = out_of_reach_bound(n)
    assert binom.pmf(0, n, bound) == pytest.approx(0.05)  # P(0 of n | p = bound) = 5%
    if n == 256:
        assert round(bound, 3) == 0.012
