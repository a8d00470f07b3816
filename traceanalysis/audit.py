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

import numpy as np
import pandas as pd

from traceanalysis.audit_stats import (
    FixedEffectsFit,
    bootstrap_mean_ci,
    fixed_effects_logit,
    pooled_auroc,
    within_problem_auroc,
)

__all__ = [
    "AUDIT_VERSION", "FixedEffectsFit", "audit", "audit_features", "bootstrap_mean_ci",
    "fixed_effects_logit", "pooled_auroc", "verdict", "within_problem_auroc",
]  # fmt: skip
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


def _nan_fit(note: str) -> FixedEffectsFit:
    return FixedEffectsFit(np.nan, np.nan, np.nan, np.nan, note)


def _audit_group(
    part: pd.DataFrame, feature: str, *, n_boot: int, seed: int, min_problems: int
) -> dict[str, object]:
    y = part["correct"].to_numpy(dtype=bool)
    x = part[feature].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(x)
    y, x, groups = y[ok], x[ok], part["_problem"].to_numpy()[ok]
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
    slim = slim.assign(_problem=pd.factorize(slim["problem_id"])[0])  # int codes, once
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
