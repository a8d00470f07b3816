"""Where two pass@k curves cross, with a bootstrap interval over problems.

Users of limit-of-RLVR found base/RL crossings that were noise; so the crossing k is
reported with a paired percentile bootstrap (the same problems resampled for both runs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from traceanalysis.metrics.bootstrap import N_BOOT, SEED, resample_weights, weighted_means
from traceanalysis.metrics.passk import pass_matrix, problem_counts


@dataclass(frozen=True)
class Crossing:
    """The first k where run_a's lead over run_b at k=1 turns into a deficit (or the reverse).

    ``k`` is None when the curves do not cross; ``lo``/``hi`` bound it (95%, resamples
    without a crossing count as k = infinity, so ``hi`` may be inf); ``share_crossing``
    is the share of resamples in which the curves cross.
    """

    run_a: str
    run_b: str
    k: int | None
    lo: float
    hi: float
    share_crossing: float
    n_problems: int
    k_max: int


def first_crossing(diff: np.ndarray) -> np.ndarray:
    """Per row of ``diff`` (resamples x k, a - b): first k (1-based) whose sign opposes k=1's.

    Rows that never cross, or start at 0, give +inf.
    """
    diff = np.atleast_2d(diff)
    start = np.sign(diff[:, :1])
    opposite = (np.sign(diff) == -start) & (start != 0)
    found = opposite.any(axis=1)
    first = opposite.argmax(axis=1) + 1.0
    return np.where(found, first, np.inf)


def _curves(df: pd.DataFrame, run: str, problems: list[str], k_max: int) -> np.ndarray:
    counts = problem_counts(df.loc[df["run"] == run]).set_index("problem_id").loc[problems]
    return pass_matrix(counts.reset_index(), k_max)


def passk_crossing(
    df: pd.DataFrame, run_a: str, run_b: str, *, n_boot: int = N_BOOT, seed: int = SEED
) -> Crossing:
    """The crossing k of run_a's and run_b's pass@k curves over their common problems.

    Curves run to k_max = the smallest n of any common problem in either run, so every k
    averages over the same problems (ragged n never turns the curve into a subset).
    """
    counts = problem_counts(df.loc[df["run"].isin([run_a, run_b])])
    per_run = {r: set(counts.loc[counts["run"] == r, "problem_id"]) for r in (run_a, run_b)}
    problems = sorted(per_run[run_a] & per_run[run_b])
    if not problems:
        raise ValueError(f"runs {run_a!r} and {run_b!r} share no graded problem")
    n_both = counts.pivot(index="problem_id", columns="run", values="n").loc[problems].min(axis=1)
    k_max = int(n_both.min())
    a = _curves(df, run_a, problems, k_max)
    b = _curves(df, run_b, problems, k_max)
    point = a.mean(axis=0, keepdims=True) - b.mean(axis=0, keepdims=True)
    k = first_crossing(point)[0]
    weights = resample_weights(len(problems), n_boot, seed)
    boot = first_crossing(weighted_means(a, weights) - weighted_means(b, weights))
    return Crossing(
        run_a=run_a,
        run_b=run_b,
        k=None if np.isinf(k) else int(k),
        lo=float(np.quantile(boot, 0.025, method="lower")),
        hi=float(np.quantile(boot, 0.975, method="higher")),
        share_crossing=float(np.isfinite(boot).mean()),
        n_problems=len(problems),
        k_max=k_max,
    )


def crossing_table(
    df: pd.DataFrame, pairs: list[tuple[str, str]], *, n_boot: int = N_BOOT, seed: int = SEED
) -> pd.DataFrame:
    """One row per compared pair (run, reference) that shares problems: the crossing of
    their pass@k curves. Columns: run, reference, k (NaN: no crossing up to k_max),
    k_lo, k_hi (95%, inf = no crossing), share_crossing, n_problems, k_max."""
    rows = []
    for run, reference in pairs:
        try:
            cross = passk_crossing(df, run, reference, n_boot=n_boot, seed=seed)
        except ValueError:  # no common problem: nothing to compare
            continue
        rows.append(
            {
                "run": run,
                "reference": reference,
                "k": float("nan") if cross.k is None else cross.k,
                "k_lo": cross.lo,
                "k_hi": cross.hi,
                "share_crossing": cross.share_crossing,
                "n_problems": cross.n_problems,
                "k_max": cross.k_max,
            }
        )
    cols = ["run", "reference", "k", "k_lo", "k_hi", "share_crossing", "n_problems", "k_max"]
    return pd.DataFrame(rows, columns=cols)
