"""The statistics behind the audit: AUROC pooled and within groups, the within-group
permutation test of the mean within-group AUROC, Benjamini-Hochberg q-values, a percentile
bootstrap of a mean, and a logistic regression with group fixed effects (see
:mod:`traceanalysis.audit`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

_Z95 = float(stats.norm.ppf(0.975))


def pooled_auroc(y: np.ndarray, x: np.ndarray) -> float:
    """AUROC of score ``x`` for binary labels ``y`` (ties count one half); NaN if one class."""
    y = np.asarray(y, dtype=bool)
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = stats.rankdata(np.asarray(x, dtype=float))
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def within_problem_auroc(y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> pd.Series:
    """AUROC of ``x`` for ``y`` inside each group that has both classes (index: group)."""
    return within_problem_ranks(y, x, groups)["auroc"]


def within_problem_ranks(y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> pd.DataFrame:
    """Per group with both classes: ``auroc`` and ``null_var``, its variance when the labels
    are permuted within the group (0 when ``x`` is constant there: the group is uninformative).

    One sort by (group, x), tie-averaged ranks per group, then the rank-sum formula; the
    variance is the Mann-Whitney U variance with the tie correction, over (n1 n0)^2:
    ``((n + 1) - sum(t^3 - t) / (n (n - 1))) / (12 n1 n0)``, t the sizes of tied blocks."""
    y = np.asarray(y, dtype=bool)
    x = np.asarray(x, dtype=float)
    codes, names = pd.factorize(np.asarray(groups), sort=True)
    if len(codes) == 0:
        return pd.DataFrame({"auroc": pd.Series([], dtype=float), "null_var": []})
    order = np.lexsort((x, codes))
    xs, cs, ys = x[order], codes[order], y[order]
    pos = np.arange(len(xs))
    new_group = np.r_[True, cs[1:] != cs[:-1]]
    group_start = pos[new_group][np.cumsum(new_group) - 1]
    rank = (pos - group_start + 1).astype(float)
    block = np.cumsum(new_group | np.r_[True, xs[1:] != xs[:-1]]) - 1
    block_size = np.bincount(block).astype(float)
    avg_rank = (np.bincount(block, weights=rank) / block_size)[block]
    block_group = cs[np.r_[True, block[1:] != block[:-1]]]
    ties = np.bincount(block_group, weights=block_size**3 - block_size, minlength=len(names))
    n = np.bincount(cs, minlength=len(names)).astype(float)
    n1 = np.bincount(cs, weights=ys, minlength=len(names))
    r1 = np.bincount(cs, weights=avg_rank * ys, minlength=len(names))
    mixed = (n1 > 0) & (n1 < n)
    n, n1, n0, r1, ties = n[mixed], n1[mixed], (n - n1)[mixed], r1[mixed], ties[mixed]
    auroc = (r1 - n1 * (n1 + 1) / 2) / (n1 * n0)
    null_var = ((n + 1) - ties / (n * (n - 1))) / (12 * n1 * n0)
    index = pd.Index(np.asarray(names)[mixed], name="g")
    return pd.DataFrame({"auroc": auroc, "null_var": np.clip(null_var, 0.0, None)}, index=index)


def within_permutation_test(auroc: np.ndarray, null_var: np.ndarray) -> float:
    """Two-sided p of the mean within-group AUROC against 0.5 under within-group permutation.

    Under the null (the feature is exchangeable between correct and incorrect responses of
    the same problem) each group's AUROC has mean 1/2 and variance ``null_var``, groups
    independent, so the mean of k of them has mean 1/2 and variance ``sum(null_var) / k^2``
    exactly; p is from the normal approximation to that permutation distribution (a
    stratified Wilcoxon / van Elteren test with weights 1/(n1 n0)). NaN when no group varies."""
    auroc, null_var = np.asarray(auroc, dtype=float), np.asarray(null_var, dtype=float)
    total = float(null_var.sum())
    if len(auroc) == 0 or not total > 0:
        return float("nan")
    z = (float(auroc.mean()) - 0.5) * len(auroc) / np.sqrt(total)
    return float(2 * stats.norm.sf(abs(z)))


def bh_qvalues(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) over the finite entries of ``p_values``.

    ``q_(i) = min_{j >= i} m p_(j) / j`` over the m finite p-values sorted ascending,
    capped at 1; NaN stays NaN and does not count toward m."""
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if len(finite) == 0:
        return q
    order = finite[np.argsort(p[finite], kind="stable")]
    m = len(order)
    scaled = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return q


