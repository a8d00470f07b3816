"""Difficulty bins from the reference run's success rate (arXiv 2505.14216, Sec. 4).

The paper's edges (counts out of 256, applied to the rate c / n) with the bins that
cannot hold a problem at the reference run's n merged into their neighbour, labelled by
the counts out of n they hold (``0/8``, ``1/8``, ``3-4/8``; see
:mod:`traceanalysis.metrics.bins`, which also covers ragged n).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from traceanalysis.metrics.answers import answer_entropy
from traceanalysis.metrics.bins import (
    COARSE_UPPER,
    PAPER_BINS,
    PAPER_COARSE_BINS,
    PAPER_UPPER,
    BinScheme,
    bin_scheme,
    paper_bin_index,
)
from traceanalysis.metrics.order import in_role_order, role_order
from traceanalysis.metrics.passk import problem_counts

# The paper's labels (counts out of 256): the bins at n = 256 hold exactly these counts.
DIFFICULTY_BINS = list(PAPER_BINS)
COARSE_BINS = list(PAPER_COARSE_BINS)
N_BOOT = 1000


def bin_index(c: np.ndarray, n: np.ndarray, upper: list[int] | None = None) -> np.ndarray:
    """Index of the paper bin of each (c correct out of n): the first with c*256 <= upper*n."""
    return paper_bin_index(c, n, PAPER_UPPER if upper is None else upper)


def _reference_counts(df: pd.DataFrame, reference: str) -> pd.DataFrame:
    counts = problem_counts(df.loc[df["run"] == reference])
    if counts.empty:
        raise ValueError(f"reference run {reference!r} has no graded samples")
    return counts


def reference_schemes(df: pd.DataFrame, reference: str) -> tuple[BinScheme, BinScheme]:
    """The fine and coarse bin schemes for the reference run's sample counts."""
    ns = _reference_counts(df, reference)["n"]
    return bin_scheme(ns, PAPER_UPPER), bin_scheme(ns, COARSE_UPPER)


def problem_bins(
    counts: pd.DataFrame, fine: BinScheme | None = None, coarse: BinScheme | None = None
) -> pd.DataFrame:
    """``counts`` (run, problem_id, n, c, rate) with ``difficulty_bin`` and the coarse bin
    (schemes built from the counts' own n unless given)."""
    out = counts.copy()
    fine = fine or bin_scheme(out["n"], PAPER_UPPER)
    coarse = coarse or bin_scheme(out["n"], COARSE_UPPER)
    c, n = out["c"].to_numpy(), out["n"].to_numpy()
    out["difficulty_bin"] = fine.assign(c, n)
    out["difficulty_bin_coarse"] = coarse.assign(c, n)
    return out


def reference_bins(df: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per problem_id of the reference run: ``ref_rate``, ``difficulty_bin``, coarse bin."""
    counts = _reference_counts(df, reference)
    binned = problem_bins(counts, *reference_schemes(df, reference))
    return binned.rename(columns={"rate": "ref_rate"})[
        ["problem_id", "ref_rate", "difficulty_bin", "difficulty_bin_coarse"]
    ]


def assign_difficulty(df: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Add ``ref_rate``, ``difficulty_bin`` and ``difficulty_bin_coarse`` to every row.

    Each problem gets the bin of the reference run's success rate on it; problems the
    reference never (validly) graded get nulls.
    """
    fine, coarse = reference_schemes(df, reference)
    bins = reference_bins(df, reference).set_index("problem_id")
    out = df.drop(columns=[c for c in bins.columns if c in df.columns])
    pid = out["problem_id"]
    out["ref_rate"] = pid.map(bins["ref_rate"]).astype("Float64")
    out["difficulty_bin"] = pd.Categorical(pid.map(bins["difficulty_bin"]), dtype=fine.dtype)
    out["difficulty_bin_coarse"] = pd.Categorical(
        pid.map(bins["difficulty_bin_coarse"]), dtype=coarse.dtype
    )
    return out


def _mean_ci(values: np.ndarray, rng: np.random.Generator, n_boot: int) -> tuple[float, float]:
    """Percentile 95% CI of the mean by resampling ``values`` (NaN for fewer than 2)."""
    if len(values) < 2:
        return np.nan, np.nan
    means = values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)


