"""The difficulty sentences of the report, read from the ``difficulty`` table.

Rules: a pair's bins are named by sign — "largest gain" is the most positive delta (a
minus b), "largest drop" the most negative, "no bin gains/drops" when there is none, never
"smallest change"; the paired bootstrap CI of a bin's delta is quoted when the pair is
against the reference; bins are labelled by the counts out of n they hold (metrics.bins);
"never solved" comes with the out-of-reach bound at the reference's n (2505.14216).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceanalysis.metrics.passk import problem_counts
from traceanalysis.metrics.support import out_of_reach_bound
from traceanalysis.report.findings_format import _interval, _pct, _problems, _pts


def _bin_ci(diff: pd.DataFrame, run: str, label: str) -> str:
    """`` [lo, hi]`` of the paired bootstrap CI of ``run``'s delta in bin ``label``, if any."""
    if not {"delta_lo", "delta_hi"} <= set(diff.columns):
        return ""
    row = diff[(diff["run"] == run) & (diff["bin"].astype(str) == label)]
    if row.empty or not np.isfinite(row["delta_lo"].iloc[0]):
        return ""
    lo, hi = row["delta_lo"].iloc[0], row["delta_hi"].iloc[0]
    return f" {_interval(lo, hi)}"


def bin_change_sentence(
    a: str, b: str, delta: pd.Series, counts: pd.Series, ci: dict[str, str] | None = None
) -> str:
    """``a vs b`` by bin: the largest gain (a positive delta) and the largest drop (a
    negative one), each only when it exists; ``delta`` is a minus b per bin label."""
    ci = ci or {}

    def one(label: str) -> str:
        n = int(counts.get(label, 0))
        return f"bin {label} ({_pts(delta[label])}{ci.get(label, '')}, {_problems(n)})"

    if delta.empty:
        return f"{a} vs {b}: no bin holds problems of both."
    if (delta == 0).all():
        return f"{a} vs {b}: no change in any of {len(delta)} bins."
    up, down = delta.idxmax(), delta.idxmin()
    gain = f"largest gain in {one(up)}" if delta[up] > 0 else "no bin gains"
    drop = f"largest drop in {one(down)}" if delta[down] < 0 else "no bin drops"
    return f"{a} vs {b} ({a} minus {b}): {gain}; {drop}."


def difficulty_findings(
    diff: pd.DataFrame,
    pairs: list[tuple[str, str]],
    reference: str | None = None,
    n_reference: int | None = None,
) -> list[str]:
    """Where each compared run gains and loses, by difficulty bin; the problems the
    reference never solved and what "never" means at its n (the out-of-reach bound)."""
    if diff is None or diff.empty:
        return ["No difficulty analysis (no reference run with graded responses)."]
    diff = diff.assign(bin=diff["bin"].astype(str))
    order = {b: i for i, b in enumerate(dict.fromkeys(diff.sort_values("bin_index")["bin"]))}
    wide = diff.pivot_table(index="bin", columns="run", values="accuracy", observed=True)
    wide = wide.reindex(sorted(wide.index, key=order.get))
    counts = diff.groupby("bin", observed=True)["n_problems"].max()
    out = []
    for a, b in pairs:
        if a not in wide.columns or b not in wide.columns:
            continue
        delta = (wide[a] - wide[b]).dropna()
        ci = {label: _bin_ci(diff, a, label) for label in delta.index} if b == reference else {}
        out.append(bin_change_sentence(a, b, delta, counts, ci))
    if reference is not None and any(b == reference for _, b in pairs):
        out.append(
            f"The bins are set by {reference}'s own success rate, so a delta against "
            f"{reference} leans up in its lowest bins and down in its highest by selection "
            "alone (regression to the mean): a gain in bin 0 or a drop in the top bin is "
            "partly built in."
        )
    zero = diff[(diff["bin_index"] == 0) & (diff["run"] != reference)]
    for r in zero.itertuples():
        if r.n_problems and np.isfinite(r.accuracy) and r.accuracy > 0:
            out.append(
                f"{r.run} solves {_pct(r.accuracy)} of samples on the "
                f"{_problems(int(r.n_problems))} the reference never solved (bin {r.bin})."
            )
    if n_reference:
        bound = out_of_reach_bound(n_reference)
        out.append(
            f"Never solved is not out of reach: with 0 of {n_reference} correct, the "
            f"reference's success rate on a problem is below {bound:.3f} "
            f"(1 - 0.05^(1/{n_reference})) with 95% confidence."
        )
    return out or ["Difficulty bins computed; no pair to compare."]


def _reference_n(samples: pd.DataFrame, reference: str | None) -> int | None:
    """The smallest n per problem of the reference run (as the bins count it)."""
    if reference is None or not {"run", "problem_id", "correct"} <= set(samples.columns):
        return None
    counts = problem_counts(samples.loc[samples["run"] == reference])
    return int(counts["n"].min()) if len(counts) else None
