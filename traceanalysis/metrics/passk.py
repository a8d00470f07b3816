"""pass@k by the unbiased estimator, accuracy and capability (arXiv 2505.14216).

With n graded samples of which c are correct, Chen et al. (2021, arXiv 2107.03374)
estimate pass@k = 1 - C(n-c, k) / C(n, k). It is computed as a running product
C(n-c, k) / C(n, k) = prod_{j<k} (n-c-j) / (n-j), never with factorials, so n in the
thousands is exact to float precision. Acc = mean_i p_i = mean pass@1 and
Cap_k = mean_i (1 - (1 - p_i)^k), estimated by mean pass@k.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one problem with ``n`` samples, ``c`` correct (needs k <= n)."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def pass_curve(n: int, c: int, k_max: int | None = None) -> np.ndarray:
    """pass@k for k = 1..k_max (default n) of one problem; entries with k > n are NaN."""
    k_max = n if k_max is None else k_max
    out = np.full(k_max, np.nan)
    m = min(n, k_max)
    j = np.arange(m)
    ratio = np.cumprod(np.clip(n - c - j, 0, None) / (n - j))
    out[:m] = 1.0 - ratio
    return out


# Statuses of a response whose verification failed (the machinery, not the answer):
# ``correct`` is null although a gold exists. ``ungraded`` (no gold) is not one of them.
UNVERIFIED_STATUSES = ("timeout", "parse_error")


def counted_rows(df: pd.DataFrame) -> pd.Series:
    """Rows that count in their problem's n: graded rows, and unverified rows.

    A graded row has a non-null ``correct``. An unverified row has a null ``correct``
    because grading failed (a timeout, a parse error of the gold, a dead worker), or
    it is ``ungraded`` inside a problem that has graded rows. Unverified rows count in n
    as not correct, so a grading failure never shrinks n (pass@k is then a lower bound,
    and the accuracy table's ``n_unverified`` says by how many samples). Rows of a
    problem without any gold (all ``ungraded``) do not count: there is nothing to grade.
    """
    graded = df["correct"].notna()
    if "grade_status" not in df.columns:
        return graded
    failed = df["correct"].isna() & df["grade_status"].isin(UNVERIFIED_STATUSES)
    gradable = (
        (graded | failed).groupby([df["run"], df["problem_id"]], observed=True).transform("any")
    )
    return graded | failed | gradable.astype(bool)


def problem_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Per (run, problem_id): ``n`` counted samples, ``c`` correct, ``rate`` = c / n and
    ``n_unverified`` (counted samples whose grading failed, counted as not correct).

    Which rows count: :func:`counted_rows`. Problems with no counted sample (no gold) are
    dropped. Each problem keeps its own n (ragged counts).
    """
    part = df.loc[counted_rows(df), ["run", "problem_id", "correct"]]
    counts = (
        part.assign(
            correct=part["correct"].fillna(False).astype(int),
            unverified=part["correct"].isna().astype(int),
        )
        .groupby(["run", "problem_id"], sort=True, observed=True)
        .agg(n=("correct", "size"), c=("correct", "sum"), n_unverified=("unverified", "sum"))
        .reset_index()
    )
    for col in ("n", "c", "n_unverified"):
        counts[col] = counts[col].astype(int)
    counts["rate"] = counts["c"] / counts["n"]
    return counts[["run", "problem_id", "n", "c", "rate", "n_unverified"]]


def pass_matrix(counts: pd.DataFrame, k_max: int) -> np.ndarray:
    """Problems x k matrix of pass@k for k = 1..k_max (NaN where a problem has n < k)."""
    if len(counts) == 0:
        return np.empty((0, k_max))
    return np.vstack(
        [pass_curve(int(n), int(c), k_max) for n, c in zip(counts["n"], counts["c"], strict=True)]
    )


def accuracy_capability(df: pd.DataFrame, k: int) -> pd.DataFrame:
    """Per run: Acc (mean pass@1) and Cap_k (mean pass@k over problems with n >= k)."""
    rows = []
    for run, counts in problem_counts(df).groupby("run", sort=True, observed=True):
        matrix = pass_matrix(counts, k)
        rows.append(
            {
                "run": run,
                "acc": float(np.nanmean(matrix[:, 0])),
                f"cap_{k}": float(np.nanmean(matrix[:, k - 1])),
                "n_problems": int(np.isfinite(matrix[:, k - 1]).sum()),
            }
        )
    return pd.DataFrame(rows)


def report_ks(n_max: int) -> list[int]:
    """Default k of the accuracy table: powers of two up to ``n_max``, plus ``n_max``."""
    ks = [2**i for i in range(n_max.bit_length()) if 2**i <= n_max]
    return ks + ([n_max] if n_max not in ks else [])


def parse_ks(text: str | None) -> list[int] | None:
    """``"1,2,4,8"`` (the ``--k`` flag) as a sorted list of distinct k >= 1; None stays None."""
    if text is None or not str(text).strip():
        return None
    try:
        ks = sorted({int(part) for part in str(text).split(",") if part.strip()})
    except ValueError as exc:
        raise ValueError(f"--k: expected integers apart by commas, got {text!r}") from exc
    if not ks or ks[0] < 1:
        raise ValueError(f"--k: every k must be 1 or more, got {text!r}")
    return ks