def difficulty_table(
    df: pd.DataFrame, reference: str, *, n_boot: int = N_BOOT, seed: int = 0
) -> pd.DataFrame:
    """Long table: bin, bin_index, run, n_problems, accuracy [accuracy_lo, accuracy_hi],
    delta_vs_reference [delta_lo, delta_hi].

    ``accuracy`` is the run's mean per-problem success rate over the problems of the bin
    (only problems both runs graded); ``delta_vs_reference`` subtracts the reference
    run's accuracy on those same problems. CIs: 95% percentile bootstrap over the problems
    of the bin (``n_boot`` resamples, seeded; the delta's resamples are paired, one draw
    of problems for both runs); NaN for a bin with fewer than 2 problems. Every kept bin
    appears for every run; runs in role order.
    """
    fine, _ = reference_schemes(df, reference)
    bins = reference_bins(df, reference)
    counts = problem_counts(df).merge(bins, on="problem_id", how="inner")
    rows = []
    graded = set(counts["run"].astype(str))
    for run in [r for r in role_order(df) if r in graded]:
        part = counts.loc[counts["run"] == run]
        rng = np.random.default_rng([seed, zlib.crc32(run.encode())])  # same draws in any order
        for index, label in enumerate(fine.labels):
            cell = part.loc[part["difficulty_bin"] == label]
            rate = cell["rate"].to_numpy(dtype=float)
            delta = rate - cell["ref_rate"].to_numpy(dtype=float)
            acc_lo, acc_hi = _mean_ci(rate, rng, n_boot)
            d_lo, d_hi = _mean_ci(delta, rng, n_boot)
            rows.append(
                {
                    "bin": label,
                    "bin_index": index,
                    "run": run,
                    "n_problems": len(cell),
                    "accuracy": float(rate.mean()) if len(cell) else np.nan,
                    "accuracy_lo": acc_lo,
                    "accuracy_hi": acc_hi,
                    "delta_vs_reference": float(delta.mean()) if len(cell) else np.nan,
                    "delta_lo": d_lo,
                    "delta_hi": d_hi,
                }
            )
    return pd.DataFrame(rows)


def transition_table(df: pd.DataFrame, reference: str, run: str) -> pd.DataFrame:
    """Long table of problems moving from their reference bin to ``run``'s own bin.

    Both axes use one scheme, built from the sample counts of both runs (the reference's
    bins when they share one n; rate labels when the counts differ). Columns: ref_bin,
    run_bin, count, row_pct (percent of the ref_bin row; NaN for an empty row). Every
    cell of the square is present.
    """
    ref_counts = _reference_counts(df, reference)
    run_counts = problem_counts(df.loc[df["run"] == run])
    ns = pd.concat([ref_counts["n"], run_counts["n"]])
    scheme = bin_scheme(ns, PAPER_UPPER)
    ref = problem_bins(ref_counts, scheme, bin_scheme(ns, COARSE_UPPER))
    own = problem_bins(run_counts, scheme, bin_scheme(ns, COARSE_UPPER))
    pairs = ref[["problem_id", "difficulty_bin"]].merge(
        own[["problem_id", "difficulty_bin"]], on="problem_id", suffixes=("_ref", "_run")
    )
    labels = list(scheme.labels)
    table = pd.crosstab(
        pairs["difficulty_bin_ref"], pairs["difficulty_bin_run"], dropna=False
    ).reindex(index=labels, columns=labels, fill_value=0)
    long = table.stack().rename("count").reset_index()
    long.columns = ["ref_bin", "run_bin", "count"]
    long["count"] = long["count"].astype(int)
    totals = long.groupby("ref_bin", sort=False, observed=True)["count"].transform("sum")
    long["row_pct"] = np.where(
        totals > 0, 100.0 * long["count"] / totals.where(totals > 0, 1), np.nan
    )
    long["ref_bin"] = long["ref_bin"].astype(str)
    long["run_bin"] = long["run_bin"].astype(str)
    return long


def entropy_table(df: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Long table: run, bin ("all" or a bin label), mean_entropy (bits), n_problems."""
    fine, _ = reference_schemes(df, reference)
    ent = answer_entropy(df).merge(reference_bins(df, reference), on="problem_id", how="inner")
    rows = []
    for run, part in ent.groupby("run", sort=True, observed=True):
        groups = [("all", part)] + [
            (label, part.loc[part["difficulty_bin"] == label]) for label in fine.labels
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
    table = pd.DataFrame(rows, columns=["run", "bin", "mean_entropy", "n_problems"])
    return in_role_order(table, role_order(df))
