"""The aggregate tables ``accuracy`` (wide) and ``passk`` (long), and grade-status rates."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from traceanalysis.metrics.answers import majority_at_k
from traceanalysis.metrics.bootstrap import N_BOOT, SEED, bootstrap_ci, weighted_means
from traceanalysis.metrics.order import in_role_order, role_order
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


def run_ks(n_min: int, n_max: int, ks: list[int] | None = None) -> list[int]:
    """The k of one run's accuracy row: ``ks`` if given, else powers of two up to n_max
    plus n_min and n_max (k > n_min are partial: see :func:`accuracy_table`)."""
    if ks is not None:
        return sorted(set(ks))
    return sorted(set(report_ks(n_min)) | set(report_ks(n_max)))


def accuracy_table(
    df: pd.DataFrame,
    *,
    ks: list[int] | None = None,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """One row per run (role order): pass@k, maj@k and 95% CIs over problems.

    Columns: run, role, n_problems, n_samples, n_min, n_max (counted samples per
    problem; they differ when counts are ragged), n_unverified (samples whose grading
    failed, counted as not correct), ``pass@k`` with ``_lo``/``_hi`` (percentile
    bootstrap over problems, seeded) for ``ks`` (default: powers of two up to the largest
    n of any run, plus every run's n_min and n_max; the same k for every run),
    ``maj@<n_min>`` (the first n_min samples of every problem) and
    ``status_<s>`` rates.

    A problem contributes to pass@k only for k <= its n. pass@k with k <= n_min averages
    over all of the run's problems; a larger k averages over fewer, and then the table
    carries ``pass@k_n_problems`` (how many problems it averages) for that k. Such a
    value is not the run's capability and the report never states it as one.
    """
    rows = []
    partial: set[int] = set()
    maj_names: list[str] = []
    counts_all = problem_counts(df)
    sizes = counts_all.groupby("run", observed=True)["n"].agg(["min", "max"])
    # one set of k for every run (a wide table): each run's defaults, or --k
    all_ks = set(ks) if ks is not None else set()
    for n_min, n_max in zip(sizes["min"], sizes["max"], strict=True):
        all_ks |= set(run_ks(int(n_min), int(n_max), ks))
    k_run = sorted(all_ks)
    for run in role_order(df.loc[df["run"].notna()]):
        counts = counts_all.loc[counts_all["run"] == run]
        row: dict[str, object] = {
            "run": run,
            "role": _role(df, run),
            "n_problems": len(counts),
            "n_samples": int((df["run"] == run).sum()),
            "n_min": int(counts["n"].min()) if len(counts) else 0,
            "n_max": int(counts["n"].max()) if len(counts) else 0,
            "n_unverified": int(counts["n_unverified"].sum()),
        }
        if len(counts):
            n_min = int(row["n_min"])
            matrix = pass_matrix(counts, max(k_run))[:, [k - 1 for k in k_run]]
            maj = majority_at_k(df.loc[df["run"] == run], n_min)["maj"].to_numpy()[:, None]
            point, lo, hi = _ci(np.hstack([matrix, maj]), n_boot, seed)
            names = [f"pass@{k}" for k in k_run] + [f"maj@{n_min}"]
            if names[-1] not in maj_names:
                maj_names.append(names[-1])
            for name, p, low, high in zip(names, point, lo, hi, strict=True):
                row[name], row[f"{name}_lo"], row[f"{name}_hi"] = float(p), float(low), float(high)
            for j, k in enumerate(k_run):
                row[f"pass@{k}_n_problems"] = int(np.isfinite(matrix[:, j]).sum())
                if k > n_min:
                    partial.add(k)
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    columns = ["run", "role", "n_problems", "n_samples", "n_min", "n_max", "n_unverified"]
    for k in sorted(all_ks):
        columns += [f"pass@{k}", f"pass@{k}_lo", f"pass@{k}_hi"]
        columns += [f"pass@{k}_n_problems"] if k in partial else []
    for name in sorted(maj_names, key=lambda m: int(m.split("@")[1])):
        columns += [name, f"{name}_lo", f"{name}_hi"]
    table = table.reindex(columns=columns)
    for k in partial:
        table[f"pass@{k}_n_problems"] = table[f"pass@{k}_n_problems"].fillna(0).astype(int)
    table["run"] = table["run"].astype("string")
    return table.merge(status_rates(df), on="run", how="left")


def complete_ks(table: pd.DataFrame, runs: list[str] | None = None) -> list[int]:
    """The k whose pass@k averages over every problem of each of ``runs`` (default: all
    rows of the accuracy ``table``): k <= n_min of every run. Only these are capability."""
    rows = table if runs is None else table.loc[table["run"].isin(runs)]
    if rows.empty or "n_min" not in rows.columns:
        return []
    n_min = int(rows["n_min"].min())
    ks = [int(c.split("@")[1]) for c in table.columns if re.fullmatch(r"pass@\d+", c)]
    return sorted(k for k in ks if k <= n_min)


def passk_table(df: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = SEED) -> pd.DataFrame:
    """Long table: run, k, value, lo, hi, n_problems, complete — every k from 1 to the
    run's largest n. ``complete`` is False where some problem has fewer than k samples
    (the value then averages over ``n_problems`` problems only)."""
    frames = []
    for run, counts in problem_counts(df).groupby("run", sort=True, observed=True):
        n_max = int(counts["n"].max())
        matrix = pass_matrix(counts, n_max)
        point, lo, hi = _ci(matrix, n_boot, seed)
        n_problems = np.isfinite(matrix).sum(axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "run": run,
                    "k": np.arange(1, n_max + 1),
                    "value": point,
                    "lo": lo,
                    "hi": hi,
                    "n_problems": n_problems,
                    "complete": n_problems == len(counts),
                }
            )
        )
    cols = ["run", "k", "value", "lo", "hi", "n_problems", "complete"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return in_role_order(pd.concat(frames, ignore_index=True), role_order(df))
