"""Onsets: the first training step whose rate is credibly above the first step's.

For a feature (a lexicon's pooled rate per 1k tokens, a behaviour's share of responses)
of one series with steps s_0 < s_1 < ... (docs/dynamics.md):

1. d_j = r(s_j) - r(s_0), and its bootstrap replicates D*_bj = r*_b(s_j) - r*_b(s_0) from
   the steps table's prompt resamples (prompts shared by two steps resampled together:
   a paired comparison; other prompts independently);
2. a one-sided Wald test of H0: d_j <= 0 with the bootstrap standard error,
   z_j = d_j / sd_b(D*_bj), p_j = 1 - Phi(z_j) (a step with no rate: p = 1);
3. Benjamini-Hochberg over the steps j >= 1 at FDR 0.05; the onset is the first step with
   q_j <= 0.05 (none: no onset);
4. its interval: the same rule applied to every replicate (z*_bj = D*_bj / sd(D*_j)),
   the 2.5% and 97.5% quantiles of the replicates' onsets; a replicate without an onset
   counts as "after the last step", and an upper end there is left empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control, norm

from traceanalysis.metrics.dynamics import SeriesBoot

FDR = 0.05
METHOD = "bootstrap-SE z vs first step, BH FDR 0.05"
ONSET_COLUMNS = ["run", "feature", "onset_step", "lo", "hi", "method", "q_value", "first_step"]


def onset_features(metrics: list[str]) -> list[str]:
    """The features tested for an onset: lexicon rates and behaviour shares."""
    return [
        m
        for m in metrics
        if m.endswith("_per_1k") or (m.startswith("behavior_") and m.endswith("_present"))
    ]


def one_sided_p(diff: np.ndarray, se: np.ndarray) -> np.ndarray:
    """1 - Phi(diff / se); se 0 gives p 0 for a positive diff, else 1; a NaN diff or se
    (no rate, or too few replicates) gives 1."""
    diff, se = np.broadcast_arrays(np.asarray(diff, float), np.asarray(se, float))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff > 0, np.inf, -np.inf))
    p = norm.sf(z)
    return np.where(np.isfinite(diff) & ~np.isnan(se), p, 1.0)


def first_significant(p: np.ndarray, fdr: float = FDR) -> tuple[np.ndarray, np.ndarray]:
    """BH q-values along the last axis and the index of the first q <= fdr (-1: none)."""
    q = false_discovery_control(np.nan_to_num(p, nan=1.0), axis=-1, method="bh")
    hit = q <= fdr
    first = np.where(hit.any(axis=-1), hit.argmax(axis=-1), -1)
    return q, first


def detect_onset(
    point: np.ndarray, boot: np.ndarray, steps: list[int], *, fdr: float = FDR, level: float = 0.95
) -> dict[str, object]:
    """Onset of one feature: ``point`` (steps,), ``boot`` (replicates x steps)."""
    out: dict[str, object] = {"onset_step": pd.NA, "lo": pd.NA, "hi": pd.NA, "q_value": np.nan}
    if len(steps) < 2:
        return out
    diff = point[1:] - point[0]
    reps = boot[:, 1:] - boot[:, [0]]
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(reps).sum(axis=0)
        se = np.array(
            [np.nanstd(reps[:, j], ddof=1) if finite[j] > 1 else np.nan for j in range(len(diff))]
        )
    q, first = first_significant(one_sided_p(diff, se), fdr)
    if first < 0:
        return out
    out["onset_step"], out["q_value"] = steps[1 + int(first)], float(q[int(first)])
    if len(reps):
        _, firsts = first_significant(one_sided_p(reps, se[None, :]), fdr)
        after = len(steps)  # "no onset" in a replicate: after the last step
        index = np.where(firsts >= 0, firsts + 1, after)
        alpha = (1.0 - level) / 2.0
        lo = int(np.quantile(index, alpha, method="lower"))
        hi = int(np.quantile(index, 1 - alpha, method="higher"))
        out["lo"] = steps[lo] if lo < after else pd.NA
        out["hi"] = steps[hi] if hi < after else pd.NA
    return out


def onsets_table(boots: list[SeriesBoot], *, fdr: float = FDR) -> pd.DataFrame:
    """The ``onsets`` table: one row per (series, feature); onset_step empty when none."""
    rows = []
    for sb in boots:
        for feature in onset_features(sb.metrics):
            m = sb.metrics.index(feature)
            found = detect_onset(sb.point[m], sb.boot[:, m, :], sb.steps, fdr=fdr)
            rows.append({"run": sb.series, "feature": feature, **found, "method": METHOD,
                         "first_step": sb.steps[0]})  # fmt: skip
    table = pd.DataFrame(rows, columns=ONSET_COLUMNS)
    return table.astype(
        {"run": "string", "feature": "string", "onset_step": "Int64", "lo": "Int64",
         "hi": "Int64", "method": "string", "q_value": "float64", "first_step": "int64"}
    )  # fmt: skip