def bootstrap_mean_ci(
    values: np.ndarray, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean of ``values`` (resampling the values)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float("nan"), float("nan")
    means, alpha = (
        _resample_counts(n_boot, len(values), seed) @ values / len(values),
        (1 - level) / 2,
    )
    return float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha))


@functools.lru_cache(maxsize=16)
def _resample_counts(n_boot: int, m: int, seed: int) -> np.ndarray:
    # How often each of m values is drawn in each resample: made once per (n_boot, m, seed)
    # and shared by every feature audited on the same problems.
    idx = np.random.default_rng(seed).integers(0, m, size=(n_boot, m))
    flat = np.repeat(np.arange(n_boot), m) * m + idx.ravel()
    return np.bincount(flat, minlength=n_boot * m).reshape(n_boot, m).astype(float)


@dataclass(frozen=True)
class FixedEffectsFit:
    """Slope of a fixed-effects logit: log-odds per SD of the feature, CI, p, and a note."""

    coef: float
    lo: float
    hi: float
    p_value: float
    note: str = ""


def _nan_fit(note: str) -> FixedEffectsFit:
    return FixedEffectsFit(np.nan, np.nan, np.nan, np.nan, note)


def fixed_effects_logit(
    y: np.ndarray, x: np.ndarray, groups: np.ndarray, *, max_iter: int = 100
) -> FixedEffectsFit:
    """Logit of ``y`` on standardised ``x`` with one intercept per group, by Newton's method.

    The Hessian is an arrow matrix (slope + diagonal intercepts), so each step solves it
    through its Schur complement in O(n): the same maximum likelihood estimate as a dense
    ``statsmodels`` Logit with group dummies, at a fraction of the cost. Groups without
    both outcomes are dropped. Separation or a feature that never varies within a group
    gives NaN with the reason in ``note`` instead of an exception.
    """
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    codes = pd.factorize(np.asarray(groups))[0]
    pos, size = np.bincount(codes, weights=y), np.bincount(codes)
    keep = ((pos > 0) & (pos < size))[codes]
    if not keep.any():
        return _nan_fit("no problem has both correct and incorrect samples")
    y, x = y[keep], x[keep]
    codes = pd.factorize(codes[keep])[0]
    sd = x.std()
    if not np.isfinite(sd) or sd == 0:
        return _nan_fit("feature does not vary")
    z = (x - x.mean()) / sd
    n_groups = codes.max() + 1
    group_mean = np.bincount(codes, weights=z) / np.bincount(codes)
    if np.allclose(z, group_mean[codes]):
        return _nan_fit("feature does not vary within any problem")
    rate = np.bincount(codes, weights=y) / np.bincount(codes)
    alpha, beta = np.log(rate / (1 - rate)), 0.0

    def loglik(a: np.ndarray, b: float) -> float:
        eta = a[codes] + b * z
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)))

    current, schur = loglik(alpha, beta), np.nan
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(alpha[codes] + beta * z)))
        w, resid = p * (1 - p), y - p
        g_b, g_a = float(resid @ z), np.bincount(codes, weights=resid, minlength=n_groups)
        h_bb = float(w @ (z * z))
        h_ab = np.bincount(codes, weights=w * z, minlength=n_groups)
        d = np.bincount(codes, weights=w, minlength=n_groups)
        schur = h_bb - float(np.sum(h_ab**2 / d))
        if not schur > 1e-10:
            return _nan_fit("singular fit (perfect separation)")
        d_beta = (g_b - float(np.sum(h_ab * g_a / d))) / schur
        d_alpha = (g_a - h_ab * d_beta) / d
        step = 1.0
        while step > 1e-6:  # step halving keeps the log-likelihood rising
            candidate = loglik(alpha + step * d_alpha, beta + step * d_beta)
            if candidate >= current - 1e-12:
                break
            step /= 2
        alpha, beta, current = alpha + step * d_alpha, beta + step * d_beta, candidate
        if abs(beta) > 50:
            return _nan_fit("perfect separation: the feature alone sorts correct from wrong")
        if max(abs(step * d_beta), float(np.max(np.abs(step * d_alpha)))) < 1e-9:
            break
    else:
        return _nan_fit(f"did not converge in {max_iter} iterations")
    se = float(np.sqrt(1.0 / schur))
    return FixedEffectsFit(
        beta, beta - _Z95 * se, beta + _Z95 * se, float(2 * stats.norm.sf(abs(beta / se)))
    )
