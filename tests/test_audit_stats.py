"""The audit's tests and verdicts (issue 13): checked against brute force, exact
enumeration, scipy and statsmodels, and the defect "does not predict" without a measurement."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control
from statsmodels.stats.multitest import multipletests

from traceanalysis.audit import (
    AUDIT_MIN_PROBLEMS,
    audit,
    bh_qvalues,
    fixed_effects_logit,
    within_permutation_test,
    within_problem_ranks,
)
from traceanalysis.report.findings import audit_findings


def _frame(
    n_problems: int, n: int, seed: int, features: dict[str, np.ndarray] | None = None
) -> pd.DataFrame:
    """Problems of ``n`` samples with difficulties spread so most have both outcomes."""
    rng = np.random.default_rng(seed)
    rate = np.repeat(rng.uniform(0.2, 0.8, n_problems), n)
    frame = pd.DataFrame(
        {
            "run": "r",
            "problem_id": np.repeat([f"p{i:03d}" for i in range(n_problems)], n),
            "correct": pd.array(rng.random(n_problems * n) < rate, dtype="boolean"),
        }
    )
    return frame.assign(**(features or {}))


def _row(table: pd.DataFrame, feature: str) -> pd.Series:
    return table[(table["feature"] == feature) & (table["bin"] == "all")].iloc[0]


def test_defect_constant_within_every_problem_is_cannot_tell_not_does_not_predict() -> None:
    # The reproduction: the feature differs between problems only (e.g. one
    # response length per problem); it used to read AUROC 0.50 [0.50, 0.50] and
    # "does not predict correctness once difficulty is controlled".
    df = _frame(30, 8, seed=1)
    codes = pd.factorize(df["problem_id"])[0]
    df["between_only"] = 100.0 + 10 * codes
    df["flat"] = 7.0
    table = audit(df, features={"between_only": "between", "flat": "flat"}, n_boot=100)
    for feature in ("between_only", "flat"):
        row = _row(table, feature)
        assert row["n_problems_mixed"] > 20 and row["n_problems_within"] == 0
        assert row["verdict"].startswith("cannot tell: the feature never varies within")
        assert "does not predict" not in row["verdict"]
        assert np.isnan(row["auroc_within"]) and np.isnan(row["p_value"])
        assert np.isnan(row["q_value"])


def test_too_few_informative_problems_is_cannot_tell() -> None:
    df = _frame(40, 8, seed=2)
    codes = pd.factorize(df["problem_id"])[0]
    varying = np.isin(codes, [0, 1, 2])  # the feature varies inside 3 problems only
    df["sparse"] = np.where(varying, np.random.default_rng(0).poisson(3, len(df)), 0.0)
    row = _row(audit(df, features={"sparse": "sparse"}, n_boot=100), "sparse")
    assert row["n_problems_mixed"] >= 30 and 1 <= row["n_problems_within"] <= 3
    expected = f"only {row['n_problems_within']} informative problem(s)"
    assert row["verdict"].startswith(f"cannot tell: {expected}")
    assert f"need {AUDIT_MIN_PROBLEMS}" in row["verdict"]
    assert np.isnan(row["p_value"]) and np.isnan(row["q_value"])


def test_bh_matches_scipy_and_statsmodels() -> None:
    rng = np.random.default_rng(5)
    p = np.r_[rng.uniform(0, 1, 40), rng.uniform(0, 0.01, 10), [0.02, 0.02, 1.0]]
    rng.shuffle(p)
    ours = bh_qvalues(p)
    assert ours == pytest.approx(false_discovery_control(p, method="bh"), abs=1e-12)
    assert ours == pytest.approx(multipletests(p, method="fdr_bh")[1], abs=1e-12)
    # NaN (untested rows) stays NaN and does not count toward m
    with_nan = np.r_[p[:10], np.nan, p[10:], np.nan]
    q = bh_qvalues(with_nan)
    assert np.isnan(q[10]) and np.isnan(q[-1])
    finite = np.isfinite(with_nan)
    assert q[finite] == pytest.approx(false_discovery_control(with_nan[finite]), abs=1e-12)
    assert np.isnan(bh_qvalues(np.array([np.nan]))).all()


def test_within_auroc_against_brute_force_pair_count() -> None:
    rng = np.random.default_rng(7)
    g = np.repeat(["a", "b", "c", "d"], [6, 9, 5, 4])
    y = rng.random(len(g)) < 0.5
    y[g == "d"] = True  # one class only: no AUROC
    x = rng.integers(0, 4, len(g)).astype(float)  # many ties
    ranks = within_problem_ranks(y, x, g)
    for name in ("a", "b", "c", "d"):
        xs, ys = x[g == name], y[g == name]
        pairs = [(p, q) for p in xs[ys] for q in xs[~ys]]
        if not pairs:
            assert name not in ranks.index
            continue
        brute = sum(1.0 if p > q else 0.5 if p == q else 0.0 for p, q in pairs) / len(pairs)
        assert ranks.loc[name, "auroc"] == pytest.approx(brute, abs=1e-12)


def _exact_null(y: np.ndarray, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The mean within-group AUROC over every within-group relabelling (exact enumeration)."""
    per_group = []
    for name in np.unique(g):
        xs, k = x[g == name], int(y[g == name].sum())
        values = []
        for chosen in itertools.combinations(range(len(xs)), k):
            lab = np.zeros(len(xs), bool)
            lab[list(chosen)] = True
            values.append(within_problem_ranks(lab, xs, np.zeros(len(xs)))["auroc"].iloc[0])
        per_group.append(values)
    return np.array([np.mean(c) for c in itertools.product(*per_group)])


