"""Seeded percentile bootstrap over problems.

Resampling problems with replacement is the same as drawing multinomial weights per
problem; a statistic that is a mean over problems is then a weighted mean, so B
resamples of a problems x k matrix cost one matrix product instead of B copies.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

N_BOOT = 1000
SEED = 0


@lru_cache(maxsize=4)
def resample_weights(n_problems: int, n_boot: int = N_BOOT, seed: int = SEED) -> np.ndarray:
    """A (n_boot x n_problems) matrix: how often each problem is drawn in each resample.

    Cached (read-only): every table of a report draws the same resamples for the same
    number of problems, and drawing them is the bootstrap's main cost.
    """
    weights = _draw_weights(n_problems, n_boot, seed)
    weights.flags.writeable = False
    return weights


def _draw_weights(n_problems: int, n_boot: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if n_problems == 0:
        return np.zeros((n_boot, 0))
    return rng.multinomial(n_problems, np.full(n_problems, 1.0 / n_problems), size=n_boot).astype(
        float
    )


def weighted_means(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Means of each column of ``values`` (problems x m, NaN = absent) under each weight row."""
    present = np.isfinite(values)
    totals = weights @ np.where(present, values, 0.0)
    counts = weights @ present.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / np.where(counts > 0, counts, 1.0), np.nan)


def bootstrap_ci(
    values: np.ndarray, n_boot: int = N_BOOT, seed: int = SEED, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile CI of the column means of ``values`` (problems x m): ``(lo, hi)`` arrays."""
    values = np.atleast_2d(np.asarray(values, dtype=float).T).T
    means = weighted_means(values, resample_weights(values.shape[0], n_boot, seed))
    alpha = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore"):
        lo = (
            np.nanquantile(means, alpha, axis=0) if means.size else np.full(values.shape[1], np.nan)
        )
        hi = (
            np.nanquantile(means, 1 - alpha, axis=0)
            if means.size
            else np.full(values.shape[1], np.nan)
        )
    return lo, hi
