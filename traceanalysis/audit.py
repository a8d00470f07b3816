"""Does response length or keyword use predict correctness once difficulty is controlled?

For every feature (length, each lexicon's count and rate, each behaviour), run and coarse
difficulty bin (and overall), :func:`audit` reports three measures side by side:
- ``auroc_pooled``: AUROC of the feature for predicting ``correct`` over all responses.
  Hard problems have both long responses and wrong answers, so this mixes the feature's
  own signal with problem difficulty (the classic confound).
- ``auroc_within``: AUROC computed inside each problem that has both correct and
  incorrect samples, averaged over them (unweighted), bootstrap CI over problems.
- ``coef_fe``: logistic regression of correctness on the standardised feature with one
  intercept per problem (problem fixed effects); log-odds change per standard deviation
  of the feature, Wald 95% CI and p-value. Problems whose samples are all correct or all
  wrong carry no information about the slope and are left out of the fit. AUROC > 0.5
  (coef > 0): higher values go with correct answers.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

AUDIT_VERSION = "1"
BEHAVIORS = (
    "verification", "backtracking", "subgoal_setting", "backward_chaining",
    "multi_perspective", "metacognitive_awareness", "self_reflection",
)  # fmt: skip
AUDIT_COLUMNS = (
    "feature", "label", "run", "bin", "n", "n_correct", "n_problems_within",
    "auroc_pooled", "auroc_within", "auroc_within_lo", "auroc_within_hi",
    "coef_fe", "coef_fe_lo", "coef_fe_hi", "p_value", "note", "verdict",
)  # fmt: skip
_Z95 = float(stats.norm.ppf(0.975))


def audit_features(df: pd.DataFrame) -> dict[str, str]:
    """The feature columns of ``df`` worth auditing, mapped to a plain-words label.

    Length (``n_tokens``, else ``n_chars``), every lexicon ``L_count`` and ``L_per_1k``,
    every rule behaviour count ``behavior_B_count`` and judge count ``judge_B_count``.
    """
    features: dict[str, str] = {}
    if "n_tokens" in df.columns:
        features["n_tokens"] = "response length (tokens)"
    elif "n_chars" in df.columns:
        features["n_chars"] = "response length (characters)"
    for col in df.columns:
        if col.endswith("_per_1k") and f"{col[:-7]}_count" in df.columns:
            name = col[:-7]
            features[f"{name}_count"] = f"{name} keywords per response"
            features[col] = f"{name} keywords per 1k tokens"
    for b in BEHAVIORS:
        for source, word in (("behavior", "rules"), ("judge", "judge")):
            if f"{source}_{b}_count" in df.columns:
                features[f"{source}_{b}_count"] = f"{b.replace('_', ' ')} ({word}, count)"
    return features


def pooled_auroc(y: np.ndarray, x: np.ndarray) -> float:
    """AUROC of score ``x`` for binary labels ``y`` (ties count one half); NaN if one class."""
    y = np.asarray(y, dtype=bool)
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = stats.rankdata(np.asarray(x, dtype=float))
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def within_problem_auroc(y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> pd.Series:
    """AUROC of ``x`` for ``y`` inside each group that has both classes (index: group).

    One sort by (group, x), tie-averaged ranks per group, then the rank-sum formula."""
    y = np.asarray(y, dtype=bool)
    x = np.asarray(x, dtype=float)
    codes, names = pd.factorize(np.asarray(groups), sort=True)
    if len(codes) == 0:
        return pd.Series([], dtype=float, name="auroc")
    order = np.lexsort((x, codes))
    xs, cs, ys = x[order], codes[order], y[order]
    pos = np.arange(len(xs))
    new_group = np.r_[True, cs[1:] != cs[:-1]]
    group_start = pos[new_group][np.cumsum(new_group) - 1]
    rank = (pos - group_start + 1).astype(float)
    block = np.cumsum(new_group | np.r_[True, xs[1:] != xs[:-1]]) - 1
    avg_rank = (np.bincount(block, weights=rank) / np.bincount(block))[block]
    n = np.bincount(cs, minlength=len(names)).astype(float)
    n1 = np.bincount(cs, weights=ys, minlength=len(names))
    r1 = np.bincount(cs, weights=avg_rank * ys, minlength=len(names))
    mixed = (n1 > 0) & (n1 < n)
    n1, n0, r1 = n1[mixed], (n - n1)[mixed], r1[mixed]
    values = (r1 - n1 * (n1 + 1) / 2) / (n1 * n0)
    return pd.Series(values, index=pd.Index(np.asarray(names)[mixed], name="g"), name="auroc")


def bootstrap_mean_ci(
    values: np.ndarray, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean of ``values`` (resampling the values)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float("nan"), float("nan")
    idx = np.random.default_rng(seed).integers(0, len(values), size=(n_boot, len(values)))
    means, alpha = values[idx].mean(axis=1), (1 - level) / 2
    return float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha))


@dataclass(frozen=True)
class FixedEffectsFit:
    """Slope of a fixed-effects logit: log-odds per SD of the feature, CI, p, and a note."""

    coef: float
    lo: float
    hi: float
    p_value: float
    note: str = ""


def _nan_fit(note: str) -> FixedEffectsFit:
    return FixedEffectsFit(np.nan, np.nan, np.nan, np.nan, note)


def fixed_effects_logit(
    y: np.ndarray, x: np.ndarray, groups: np.ndarray, *, max_iter: int = 100
) -> FixedEffectsFit:
    """Logit of ``y`` on standardised ``x`` with one intercept per group, by Newton's method.

    The Hessian is an arrow matrix (slope + diagonal intercepts), so each step solves it
    through its Schur complement in O(n): the same maximum likelihood estimate as a dense
    ``statsmodels`` Logit with group dummies, at a fraction of the cost. Groups without
    both outcomes are dropped. Separation or a feature that never varies within a group
    gives NaN with the reason in ``note`` instead of an exception.
    """
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    codes = pd.factorize(np.asarray(groups))[0]
    pos, size = np.bincount(codes, weights=y), np.bincount(codes)
    keep = ((pos > 0) & (pos < size))[codes]
    if not keep.any():
        return _nan_fit("no problem has both correct and incorrect samples")
    y, x = y[keep], x[keep]
    codes = pd.factorize(codes[keep])[0]
    sd = x.std()
    if not np.isfinite(sd) or sd == 0:
        return _nan_fit("feature does not vary")
    z = (x - x.mean()) / sd
    n_groups = codes.max() + 1
    group_mean = np.bincount(codes, weights=z) / np.bincount(codes)
    if np.allclose(z, group_mean[codes]):
        return _nan_fit("feature does not vary within any problem")
    rate = np.bincount(codes, weights=y) / np.bincount(codes)
    alpha, beta = np.log(rate / (1 - rate)), 0.0

    def loglik(a: np.ndarray, b: float) -> float:
        eta = a[codes] + b * z
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)))

    current, schur = loglik(alpha, beta), np.nan
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(alpha[codes] + beta * z)))
        w, resid = p * (1 - p), y - p
        g_b, g_a = float(resid @ z), np.bincount(codes, weights=resid, minlength=n_groups)
        h_bb = float(w @ (z * z))
        h_ab = np.bincount(codes, weights=w * z, minlength=n_groups)
        d = np.bincount(codes, weights=w, minlength=n_groups)
        schur = h_bb - float(np.sum(h_ab**2 / d))
        if not schur > 1e-10:
            return _nan_fit("singular fit (perfect separation)")
        d_beta = (g_b - float(np.sum(h_ab * g_a / d))) / schur
        d_alpha = (g_a - h_ab * d_beta) / d
        step = 1.0
        while step > 1e-6:  # step halving keeps the log-likelihood rising
            candidate = loglik(alpha + step * d_alpha, beta + step * d_beta)
            if candidate >= current - 1e-12:
                break
            step /= 2
        alpha, beta, current = alpha + step * d_alpha, beta + step * d_beta, candidate
        if abs(beta) > 50:
            return _nan_fit("perfect separation: the feature alone sorts correct from wrong")
        if max(abs(step * d_beta), float(np.max(np.abs(step * d_alpha)))) < 1e-9:
            break
    else:
        return _nan_fit(f"did not converge in {max_iter} iterations")
    se = float(np.sqrt(1.0 / schur))
    return FixedEffectsFit(
        beta, beta - _Z95 * se, beta + _Z95 * se, float(2 * stats.norm.sf(abs(beta / se)))
    )


def verdict(row: dict[str, object] | pd.Series, *, min_problems: int = 5) -> str:
    """One sentence: does the feature predict correctness once difficulty is controlled?"""
    k = int(row["n_problems_within"])
    if k < min_problems:
        return (
            f"cannot tell: only {k} problem(s) have both correct and incorrect samples "
            f"(need {min_problems})"
        )
    w, lo, hi = (float(row[c]) for c in ("auroc_within", "auroc_within_lo", "auroc_within_hi"))
    c_lo, c_hi = float(row["coef_fe_lo"]), float(row["coef_fe_hi"])
    auroc_says = 1 if lo > 0.5 else -1 if hi < 0.5 else 0
    fe_says = 1 if c_lo > 0 else -1 if c_hi < 0 else 0
    text = f"within-problem AUROC {w:.2f} [{lo:.2f}, {hi:.2f}]"
    if auroc_says != 0 and fe_says in (auroc_says, 0):
        direction = "higher" if auroc_says > 0 else "lower"
        strength = "predicts" if fe_says == auroc_says else "weakly predicts"
        out = f"{strength} correctness within a problem: {direction} values go with correct answers ({text})"
    elif auroc_says == 0 and fe_says == 0:
        out = f"does not predict correctness once difficulty is controlled ({text})"
    else:
        out = (
            f"inconclusive: the within-problem AUROC and the fixed-effects slope disagree ({text})"
        )
    pooled = float(row["auroc_pooled"])
    if np.isfinite(pooled) and abs(pooled - 0.5) - abs(w - 0.5) > 0.05:
        out += f"; the pooled AUROC of {pooled:.2f} mostly reflects problem difficulty"
    return out


def _audit_group(
    part: pd.DataFrame, feature: str, *, n_boot: int, seed: int, min_problems: int
) -> dict[str, object]:
    y = part["correct"].to_numpy(dtype=bool)
    x = part[feature].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(x)
    y, x, groups = y[ok], x[ok], part["problem_id"].to_numpy(dtype=object)[ok]
    within = within_problem_auroc(y, x, groups)
    lo, hi = bootstrap_mean_ci(within.to_numpy(), n_boot=n_boot, seed=seed)
    if int(y.sum()) == 0:
        fit = _nan_fit("no correct samples")
    elif len(within) < min_problems:
        fit = _nan_fit(f"fewer than {min_problems} problems with both outcomes")
    else:
        fit = fixed_effects_logit(y, x, groups)
    within_mean = float(within.mean()) if len(within) else np.nan
    row: dict[str, object] = {
        "n": int(len(y)), "n_correct": int(y.sum()), "n_problems_within": int(len(within)),
        "auroc_pooled": pooled_auroc(y, x), "auroc_within": within_mean,
        "auroc_within_lo": lo, "auroc_within_hi": hi, "coef_fe": fit.coef, "coef_fe_lo": fit.lo,
        "coef_fe_hi": fit.hi, "p_value": fit.p_value, "note": fit.note,
    }  # fmt: skip
    row["verdict"] = verdict(row, min_problems=min_problems)
    return row


def audit(
    df: pd.DataFrame,
    *,
    features: dict[str, str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    min_problems: int = 5,
) -> pd.DataFrame:
    """The ``audit`` table: one row per feature x run x bin ("all" and each coarse bin).

    Reads ``run``, ``problem_id``, ``correct`` (rows with null ``correct`` are left out),
    ``difficulty_bin_coarse`` when present, and the feature columns (default:
    :func:`audit_features`). Seeded, so a rerun gives the identical table.
    """
    features = audit_features(df) if features is None else features
    keep = ["run", "problem_id", "correct", "difficulty_bin_coarse", *features]
    slim = df[[c for c in dict.fromkeys(keep) if c in df.columns]]  # never copy the text
    graded = slim[slim["correct"].notna()] if "correct" in slim.columns else slim.iloc[0:0]
    has_bins = "difficulty_bin_coarse" in graded.columns
    rows: list[dict[str, object]] = []
    for run in pd.unique(df["run"]):
        run_rows = graded[graded["run"] == run]
        parts: list[tuple[str, pd.DataFrame]] = [("all", run_rows)]
        if has_bins:
            labels = run_rows["difficulty_bin_coarse"].dropna().astype(str)
            for label in sorted(pd.unique(labels), key=_bin_order):
                parts.append(
                    (label, run_rows[run_rows["difficulty_bin_coarse"].astype(str) == label])
                )
        for bin_label, part in parts:
            for feature, label in features.items():
                base = {"feature": feature, "label": label, "run": str(run), "bin": bin_label}
                rows.append(
                    base
                    | _audit_group(
                        part, feature, n_boot=n_boot, seed=seed, min_problems=min_problems
                    )
                )
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def _bin_order(label: str) -> int:
    return int(label.split("-")[0]) if label.split("-")[0].isdigit() else 10**6


class _CallableModule(types.ModuleType):
    # `traceanalysis.audit` names this module and its function: calling it calls audit().
    def __call__(self, df: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
        return audit(df, **kwargs)  # type: ignore[arg-type]


sys.modules[__name__].__class__ = _CallableModule
