"""Measured statements of "Inside the reference distribution?" from the ``nll`` and
``nll_novel`` tables (the report's findings for the section ``score``)."""

from __future__ import annotations

import math

import pandas as pd

TABLE_CAPTIONS = {
    "nll": "Per-token NLL (nats) under the reference model by run, difficulty bin and "
    "correctness: mean with a 95% bootstrap CI over problems, and percentiles.",
    "nll_novel": "Share of each run's correct responses on problems the reference run never "
    "solved whose per-token NLL is above the 95th percentile of the reference run's own "
    "responses (95% bootstrap CI over problems).",
}


def _ci(value: float, lo: float, hi: float, digits: int = 3) -> str:
    if any(isinstance(x, float) and math.isnan(x) for x in (lo, hi)):
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def score_findings(nll: pd.DataFrame | None, novel: pd.DataFrame | None) -> list[str]:
    """One statement per scoring model (mean per-token NLL per run) and one per run of the
    novel-share table; a single note when nothing was scored."""
    if nll is None or nll.empty:
        return ["No reference-model scores (run the report with --score-model PATH)."]
    out = []
    overall = nll[(nll["difficulty_bin"] == "all") & (nll["correct"] == "all")]
    for model, part in overall.groupby("model", sort=False):
        runs = "; ".join(
            f"{r.run} {_ci(r.nll_per_token, r.nll_per_token_lo, r.nll_per_token_hi)}"
            for r in part.itertuples()
        )
        out.append(f"Mean per-token NLL under {model} (nats, 95% CI): {runs}.")
    if novel is None or novel.empty:
        return out
    for r in novel.itertuples():
        lead = (
            f"{r.run} under {r.model}: of the {r.n_unsolved_problems} problems the reference "
            f"run {r.reference} never solves,"
        )
        if r.n_correct == 0:
            out.append(f"{lead} {r.run} solves none (no response to compare).")
            continue
        share = _ci(100 * r.share_above, 100 * r.share_above_lo, 100 * r.share_above_hi, 0)
        out.append(
            f"{lead} {r.run} solves {r.n_problems_solved}; {r.n_above} of its {r.n_correct} "
            f"correct responses there ({share}%) lie above the 95th percentile of "
            f"{r.reference}'s own responses ({r.threshold_nll_per_token:.3f} nats/token), "
            f"against {100 * r.share_all_above:.0f}% of all its responses."
        )
    return out