def test_permutation_moments_against_exact_enumeration() -> None:
    g = np.repeat(["a", "b", "c"], [5, 6, 4])
    x = np.array([1, 2, 2, 3, 5, 0, 0, 1, 4, 4, 4, 2, 7, 7, 1], dtype=float)
    y = np.array([1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0], dtype=bool)
    ranks = within_problem_ranks(y, x, g)
    null = _exact_null(y, x, g)
    assert null.mean() == pytest.approx(0.5, abs=1e-12)
    assert null.var() == pytest.approx(ranks["null_var"].sum() / len(ranks) ** 2, rel=1e-12)
    # a group where the feature is constant has null variance 0: it is not informative
    flat = within_problem_ranks(np.array([1, 0, 1, 0], bool), np.ones(4), np.zeros(4))
    assert flat["null_var"].iloc[0] == 0 and flat["auroc"].iloc[0] == 0.5


def test_permutation_p_against_monte_carlo_permutations() -> None:
    rng = np.random.default_rng(11)
    k, n = 25, 8
    g = np.repeat(np.arange(k), n)
    y = rng.random(k * n) < 0.5
    x = rng.poisson(2, k * n) + rng.normal(0.2, 1.0, k * n) * y  # a modest planted effect
    ranks = within_problem_ranks(y, x, g)
    ranks = ranks[ranks["null_var"] > 0]
    observed = ranks["auroc"].mean()
    p = within_permutation_test(ranks["auroc"].to_numpy(), ranks["null_var"].to_numpy())
    draws = 4000
    hits = 0
    for _ in range(draws):
        perm = y[np.lexsort((rng.random(k * n), g))]  # shuffled within each problem
        sim = within_problem_ranks(perm, x, g).reindex(ranks.index)["auroc"].mean()
        hits += abs(sim - 0.5) >= abs(observed - 0.5) - 1e-12
    mc = (hits + 1) / (draws + 1)
    assert 0.005 < p < 0.3  # a case where the comparison is informative
    assert p == pytest.approx(mc, abs=3 * np.sqrt(mc * (1 - mc) / draws) + 0.005)


def test_planted_effect_is_found_and_q_is_bh_over_the_whole_table() -> None:
    rng = np.random.default_rng(3)
    df = _frame(40, 12, seed=3)
    y = df["correct"].to_numpy(bool)
    df["planted"] = rng.normal(0, 1, len(df)) + 0.8 * y
    df["noise"] = rng.normal(0, 1, len(df))
    df["difficulty_bin_coarse"] = np.where(rng.random(len(df)) < 0.5, "0-64", "65-128")
    table = audit(df, features={"planted": "planted", "noise": "noise"}, n_boot=200)
    row = _row(table, "planted")
    assert row["q_value"] < 1e-3 and row["auroc_within_lo"] > 0.5
    assert row["verdict"].startswith("predicts correctness within a problem: higher values")
    tested = table["p_value"].notna()
    assert tested.sum() >= 2 and table["q_value"].notna().equals(tested)
    assert table.loc[tested, "q_value"].to_numpy() == pytest.approx(
        false_discovery_control(table.loc[tested, "p_value"].to_numpy()), abs=1e-12
    )
    lines = audit_findings(table)
    assert any(f"{int(tested.sum())} tests" in line and "5%" in line for line in lines)


def test_fifty_null_features_give_no_more_false_positives_than_bh_allows() -> None:
    rng = np.random.default_rng(2026)
    df = _frame(40, 8, seed=4)
    names = [f"null_{i:02d}" for i in range(50)]
    for name in names:
        df[name] = rng.poisson(3, len(df)).astype(float)
    table = audit(df, features={n: n for n in names}, n_boot=100)
    assert table["p_value"].notna().all()
    raw = int((table["p_value"] < 0.05).sum())
    found = int((table["q_value"] < 0.05).sum())
    claimed = int(table["verdict"].str.startswith("predicts").sum())
    # every hypothesis is null: BH at 5% makes any discovery at all a <= 5% event
    assert found <= 1 and claimed <= found and found <= raw


def test_fixed_effects_slope_against_statsmodels_conditional_logit_on_pairs() -> None:
    # With two responses per problem (one correct) the unconditional fixed-effects slope is
    # exactly twice the conditional-logit one (Andersen 1970, Abrevaya 1997): the
    # incidental-parameter bias the docs give as a reason the slope is only secondary.
    from statsmodels.discrete.conditional_models import ConditionalLogit

    rng = np.random.default_rng(0)
    k = 200
    g = np.repeat(np.arange(k), 2)
    x = rng.normal(0, 1, 2 * k)
    first = rng.random(k) > 1 / (1 + np.exp(-(x[1::2] - x[::2])))
    y = np.empty(2 * k, bool)
    y[::2], y[1::2] = first, ~first
    fit = fixed_effects_logit(y, x, g)
    z = (x - x.mean()) / x.std()
    conditional = ConditionalLogit(y.astype(float), z[:, None], groups=g).fit(disp=0)
    assert fit.coef == pytest.approx(2 * conditional.params[0], rel=1e-5)
