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


def problem_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Per (run, problem_id): ``n`` graded samples, ``c`` correct, ``rate`` = c / n.

    Rows whose ``correct`` is null (timeout, ungraded) are left out; problems with no
    graded sample at all are dropped. Each problem keeps its own n (ragged counts).
    """
    graded = df.loc[df["correct"].notna(), ["run", "problem_id", "correct"]]
    counts = (
        graded.assign(correct=graded["correct"].astype(int))
        .groupby(["run", "problem_id"], sort=True, observed=True)["correct"]
        .agg(n="size", c="sum")
        .reset_index()
    )
    counts["n"] = counts["n"].astype(int)
    counts["c"] = counts["c"].astype(int)
    counts["rate"] = counts["c"] / counts["n"]
    return counts


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
    """The k shown in the accuracy table: powers of two up to ``n_max``, plus ``n_max``."""
    ks = [2**i for i in range(n_max.bit_length()) if 2**i <= n_max]
    return ks + ([n_max] if n_max not in ks else [])
