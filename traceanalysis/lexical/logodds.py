"""Distinctive tokens: log-odds ratio with an informative Dirichlet prior.

Monroe, Colaresi & Quinn (2008), "Fightin' Words: Lexical Feature Selection and
Evaluation for Identifying the Content of Political Conflict", Political Analysis 16(4),
eq. 16 and 18-20. For word w with counts y_a, y_b in corpora of sizes n_a, n_b and prior
pseudo-counts alpha_w summing to alpha_0::

    delta_w = log((y_a + alpha_w) / (n_a + alpha_0 - y_a - alpha_w))
            - log((y_b + alpha_w) / (n_b + alpha_0 - y_b - alpha_w))
    var(delta_w) ~= 1 / (y_a + alpha_w) + 1 / (y_b + alpha_w)
    z_w = delta_w / sqrt(var(delta_w))

The informative prior is the pooled frequency of w in both corpora (or a background
corpus) scaled to ``alpha_0``; positive z means w is more typical of corpus a.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def log_odds_dirichlet(
    counts_a: Mapping[str, int],
    counts_b: Mapping[str, int],
    *,
    background: Mapping[str, int] | None = None,
    alpha0: float | None = None,
) -> pd.DataFrame:
    """Log-odds and z-score of every word in ``counts_a`` or ``counts_b``.

    ``background`` gives the prior's word frequencies (default: a + b pooled); ``alpha0``
    its total weight (default: the background's total count, i.e. alpha_w equals the
    background count). Returns columns token, count_a, count_b, log_odds, variance, z.
    """
    vocab = sorted(set(counts_a) | set(counts_b))
    y_a = np.array([counts_a.get(w, 0) for w in vocab], dtype=float)
    y_b = np.array([counts_b.get(w, 0) for w in vocab], dtype=float)
    if background is None:
        prior = y_a + y_b
        total_prior = prior.sum()
    else:
        prior = np.array([background.get(w, 0) for w in vocab], dtype=float)
        if (prior <= 0).any():
            missing = [w for w, p in zip(vocab, prior, strict=True) if p <= 0][:5]
            raise ValueError(f"background lacks words of the corpora, e.g. {missing}")
        total_prior = float(sum(background.values()))  # alpha_0 sums over all its words
    scale = 1.0 if alpha0 is None else alpha0 / total_prior
    alpha = prior * scale
    a0 = total_prior * scale
    n_a, n_b = y_a.sum(), y_b.sum()
    delta = np.log((y_a + alpha) / (n_a + a0 - y_a - alpha)) - np.log(
        (y_b + alpha) / (n_b + a0 - y_b - alpha)
    )
    variance = 1.0 / (y_a + alpha) + 1.0 / (y_b + alpha)
    return pd.DataFrame(
        {
            "token": vocab,
            "count_a": y_a.astype(np.int64),
            "count_b": y_b.astype(np.int64),
            "log_odds": delta,
            "variance": variance,
            "z": delta / np.sqrt(variance),
        }
    )


def distinctive_tokens(
    counts_a: Mapping[str, int],
    counts_b: Mapping[str, int],
    *,
    min_count: int = 10,
    top: int | None = None,
    background: Mapping[str, int] | None = None,
    alpha0: float | None = None,
) -> pd.DataFrame:
    """The ``distinctive_<a>_vs_<b>`` table: token, count_a, count_b, per_10k_a, per_10k_b,
    log_odds, z, sorted by z (most typical of a first).

    Words with fewer than ``min_count`` occurrences in a and b together are dropped after
    the statistics are computed (the prior still uses them). ``top`` keeps the ``top``
    words of each end (largest and smallest z).
    """
    table = log_odds_dirichlet(counts_a, counts_b, background=background, alpha0=alpha0)
    n_a, n_b = table["count_a"].sum(), table["count_b"].sum()
    table["per_10k_a"] = table["count_a"] * 10_000 / n_a if n_a else np.nan
    table["per_10k_b"] = table["count_b"] * 10_000 / n_b if n_b else np.nan
    keep = (table["count_a"] + table["count_b"]) >= min_count
    table = table.loc[keep].sort_values(["z", "token"], ascending=[False, True])
    if top is not None and len(table) > 2 * top:
        table = pd.concat([table.head(top), table.tail(top)])
    columns = ["token", "count_a", "count_b", "per_10k_a", "per_10k_b", "log_odds", "z"]
    return table[columns].reset_index(drop=True)
