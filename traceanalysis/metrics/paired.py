"""Paired comparisons of two runs on the problems both answered: the ``comparisons`` table.

Both runs answer the same problems, so a difference is measured per problem and then
averaged: delta = mean_i (x_i(run) - x_i(reference)) over the common problems i, where
x_i is the problem's pass@k (unbiased estimator) or maj@k (0/1). The CI is a paired
percentile bootstrap over problems (each resample draws problems once and uses them for
both runs); p comes from a sign-flip permutation test on the per-problem differences
(under "no difference" each d_i is as likely as -d_i): exact enumeration of all 2^m sign
patterns when m (the non-zero differences) is at most :data:`EXACT_MAX`, else
:data:`N_PERM` seeded random sign patterns.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from traceanalysis.metrics.answers import majority_at_k
from traceanalysis.metrics.bootstrap import N_BOOT, SEED, bootstrap_ci
from traceanalysis.metrics.passk import pass_matrix, problem_counts, report_ks

EXACT_MAX = 16  # 2^16 = 65,536 sign patterns: enumerated exactly
N_PERM = 10000  # random sign patterns beyond EXACT_MAX
COMPARISON_COLUMNS = [
    "run", "reference", "metric", "value_run", "value_reference", "delta", "delta_lo",
    "delta_hi", "p_value", "p_method", "n_problems",
]  # fmt: skip


def paired_bootstrap_ci(
    diff: np.ndarray, n_boot: int = N_BOOT, seed: int = SEED, level: float = 0.95
) -> tuple[float, float]:
    """Percentile CI of mean(diff) over problems, resampling problems (the same draws as
    every other table of the report: :func:`bootstrap_ci`)."""
    diff = np.asarray(diff, dtype=float)
    if diff.size == 0:
        return float("nan"), float("nan")
    lo, hi = bootstrap_ci(diff, n_boot, seed, level)
    return float(lo[0]), float(hi[0])


def sign_flip_p(diff: np.ndarray, n_perm: int = N_PERM, seed: int = SEED) -> tuple[float, str]:
    """Two-sided p of a paired sign-flip permutation test of mean(diff) = 0, and how it
    was computed ("exact" or "monte carlo N").

    Statistic |sum d_i|. Exact: the share of all 2^m sign patterns of the m non-zero
    d_i with a statistic at least the observed one. Monte Carlo: (1 + hits) / (1 + N)
    over N seeded random patterns, which never gives 0.
    """
    d = np.asarray(diff, dtype=float)
    d = d[d != 0]
    if d.size == 0:
        return 1.0, "exact"
    observed = abs(d.sum()) - 1e-12 * max(1.0, float(np.abs(d).sum()))  # float ties count
    if d.size <= EXACT_MAX:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=d.size)))
        return float((np.abs(signs @ d) >= observed).mean()), "exact"
    rng = np.random.default_rng(seed)
    total = d.sum()
    hits = 0
    chunk = max(1, min(2000, 4_000_000 // d.size))  # bounds the sign matrix (~32 MB)
    for start in range(0, n_perm, chunk):
        size = min(chunk, n_perm - start)
        # random bits b (1: keep the sign, 0: flip it); sum s_i d_i = 2 b.d - sum d
        raw = np.frombuffer(rng.bytes((size * d.size + 7) // 8), dtype=np.uint8)
        bits = np.unpackbits(raw)[: size * d.size].reshape(size, d.size)
        hits += int((np.abs(2.0 * (bits.astype(float) @ d) - total) >= observed).sum())
    return (1 + hits) / (1 + n_perm), f"monte carlo {n_perm}"


def common_ks(counts_a: pd.DataFrame, counts_b: pd.DataFrame, ks: list[int] | None) -> list[int]:
    """The k compared for two runs: those <= the smallest n of any common problem in
    either run (``ks`` if given, else powers of two and that smallest n)."""
    n_min = int(min(counts_a["n"].min(), counts_b["n"].min()))
    chosen = report_ks(n_min) if ks is None else ks
    return sorted(k for k in set(chosen) if k <= n_min)


def problem_values(
    df: pd.DataFrame, run: str, problems: list[str], ks: list[int], maj_k: int
) -> dict[str, np.ndarray]:
    """metric -> per-problem values (``problems`` order) of ``run``: pass@k and maj@k."""
    counts = problem_counts(df.loc[df["run"] == run]).set_index("problem_id").loc[problems]
    matrix = pass_matrix(counts.reset_index(), max(ks))
    out = {f"pass@{k}": matrix[:, k - 1] for k in ks}
    maj = majority_at_k(df.loc[df["run"] == run], maj_k).set_index("problem_id")
    out[f"maj@{maj_k}"] = maj["maj"].reindex(problems).to_numpy(dtype=float)
    return out


def comparisons_table(
    df: pd.DataFrame,
    pairs: list[tuple[str, str]],
    *,
    ks: list[int] | None = None,
    n_boot: int = N_BOOT,
    n_perm: int = N_PERM,
    seed: int = SEED,
) -> pd.DataFrame:
    """One row per (run, reference, metric) for each pair in ``pairs``: pass@1, every
    pass@k with k <= the smallest n of the common problems, and maj@that n.

    Values are means over the problems both runs graded (``n_problems``); ``delta`` is
    run minus reference with its paired bootstrap CI and sign-flip p. Pairs without a
    common problem get no row.
    """
    counts = problem_counts(df)
    rows = []
    for run, reference in pairs:
        a, b = (counts.loc[counts["run"] == r] for r in (run, reference))
        problems = sorted(set(a["problem_id"]) & set(b["problem_id"]))
        if not problems:
            continue
        a, b = (c.loc[c["problem_id"].isin(problems)] for c in (a, b))
        k_list = common_ks(a, b, ks) or [1]
        maj_k = int(min(a["n"].min(), b["n"].min()))
        values_a = problem_values(df, run, problems, k_list, maj_k)
        values_b = problem_values(df, reference, problems, k_list, maj_k)
        for metric, xa in values_a.items():
            diff = xa - values_b[metric]
            if np.isnan(diff).any():  # maj@k of a source-graded run: no vote to compare
                continue
            lo, hi = paired_bootstrap_ci(diff, n_boot, seed)
            p, method = sign_flip_p(diff, n_perm, seed)
            rows.append(
                {
                    "run": run,
                    "reference": reference,
                    "metric": metric,
                    "value_run": float(xa.mean()),
                    "value_reference": float(values_b[metric].mean()),
                    "delta": float(diff.mean()),
                    "delta_lo": lo,
                    "delta_hi": hi,
                    "p_value": p,
                    "p_method": method,
                    "n_problems": len(problems),
                }
            )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
