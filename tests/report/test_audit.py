"""The audit's statistics against independent computations (scikit-learn, statsmodels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.metrics import roc_auc_score

from traceanalysis.audit import (
    audit,
    audit_features,
    bootstrap_mean_ci,
    fixed_effects_logit,
    pooled_auroc,
    verdict,
    within_problem_auroc,
)


def _samples(n_problems: int = 30, n: int = 12, slope: float = 0.8, seed: int = 0) -> pd.DataFrame:
    """Hand-built samples: problem difficulty drives both length and failure (the confound),
    plus a within-problem effect of ``slope`` per SD of reflection keywords."""
    rng = np.random.default_rng(seed)
    pid = np.repeat([f"p{i:02d}" for i in range(n_problems)], n)
    ease = np.repeat(rng.normal(0, 1.5, n_problems), n)
    tokens = np.round(800 - 250 * ease + rng.normal(0, 60, len(pid))).clip(10)
    refl = rng.poisson(3, len(pid)).astype(float)
    logit = ease + slope * (refl - refl.mean()) / refl.std()
    correct = rng.random(len(pid)) < 1 / (1 + np.exp(-logit))
    coarse = np.where(np.repeat(np.arange(n_problems), n) % 2 == 0, "0-64", "193-256")
    return pd.DataFrame(
        {
            "run": "r1",
            "problem_id": pid,
            "correct": pd.array(correct, dtype="boolean"),
            "difficulty_bin_coarse": coarse,
            "n_tokens": tokens.astype(int),
            "reflection_kim2025_count": refl.astype(int),
            "reflection_kim2025_per_1k": 1000 * refl / tokens,
            "behavior_verification_count": rng.integers(0, 3, len(pid)),
        }
    )


def test_auroc_matches_sklearn_pooled_and_per_problem() -> None:
    df = _samples()
    y, x, g = (
        df["correct"].to_numpy(bool),
        df["n_tokens"].to_numpy(float),
        df["problem_id"].to_numpy(),
    )
    assert pooled_auroc(y, x) == pytest.approx(roc_auc_score(y, x), abs=1e-12)
    per = within_problem_auroc(y, x, g)
    by_hand = {
        p: roc_auc_score(y[g == p], x[g == p])
        for p in np.unique(g)
        if 0 < y[g == p].sum() < (g == p).sum()
    }
    assert set(per.index) == set(by_hand)
    for p, value in by_hand.items():
        assert per[p] == pytest.approx(value, abs=1e-12)
    # ties (integer counts) count one half, as in sklearn
    xr = df["reflection_kim2025_count"].to_numpy(float)
    assert pooled_auroc(y, xr) == pytest.approx(roc_auc_score(y, xr), abs=1e-12)


def test_fixed_effects_logit_matches_statsmodels_dummies() -> None:
    df = _samples(n_problems=25)
    y, x, g = (
        df["correct"].to_numpy(bool),
        df["reflection_kim2025_count"].to_numpy(float),
        df["problem_id"].to_numpy(),
    )
    fit = fixed_effects_logit(y, x, g)
    mixed = (
        df.groupby("problem_id")["correct"].transform(lambda s: 0 < s.sum() < len(s)).to_numpy(bool)
    )
    z = (x[mixed] - x[mixed].mean()) / x[mixed].std()
    dummies = pd.get_dummies(g[mixed]).astype(float).to_numpy()
    ref = sm.Logit(y[mixed].astype(float), np.column_stack([z, dummies])).fit(disp=0)
    assert fit.coef == pytest.approx(ref.params[0], rel=1e-6)
    lo, hi = ref.conf_int()[0]
    assert (fit.lo, fit.hi) == pytest.approx((lo, hi), rel=1e-6)
    assert fit.p_value == pytest.approx(ref.pvalues[0], rel=1e-5)
    assert fit.note == ""


def test_fixed_effects_separation_and_constant_give_nan_with_reason() -> None:
    g = np.repeat(["a", "b", "c"], 4)
    y = np.array([0, 0, 1, 1] * 3, dtype=bool)
    separating = np.array([1, 2, 3, 4] * 3, dtype=float)
    fit = fixed_effects_logit(y, separating, g)
    assert np.isnan(fit.coef) and "separation" in fit.note
    flat = np.repeat([1.0, 2.0, 3.0], 4)  # varies across problems only
    fit = fixed_effects_logit(y, flat, g)
    assert np.isnan(fit.coef) and "within" in fit.note
    fit = fixed_effects_logit(np.ones(12, bool), separating, g)
    assert np.isnan(fit.coef) and "both" in fit.note


def test_bootstrap_ci_by_brute_force() -> None:
    values = np.array([0.2, 0.5, 0.9, 0.4, 0.7])
    lo, hi = bootstrap_mean_ci(values, n_boot=2000, seed=3)
    rng = np.random.default_rng(3)
    idx = rng.integers(0, 5, size=(2000, 5))
    means = values[idx].mean(axis=1)
    assert (lo, hi) == pytest.approx(
        (np.quantile(means, 0.025), np.quantile(means, 0.975)), rel=1e-12
    )
    assert lo < values.mean() < hi


def test_audit_table_shows_the_confound_and_the_real_effect() -> None:
    df = _samples(n_problems=60, n=16, slope=1.0)
    table = audit(df, n_boot=300)
    assert list(table["bin"].unique()) == ["all", "0-64", "193-256"]
    assert set(table["feature"]) == set(audit_features(df))
    length = table[(table["feature"] == "n_tokens") & (table["bin"] == "all")].iloc[0]
    assert length["auroc_pooled"] < 0.3  # long responses sit on hard problems
    assert length["auroc_within_lo"] < 0.5 < length["auroc_within_hi"]
    assert length["q_value"] >= 0.05
    assert length["verdict"].startswith("no evidence it predicts")
    assert "difficulty" in length["verdict"]
    refl = table[(table["feature"] == "reflection_kim2025_count") & (table["bin"] == "all")].iloc[0]
    assert refl["auroc_within_lo"] > 0.5 and refl["coef_fe_lo"] > 0 and refl["q_value"] < 0.05
    assert refl["verdict"].startswith("predicts correctness")
    assert "higher values go with correct answers" in refl["verdict"]
    again = audit(df, n_boot=300)
    pd.testing.assert_frame_equal(table, again)


def test_audit_zero_correct_and_ungraded_rows() -> None:
    df = _samples(n_problems=6, n=4)
    df["correct"] = pd.array([False] * len(df), dtype="boolean")
    df.loc[:3, "correct"] = pd.NA
    table = audit(df, n_boot=50)
    row = table[(table["feature"] == "n_tokens") & (table["bin"] == "all")].iloc[0]
    assert row["n"] == len(df) - 4 and row["n_correct"] == 0
    assert np.isnan(row["auroc_pooled"]) and np.isnan(row["coef_fe"])
    assert np.isnan(row["p_value"]) and np.isnan(row["q_value"])
    assert row["verdict"] == "cannot tell: no correct responses"


def test_verdict_words() -> None:
    base = {"feature": "reflection_kim2025_count", "n": 400, "n_correct": 200,
            "n_problems_mixed": 40, "n_problems_within": 40, "auroc_pooled": 0.5,
            "coef_fe_lo": -0.8, "coef_fe_hi": -0.2}  # fmt: skip
    yes = verdict(base | {"auroc_within": 0.4, "auroc_within_lo": 0.35, "auroc_within_hi": 0.45,
                          "q_value": 0.001})  # fmt: skip
    assert yes.startswith("predicts") and "lower values" in yes and "q = 0.001" in yes
    longer = verdict(base | {"feature": "n_tokens", "auroc_within": 0.6, "auroc_within_lo": 0.55,
                             "auroc_within_hi": 0.65, "q_value": 0.01, "coef_fe_lo": 0.1,
                             "coef_fe_hi": 0.5})  # fmt: skip
    assert "longer responses are more often correct" in longer
    narrow = {"auroc_within": 0.5, "auroc_within_lo": 0.45, "auroc_within_hi": 0.55}
    no = verdict(base | narrow | {"q_value": 0.6})
    assert no.startswith("no evidence it predicts")
    wide = {"auroc_within": 0.55, "auroc_within_lo": 0.35, "auroc_within_hi": 0.75}
    assert verdict(base | wide | {"q_value": 0.4}).startswith("cannot tell: no significant")
    excludes = verdict(base | {"auroc_within": 0.6, "auroc_within_lo": 0.55,
                               "auroc_within_hi": 0.65, "q_value": 0.4})  # fmt: skip
    assert excludes.startswith("cannot tell: the bootstrap CI excludes 0.5")
    # significant before correction is not enough: the verdict reads q, not p
    assert not verdict(base | narrow | {"p_value": 0.01, "q_value": 0.2}).startswith("predicts")
    unsure = verdict(base | {"auroc_within": 0.45, "auroc_within_lo": 0.38,
                             "auroc_within_hi": 0.52, "q_value": 0.03})  # fmt: skip
    assert unsure.startswith("inconclusive") and "includes 0.5" in unsure
