"""Does response length or keyword use predict correctness once difficulty is controlled?

For every feature (length, each lexicon's count and rate, each behaviour), run and coarse
difficulty bin (and overall), :func:`audit` reports side by side:
- ``auroc_pooled``: AUROC of the feature for predicting ``correct`` over all responses.
  Hard problems have both long responses and wrong answers, so this mixes the feature's
  own signal with problem difficulty (the classic confound).
- ``auroc_within``: AUROC computed inside each *informative* problem, averaged over them
  (unweighted), bootstrap CI over problems. A problem is informative for a feature when
  it has both correct and incorrect responses and the feature is not constant among
  them; any other problem has no within-problem AUROC to speak of (a constant feature
  gives 0.5 by ties alone), so it is left out, and with fewer than ``min_problems``
  informative problems the verdict is "cannot tell".
- ``p_value``: the primary test, a within-problem permutation test of the mean
  within-problem AUROC against 0.5 (:func:`within_permutation_test`); ``q_value``:
  Benjamini-Hochberg over every tested row of the table (all features, runs and bins).
  Verdicts are made on q at ``fdr`` together with the CI.
- ``coef_fe``: logistic regression of correctness on the standardised feature with one
  intercept per problem (problem fixed effects); log-odds change per standard deviation
  of the feature, Wald 95% CI and p-value ``coef_fe_p`` (secondary: a size, and a check on
  the direction). AUROC > 0.5 (coef > 0): higher values go with correct answers.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd

from traceanalysis.audit_stats import (
    FixedEffectsFit,
    bh_qvalues,
    bootstrap_mean_ci,
    fixed_effects_logit,
    pooled_auroc,
    within_permutation_test,
    within_problem_auroc,
    within_problem_ranks,
)
from traceanalysis.metrics.bins import bin_sort_key

__all__ = [
    "AUDIT_FDR", "AUDIT_MARGIN", "AUDIT_MIN_PROBLEMS", "AUDIT_VERSION", "FixedEffectsFit",
    "audit", "audit_features", "bh_qvalues", "bootstrap_mean_ci", "fixed_effects_logit",
    "pooled_auroc", "verdict", "within_permutation_test", "within_problem_auroc",
    "within_problem_ranks",
]  # fmt: skip
AUDIT_VERSION = "5"  # 5: the per-response rate is labelled as such
AUDIT_FDR = 0.05  # Benjamini-Hochberg false discovery rate of the verdicts
AUDIT_MIN_PROBLEMS = 10  # informative problems below which a row is not tested (see docs)
AUDIT_MARGIN = 0.1  # a CI inside 0.5 +- this rules out any effect worth naming
BEHAVIORS = (
    "verification", "backtracking", "subgoal_setting", "backward_chaining",
    "multi_perspective", "metacognitive_awareness", "self_reflection",
)  # fmt: skip
AUDIT_COLUMNS = (
    "feature", "label", "run", "bin", "n", "n_correct", "n_problems_mixed",
    "n_problems_within", "auroc_pooled", "auroc_within", "auroc_within_lo",
    "auroc_within_hi", "p_value", "q_value", "coef_fe", "coef_fe_lo", "coef_fe_hi",
    "coef_fe_p", "note", "verdict",
)  # fmt: skip
_LENGTH = ("n_tokens", "n_chars")


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
            features[col] = f"{name} keywords per 1k tokens of the response"  # not the pooled rate
    for b in BEHAVIORS:
        for source, word in (("behavior", "rules"), ("judge", "judge")):
            if f"{source}_{b}_count" in df.columns:
                features[f"{source}_{b}_count"] = f"{b.replace('_', ' ')} ({word}, count)"
    return features


def _undefined(row: dict[str, object] | pd.Series, min_problems: int) -> str | None:
    """Why the within-problem statistic is undefined or too thin to test, or None."""
    n, n_correct = int(row["n"]), int(row["n_correct"])
    mixed, k = int(row["n_problems_mixed"]), int(row["n_problems_within"])
    if n == 0:
        return "no graded responses"
    if n_correct == 0 or n_correct == n:
        return "no correct responses" if n_correct == 0 else "every response is correct"
    if mixed == 0:
        return "no problem has both correct and incorrect responses"
    if k == 0:
        return (
            f"the feature never varies within the {mixed} problem(s) that have both correct "
            "and incorrect responses, so the within-problem AUROC is undefined"
        )
    if k < min_problems:
        return (
            f"only {k} informative problem(s) (both outcomes and the feature varying "
            f"among them; need {min_problems})"
        )
    return None


def verdict(
    row: dict[str, object] | pd.Series,
    *,
    min_problems: int = AUDIT_MIN_PROBLEMS,
    fdr: float = AUDIT_FDR,
    margin: float = AUDIT_MARGIN,
) -> str:
    """One sentence: does the feature predict correctness once difficulty is controlled?

    "cannot tell" when the within-problem statistic is undefined or has fewer than
    ``min_problems`` informative problems; else on ``q_value`` at ``fdr`` and the 95% CI
    of the within-problem AUROC (see docs/report.md, "Verdict rules")."""
    reason = _undefined(row, min_problems)
    if reason is not None:
        return f"cannot tell: {reason}"
    w, lo, hi = (float(row[c]) for c in ("auroc_within", "auroc_within_lo", "auroc_within_hi"))
    q = float(row["q_value"])
    text = f"within-problem AUROC {w:.2f} [{lo:.2f}, {hi:.2f}], q = {q:.2g}"
    if not np.isfinite(q):
        return f"cannot tell: the test could not be computed ({text})"
    if q < fdr and (lo > 0.5 or hi < 0.5):
        up = lo > 0.5
        c_lo, c_hi = float(row["coef_fe_lo"]), float(row["coef_fe_hi"])
        if (c_hi < 0) if up else (c_lo > 0):
            return (
                "inconclusive: the within-problem AUROC and the fixed-effects slope point "
                f"in opposite directions ({text})"
            )
        if str(row["feature"]) in _LENGTH:
            what = "longer" if up else "shorter"
            out = f"predicts correctness within a problem: {what} responses are more often correct"
        else:
            what = "higher" if up else "lower"
            out = f"predicts correctness within a problem: {what} values go with correct answers"
        out += f" ({text})"
    elif q < fdr:
        out = f"inconclusive: significant at FDR {fdr:.0%} but the 95% CI includes 0.5 ({text})"
    elif lo >= 0.5 - margin and hi <= 0.5 + margin:
        out = (
            f"no evidence it predicts correctness within a problem ({text}); the CI rules out "
            f"an AUROC further than {margin:.2f} from 0.5"
        )
    elif lo > 0.5 or hi < 0.5:
        out = (
            "cannot tell: the bootstrap CI excludes 0.5 but the test is not significant "
            f"at FDR {fdr:.0%} ({text})"
        )
    else:
        out = f"cannot tell: no significant effect, but the CI is too wide to rule one out ({text})"
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
    ranks = within_problem_ranks(y, x, groups)
    informative = ranks[ranks["null_var"] > 0]
    k = len(informative)
    values = informative["auroc"].to_numpy()
    lo = hi = p_value = np.nan
    if k >= min_problems:
        lo, hi = bootstrap_mean_ci(values, n_boot=n_boot, seed=seed)
        p_value = within_permutation_test(values, informative["null_var"].to_numpy())
    if int(y.sum()) == 0:
        fit = _nan_fit("no correct samples")
    elif k < min_problems:
        fit = _nan_fit(f"fewer than {min_problems} informative problems")
    else:
        fit = fixed_effects_logit(y, x, groups)
    row: dict[str, object] = {
        "n": int(len(y)), "n_correct": int(y.sum()), "n_problems_mixed": int(len(ranks)),
        "n_problems_within": k, "auroc_pooled": pooled_auroc(y, x),
        "auroc_within": float(values.mean()) if k else np.nan, "auroc_within_lo": lo,
        "auroc_within_hi": hi, "p_value": p_value, "coef_fe": fit.coef, "coef_fe_lo": fit.lo,
        "coef_fe_hi": fit.hi, "coef_fe_p": fit.p_value, "note": fit.note,
    }  # fmt: skip
    return row


def audit(
    df: pd.DataFrame,
    *,
    features: dict[str, str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    min_problems: int = AUDIT_MIN_PROBLEMS,
    fdr: float = AUDIT_FDR,
) -> pd.DataFrame:
    """The ``audit`` table: one row per feature x run x bin ("all" and each coarse bin).

    Reads ``run``, ``problem_id``, ``correct`` (rows with null ``correct`` are left out),
    ``difficulty_bin_coarse`` when present, and the feature columns (default:
    :func:`audit_features`). Rows with at least ``min_problems`` informative problems are
    tested; ``q_value`` is Benjamini-Hochberg over all of them, and each verdict is made
    on q at ``fdr``. Seeded, so a rerun gives the identical table.
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
    table = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    table["q_value"] = bh_qvalues(table["p_value"].to_numpy(dtype=float))
    table["verdict"] = [
        verdict(row, min_problems=min_problems, fdr=fdr) for _, row in table.iterrows()
    ]
    return table


def _bin_order(label: str) -> tuple[float, float]:
    # any bin scheme (paper 0-64, counts 3-4/8, rates 12.5-25%) in order of success rate
    return bin_sort_key(label) or (np.inf, np.inf)


class _CallableModule(types.ModuleType):
    # `traceanalysis.audit` names this module and its function: calling it calls audit().
    def __call__(self, df: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
        return audit(df, **kwargs)  # type: ignore[arg-type]


sys.modules[__name__].__class__ = _CallableModule
