"""Difficulty bins from the reference run's success rate (arXiv 2505.14216, Sec. 4).

Edges are the paper's counts out of 256 samples: 0, 1-4, 5-16, 17-32, 33-64, 65-128,
129-192, 193-256; with n != 256 samples the same edges apply to the rate c / n. Bin
membership is decided in integers (c * 256 <= edge * n), so rates like 4/256 never fall
on the wrong side of an edge through rounding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceanalysis.metrics.answers import answer_entropy
from traceanalysis.metrics.passk import problem_counts

DIFFICULTY_BINS = ["0", "1-4", "5-16", "17-32", "33-64", "65-128", "129-192", "193-256"]
COARSE_BINS = ["0-64", "65-128", "129-192", "193-256"]
_UPPER = [0, 4, 16, 32, 64, 128, 192, 256]  # inclusive upper edge of each bin, out of 256
_COARSE_UPPER = [64, 128, 192, 256]
BIN_DTYPE = pd.CategoricalDtype(DIFFICULTY_BINS, ordered=True)
COARSE_DTYPE = pd.CategoricalDtype(COARSE_BINS, ordered=True)


def bin_index(c: np.ndarray, n: np.ndarray, upper: list[int] | None = None) -> np.ndarray:
    """Index of the bin of each (c correct out of n): the first bin with c*256 <= upper*n."""
    upper_edges = np.asarray(upper if upper is not None else _UPPER)
    c = np.asarray(c, dtype=np.int64)[:, None]
    n = np.asarray(n, dtype=np.int64)[:, None]
    return (c * 256 > upper_edges[None, :] * n).sum(axis=1)


def problem_bins(counts: pd.DataFrame) -> pd.DataFrame:
    """``counts`` (run, problem_id, n, c, rate) with ``difficulty_bin`` and the coarse bin."""
    out = counts.copy()
    fine = bin_index(out["c"].to_numpy(), out["n"].to_numpy())
    coarse = bin_index(out["c"].to_numpy(), out["n"].to_numpy(), _COARSE_UPPER)
    out["difficulty_bin"] = pd.Categorical.from_codes(fine, dtype=BIN_DTYPE)
    out["difficulty_bin_coarse"] = pd.Categorical.from_codes(coarse, dtype=COARSE_DTYPE)
    return out


def reference_bins(df: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per problem_id of the reference run: ``ref_rate``, ``difficulty_bin``, coarse bin."""
    counts = problem_counts(df.loc[df["run"] == reference])
    if counts.empty:
        raise ValueError(f"reference run {reference!r} has no graded samples")
    binned = problem_bins(counts)
    return binned.rename(columns={"rate": "ref_rate"})[
        ["problem_id", "ref_rate", "difficulty_bin", "difficulty_bin_coarse"]
    ]


def assign_difficulty(df: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Add ``ref_rate``, ``difficulty_bin`` and ``difficulty_bin_coarse`` to every row.

    Each problem gets the bin of the reference run's success rate on it; problems the
    reference never (validly) graded get nulls.
    """
    bins = reference_bins(df, reference).set_index("problem_id")
    out = df.drop(columns=[c for c in bins.columns if c in df.columns])
    pid = out["problem_id"]
    out["ref_rate"] = pid.map(bins["ref_rate"]).astype("Float64")
    out["difficulty_bin"] = pd.Categorical(pid.map(bins["difficulty_bin"]), dtype=BIN_DTYPE)
    out["difficulty_bin_coarse"] = pd.Categorical(
        pid.map(bins["difficulty_bin_coarse"]), dtype=COARSE_DTYPE
    )
    return out


def difficulty_table(df: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Long table: bin, bin_index, run, n_problems, accuracy, delta_vs_reference.

    ``accuracy`` is the run's mean per-problem success rate over the problems of the
    bin (only problems both runs graded); ``delta_vs_reference`` subtracts the reference
    run's accuracy on those same problems. Every bin appears for every run.
    """
    bins = reference_bins(df, reference)
    counts = problem_counts(df).merge(bins, on="problem_id", how="inner")
    rows = []
    for run in sorted(counts["run"].unique()):
        part = counts.loc[counts["run"] == run]
        for index, label in enumerate(DIFFICULTY_BINS):
            cell = part.loc[part["difficulty_bin"] == label]
            acc = float(cell["rate"].mean()) if len(cell) else float("nan")
            ref = float(cell["ref_rate"].mean()) if len(cell) else float("nan")
            rows.append(
                {
                    "bin": label,
                    "bin_index": index,
                    "run": run,
                    "n_problems": len(cell),
                    "accuracy": acc,
                    "delta_vs_reference": acc - ref,
                }
            )
    return pd.DataFrame(rows)


def transition_table(df: pd.DataFrame, reference: str, run: str) -> pd.DataFrame:
    """Long table of problems moving from their reference bin to ``run``'s own bin.

    Columns: ref_bin, run_bin, count, row_pct (percent of the ref_bin row; NaN for an
    empty row). All 8 x 8 cells are present.
    """
    ref = reference_bins(df, reference)[["problem_id", "difficulty_bin"]]
    own = problem_bins(problem_counts(df.loc[df["run"] == run]))[["problem_id", "difficulty_bin"]]
    pairs = ref.merge(own, on="problem_id", suffixes=("_ref", "_run"))
    table = pd.crosstab(
        pairs["difficulty_bin_ref"], pairs["difficulty_bin_run"], dropna=False
    ).reindex(index=DIFFICULTY_BINS, columns=DIFFICULTY_BINS, fill_value=0)
    long = table.stack().rename("count").reset_index()
    long.columns = ["ref_bin", "run_bin", "count"]
    long["count"] = long["count"].astype(int)
    totals = long.groupby("ref_bin", sort=False)["count"].transform("sum")
    long["row_pct"] = np.where(
        totals > 0, 100.0 * long["count"] / totals.where(totals > 0, 1), np.nan
    )
    long["ref_bin"] = long["ref_bin"].astype(str)
    long["run_bin"] = long["run_bin"].astype(str)
    return long


def entropy_table(df: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Long table: run, bin ("all" or a bin label), mean_entropy (bits), n_problems."""
    ent = answer_entropy(df).merge(reference_bins(df, reference), on="problem_id", how="inner")
    rows = []
    for run, part in ent.groupby("run", sort=True, observed=True):
        groups = [("all", part)] + [
            (label, part.loc[part["difficulty_bin"] == label]) for label in DIFFICULTY_BINS
        ]
        for label, cell in groups:
            vals = cell["entropy"].dropna()
            rows.append(
                {
                    "run": run,
                    "bin": label,
                    "mean_entropy": float(vals.mean()) if len(vals) else float("nan"),
                    "n_problems": len(vals),
                }
            )
    return pd.DataFrame(rows, columns=["run", "bin", "mean_entropy", "n_problems"])
