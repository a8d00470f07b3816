"""The tables of "Inside the reference distribution?": ``nll`` and ``nll_novel``.

- ``nll``: per scoring model, run, difficulty bin (and ``all``) and correctness (and
  ``all``): the mean per-token NLL of the responses with a 95% bootstrap CI over problems
  (problems resampled; the statistic is the mean over the resampled problems' responses),
  and the distribution's 5th, 25th, 50th, 75th and 95th percentiles (the figure draws them).
- ``nll_novel``: per scoring model and run other than the reference run: of the run's
  correct responses on problems the reference run never solved (graded, 0 correct), the
  share whose per-token NLL lies above the 95th percentile of the per-token NLLs of the
  reference run's own responses (all of them, correct or not), with a 95% bootstrap CI
  over those problems. ``share_all_above`` is the same share over every scored response
  of the run, for scale (about 0.05 for a run like the reference).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from traceanalysis.metrics.bootstrap import resample_weights

PER_TOKEN = re.compile(r"^nll_(?P<name>.+)_per_token$")
QUANTILES = (5, 25, 50, 75, 95)
NOVEL_PERCENTILE = 95.0


def score_names(df: pd.DataFrame) -> list[str]:
    """The scoring models' names whose columns ``df`` carries (``nll_<name>_per_token``)."""
    return [m["name"] for c in df.columns if (m := PER_TOKEN.match(str(c)))]


def cluster_ci(
    values: np.ndarray, problems: np.ndarray, *, n_boot: int, seed: int, level: float = 0.95
) -> tuple[float, float]:
    """Percentile CI of the mean of ``values`` when whole problems are resampled."""
    if len(values) == 0:
        return np.nan, np.nan
    codes, uniques = pd.factorize(problems)
    sums = np.bincount(codes, weights=values, minlength=len(uniques))
    counts = np.bincount(codes, minlength=len(uniques)).astype(float)
    if len(uniques) < 2:
        return np.nan, np.nan
    weights = resample_weights(len(uniques), n_boot, seed)
    den = weights @ counts
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (weights @ sums) / den
    means = means[den > 0]
    alpha = (1.0 - level) / 2.0
    return float(np.quantile(means, alpha)), float(np.quantile(means, 1.0 - alpha))


def _bins(df: pd.DataFrame) -> list[str]:
    if "difficulty_bin" not in df.columns:
        return []
    col = df["difficulty_bin"]
    cats = list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else []
    present = set(col.dropna().astype(str))
    return [str(c) for c in cats if str(c) in present] or sorted(present)


def _summary(part: pd.DataFrame, value: str, *, n_boot: int, seed: int) -> dict[str, object]:
    vals = part[value].to_numpy(dtype=float)
    lo, hi = cluster_ci(vals, part["problem_id"].to_numpy(), n_boot=n_boot, seed=seed)
    qs = np.percentile(vals, QUANTILES) if len(vals) else [np.nan] * len(QUANTILES)
    return {
        "n_responses": len(vals),
        "n_problems": int(part["problem_id"].nunique()),
        "nll_per_token": float(vals.mean()) if len(vals) else np.nan,
        "nll_per_token_lo": lo,
        "nll_per_token_hi": hi,
        **{f"q{q:02d}": float(v) for q, v in zip(QUANTILES, qs, strict=True)},
    }


def nll_table(df: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """The ``nll`` table (module docstring); empty when no response was scored."""
    rows = []
    bins = _bins(df)
    for name in score_names(df):
        value = f"nll_{name}_per_token"
        scored = df[df[value].notna()]
        for run, frame in scored.groupby("run", sort=False, observed=True):
            for label in ["all", *bins]:
                in_bin = frame if label == "all" else frame[frame["difficulty_bin"] == label]
                for flag in ("all", True, False):
                    if flag == "all":
                        part = in_bin
                    elif "correct" in in_bin.columns:
                        part = in_bin[in_bin["correct"].eq(flag).fillna(False).astype(bool)]
                    else:
                        continue
                    if part.empty:
                        continue
                    rows.append(
                        {
                            "model": name, "run": run, "difficulty_bin": label,
                            "correct": str(flag).lower(),
                            **_summary(part, value, n_boot=n_boot, seed=seed),
                        }
                    )  # fmt: skip
    return pd.DataFrame(rows)


def novel_table(
    df: pd.DataFrame, reference: str | None, *, n_boot: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """The ``nll_novel`` table (module docstring); empty without a graded reference run."""
    if reference is None or "correct" not in df.columns:
        return pd.DataFrame()
    graded = df[df["correct"].notna()]
    ref = graded[graded["run"] == reference]
    solved = ref.groupby("problem_id", observed=True)["correct"].apply(
        lambda s: bool(s.astype(bool).any())
    )
    unsolved = set(solved.index[~solved.astype(bool)])
    rows = []
    for name in score_names(df):
        value = f"nll_{name}_per_token"
        ref_values = df.loc[(df["run"] == reference) & df[value].notna(), value]
        if ref_values.empty:
            continue
        threshold = float(np.percentile(ref_values.to_numpy(dtype=float), NOVEL_PERCENTILE))
        for run, frame in df[df[value].notna()].groupby("run", sort=False, observed=True):
            if run == reference:
                continue
            correct = frame["correct"].eq(True).fillna(False).astype(bool)
            eligible = frame[correct & frame["problem_id"].isin(unsolved)]
            above = (eligible[value].to_numpy(dtype=float) > threshold).astype(float)
            lo, hi = cluster_ci(above, eligible["problem_id"].to_numpy(), n_boot=n_boot, seed=seed)
            rows.append(
                {
                    "model": name, "run": run, "reference": reference,
                    "threshold_nll_per_token": threshold,
                    "n_unsolved_problems": len(unsolved),
                    "n_problems_solved": int(eligible["problem_id"].nunique()),
                    "n_correct": len(eligible), "n_above": int(above.sum()),
                    "share_above": float(above.mean()) if len(above) else np.nan,
                    "share_above_lo": lo, "share_above_hi": hi,
                    "share_all_above": float((frame[value] > threshold).mean()),
                }
            )  # fmt: skip
    return pd.DataFrame(rows)
