"""The aggregate tables ``accuracy`` (wide) and ``passk`` (long), and grade-status rates."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from traceanalysis.metrics.answers import majority_at_k
from traceanalysis.metrics.bootstrap import N_BOOT, SEED, bootstrap_ci, weighted_means
from traceanalysis.metrics.passk import pass_matrix, problem_counts, report_ks
from traceanalysis.schema import GRADE_STATUSES


def status_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Per run: ``status_<s>`` = share of its responses with grade_status s, for every status."""
    shares = pd.crosstab(df["run"], df["grade_status"], normalize="index")
    shares = shares.reindex(columns=list(GRADE_STATUSES), fill_value=0.0)
    shares.columns = [f"status_{s}" for s in shares.columns]
    return shares.rename_axis(None, axis=1).reset_index().astype({"run": "string"})


def _ci(values: np.ndarray, n_boot: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    point = weighted_means(values, np.ones((1, values.shape[0])))[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a k no problem reaches: NaN
        lo, hi = bootstrap_ci(values, n_boot=n_boot, seed=seed)
    return point, lo, hi


def _role(df: pd.DataFrame, run: str) -> str | None:
    if "role" not in df.columns:
        return None
    roles = df.loc[df["run"] == run, "role"].dropna()
    return str(roles.iloc[0]) if len(roles) else None


def accuracy_table(df: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = SEED) -> pd.DataFrame:
    """One row per run: pass@k at powers of two up to n and n itself, maj@n, 95% CIs.

    Columns: run, role, n_problems, n_samples, n_min, n_max (graded samples per problem;
    they differ when counts are ragged), ``pass@k`` and ``maj@<n>`` with ``_lo``/``_hi``
    (percentile bootstrap over problems, seeded), and ``status_<s>`` rates. pass@k
    averages over the problems with at least k graded samples.
    """
    rows = []
    counts_all = problem_counts(df)
    for run in sorted(df["run"].dropna().unique()):
        counts = counts_all.loc[counts_all["run"] == run]
        row: dict[str, object] = {
            "run": run,
            "role": _role(df, run),
            "n_problems": len(counts),
            "n_samples": int((df["run"] == run).sum()),
            "n_min": int(counts["n"].min()) if len(counts) else 0,
            "n_max": int(counts["n"].max()) if len(counts) else 0,
        }
        if len(counts):
            n_max = int(counts["n"].max())
            ks = report_ks(n_max)
            matrix = pass_matrix(counts, n_max)[:, [k - 1 for k in ks]]
            maj = majority_at_k(df.loc[df["run"] == run])["maj"].to_numpy()[:, None]
            values = np.hstack([matrix, maj])
            point, lo, hi = _ci(values, n_boot, seed)
            for name, p, low, high in zip(
                [f"pass@{k}" for k in ks] + [f"maj@{n_max}"], point, lo, hi, strict=True
            ):
                row[name], row[f"{name}_lo"], row[f"{name}_hi"] = float(p), float(low), float(high)
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["run"] = table["run"].astype("string")
    return table.merge(status_rates(df), on="run", how="left")


def passk_table(df: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = SEED) -> pd.DataFrame:
    """Long table: run, k, value, lo, hi, n_problems — every k from 1 to the run's largest n."""
    frames = []
    for run, counts in problem_counts(df).groupby("run", sort=True, observed=True):
        n_max = int(counts["n"].max())
        matrix = pass_matrix(counts, n_max)
        point, lo, hi = _ci(matrix, n_boot, seed)
        frames.append(
            pd.DataFrame(
                {
                    "run": run,
                    "k": np.arange(1, n_max + 1),
                    "value": point,
                    "lo": lo,
                    "hi": hi,
                    "n_problems": np.isfinite(matrix).sum(axis=0),
                }
            )
        )
    cols = ["run", "k", "value", "lo", "hi", "n_problems"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
