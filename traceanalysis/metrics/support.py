"""Which problems a run can solve at all, against a reference: the ``support`` table.

After "The Invisible Leash" (arXiv 2507.14843) and the capability argument of
2505.14216: over the problems both runs graded, ``expansion`` counts problems the run
solves at least once and the reference never, ``shrinkage`` the reverse, ``both`` and
``neither`` the rest. A problem solved 1 of 8 times by one run and 0 of 8 by the other
is no evidence of a change, so every problem also gets Fisher's exact test (two-sided)
of c/n against c/n, and ``expansion_significant`` / ``shrinkage_significant`` count the
problems whose Benjamini-Hochberg q-value (over all common problems of the pair) is at
most the stated FDR.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact

from traceanalysis.audit_stats import bh_qvalues
from traceanalysis.metrics.passk import problem_counts

FDR = 0.05
__all__ = [
    "FDR",
    "SUPPORT_COLUMNS",
    "bh_qvalues",
    "out_of_reach_bound",
    "problem_support",
    "support_table",
]
SUPPORT_COLUMNS = [
    "run", "reference", "n_problems", "expansion", "shrinkage", "both", "neither",
    "expansion_significant", "shrinkage_significant", "fdr",
]  # fmt: skip


def out_of_reach_bound(n: int, level: float = 0.95) -> float:
    """Upper confidence bound on the success probability of a problem with 0 of n
    correct: 1 - (1 - level)^(1/n) (exact binomial, one-sided; 0.0116 at n = 256)."""
    if n < 1:
        raise ValueError(f"need n >= 1, got {n}")
    return float(1.0 - (1.0 - level) ** (1.0 / n))


def problem_support(df: pd.DataFrame, run: str, reference: str) -> pd.DataFrame:
    """Per common problem of ``run`` and ``reference``: c and n of each, the Fisher p,
    the BH q (over these problems) and ``kind`` (expansion, shrinkage, both, neither)."""
    counts = problem_counts(df.loc[df["run"].isin([run, reference])])
    a = counts.loc[counts["run"] == run].set_index("problem_id")
    b = counts.loc[counts["run"] == reference].set_index("problem_id")
    common = sorted(set(a.index) & set(b.index))
    out = pd.DataFrame(
        {
            "problem_id": common,
            "c_run": a.loc[common, "c"].to_numpy(dtype=int),
            "n_run": a.loc[common, "n"].to_numpy(dtype=int),
            "c_reference": b.loc[common, "c"].to_numpy(dtype=int),
            "n_reference": b.loc[common, "n"].to_numpy(dtype=int),
        }
    )
    solved_a, solved_b = out["c_run"] > 0, out["c_reference"] > 0
    out["kind"] = np.select(
        [solved_a & ~solved_b, ~solved_a & solved_b, solved_a & solved_b],
        ["expansion", "shrinkage", "both"],
        "neither",
    )
    out["p_value"] = [
        fisher_exact([[ca, na - ca], [cb, nb - cb]], alternative="two-sided").pvalue
        for ca, na, cb, nb in zip(
            out["c_run"], out["n_run"], out["c_reference"], out["n_reference"], strict=True
        )
    ]
    out["q_value"] = bh_qvalues(out["p_value"].to_numpy())
    return out


def support_table(
    df: pd.DataFrame, pairs: list[tuple[str, str]], *, fdr: float = FDR
) -> pd.DataFrame:
    """One row per (run, reference) pair that shares problems: the support counts and
    how many expansions/shrinkages survive BH at ``fdr``."""
    rows = []
    for run, reference in pairs:
        per = problem_support(df, run, reference)
        if per.empty:
            continue
        kinds = per["kind"].value_counts()
        significant = per["q_value"] <= fdr
        rows.append(
            {
                "run": run,
                "reference": reference,
                "n_problems": len(per),
                **{k: int(kinds.get(k, 0)) for k in ("expansion", "shrinkage", "both", "neither")},
                "expansion_significant": int((significant & (per["kind"] == "expansion")).sum()),
                "shrinkage_significant": int((significant & (per["kind"] == "shrinkage")).sum()),
                "fdr": fdr,
            }
        )
    return pd.DataFrame(rows, columns=SUPPORT_COLUMNS)
