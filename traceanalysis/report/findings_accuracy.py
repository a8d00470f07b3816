"""The accuracy and capability sentences of the report, read from the ``accuracy``,
``comparisons``, ``crossing`` and ``support`` tables.

Rules (docs/metrics.md): a run's capability is pass@k at the largest k <= its smallest
n (never a k that some problem cannot reach); a pair is "more/less accurate" or "more/less
capable" only when the paired 95% CI of the delta excludes 0, else "no credible
difference"; runs without a common problem are not compared.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from traceanalysis.report.findings_format import _interval, _pct, _problems, _pts


def _p(p: float, method: object = "exact") -> str:
    """``p = 0.03``; a Monte Carlo p at its floor 1/(N+1) (no resampled pattern as extreme
    as the data) is an upper bound: ``p ≤ 0.0001``."""
    text = str(method)
    if text.startswith("monte carlo") and text.split()[-1].isdigit():
        floor = 1 / (1 + int(text.split()[-1]))
        if p <= floor * (1 + 1e-9):
            return f"p ≤ {floor:.2g}"
    return f"p = {p:.2g}"


def _value_ci(row: pd.Series, col: str) -> str:
    lo, hi = row.get(f"{col}_lo", np.nan), row.get(f"{col}_hi", np.nan)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return _pct(row[col])
    return f"{_pct(row[col])} [{100 * lo:.1f}, {100 * hi:.1f}]"


def _n_min(row: pd.Series) -> float:
    """The run's smallest n; a table without ``n_min`` (built by hand) limits nothing."""
    n = row.get("n_min", np.nan)
    return float(n) if pd.notna(n) else np.inf


def capability_k(row: pd.Series) -> int | None:
    """The largest k of the row's pass@k columns with k <= its n_min (None: only k = 1)."""
    ks = [int(m.group(1)) for c in row.index if (m := re.fullmatch(r"pass@(\d+)", str(c)))]
    ks = [k for k in ks if 1 < k <= _n_min(row) and np.isfinite(row[f"pass@{k}"])]
    return max(ks) if ks else None


def majority_column(row: pd.Series) -> str | None:
    """``maj@<n_min>`` of the row (every problem votes with the same k), if present."""
    ks = [int(m.group(1)) for c in row.index if (m := re.fullmatch(r"maj@(\d+)", str(c)))]
    ks = [k for k in ks if k <= _n_min(row) and np.isfinite(row[f"maj@{k}"])]
    return f"maj@{max(ks)}" if ks else None


ALPHA = 0.05


def verdict(row: pd.Series, more: str, less: str, what: str) -> str:
    """``more`` / ``less`` when the paired 95% CI of the delta excludes 0 and the paired
    permutation p is below :data:`ALPHA` (both: with few differing problems the
    percentile bootstrap can exclude 0 while the exact test cannot), else "no credible
    difference in what"."""
    if row["p_value"] < ALPHA and row["delta_lo"] > 0:
        return more
    if row["p_value"] < ALPHA and row["delta_hi"] < 0:
        return less
    return f"no credible difference in {what}"


def run_sentences(acc: pd.DataFrame) -> list[str]:
    """Per run: accuracy, capability (largest complete k) and maj@k with 95% CIs."""
    out = []
    for _, row in acc.iterrows():
        text = f"{row['run']}: accuracy (pass@1) {_value_ci(row, 'pass@1')}"
        k = capability_k(row)
        if k is not None:
            text += f", capability (pass@{k}) {_value_ci(row, f'pass@{k}')}"
        maj = majority_column(row)
        if maj is not None:
            text += f", {maj} {_pct(row[maj])}"
        out.append(text + ".")
    return out


def pair_sentence(a: str, b: str, rows: pd.DataFrame) -> str:
    """One pair's accuracy and capability deltas from its ``comparisons`` rows."""
    rows = rows.set_index("metric")
    n = int(rows["n_problems"].iloc[0])
    one = rows.loc["pass@1"]
    text = (
        f"{a} vs {b} ({n} common problems, paired): accuracy (pass@1) {_pts(one['delta'])} "
        f"{_interval(one['delta_lo'], one['delta_hi'])}, {_p(one['p_value'], one.get('p_method', 'exact'))} — "
        + verdict(
            one,
            f"{a} is more accurate",
            f"{a} is less accurate",
            "accuracy",
        )  # fmt: skip
    )
    ks = [int(m.group(1)) for c in rows.index if (m := re.fullmatch(r"pass@(\d+)", str(c)))]
    if max(ks) > 1:
        top = rows.loc[f"pass@{max(ks)}"]
        text += (
            f"; capability (pass@{max(ks)}) {_pts(top['delta'])} "
            f"{_interval(top['delta_lo'], top['delta_hi'])}, {_p(top['p_value'], top.get('p_method', 'exact'))} — "
            + verdict(
                top,
                f"{a} is more capable",
                f"{a} is less capable",
                "capability",
            )  # fmt: skip
        )
    return text + "."


def crossing_sentence(row: pd.Series) -> str:
    """Where the two pass@k curves cross, with its interval, or that they do not."""
    a, b, share = row["run"], row["reference"], row["share_crossing"]
    if np.isfinite(row["k"]):
        hi = "no crossing" if np.isinf(row["k_hi"]) else f"{row['k_hi']:.0f}"
        return (
            f"{a} vs {b}: the pass@k curves cross at k = {row['k']:.0f} (95% interval "
            f"{row['k_lo']:.0f} to {hi}; {share:.0%} of bootstrap resamples cross)."
        )
    return (
        f"{a} vs {b}: the pass@k curves do not cross up to k = {int(row['k_max'])} "
        f"({share:.1%} of bootstrap resamples cross)."
    )


def support_sentence(row: pd.Series) -> str:
    """Problems one run solves and the other never does, and how many are not noise."""
    a, b = row["run"], row["reference"]
    return (
        f"{a} vs {b} ({int(row['n_problems'])} common problems): "
        f"{_problems(int(row['expansion']))} solved by {a} at least once and never by {b} "
        f"(expansion), {_problems(int(row['shrinkage']))} solved by {b} and never by {a} "
        f"(shrinkage); of these, {int(row['expansion_significant'])} and "
        f"{int(row['shrinkage_significant'])} differ beyond sampling noise (per-problem "
        f"Fisher tests, Benjamini-Hochberg at FDR {row['fdr']:.0%})."
    )


def accuracy_findings(
    acc: pd.DataFrame | None, pairs: list[tuple[str, str]], tables: dict[str, pd.DataFrame]
) -> list[str]:
    """Per run, then per compared pair: paired deltas, the crossing point, support."""
    if acc is None or acc.empty or "pass@1" not in acc.columns:
        return ["No accuracy could be computed (no graded responses)."]
    out = run_sentences(acc)
    comparisons = tables.get("comparisons")
    crossing = tables.get("crossing")
    support = tables.get("support")
    for a, b in pairs:
        if a not in set(acc["run"]) or b not in set(acc["run"]):
            continue
        mine = (
            comparisons.loc[(comparisons["run"] == a) & (comparisons["reference"] == b)]
            if comparisons is not None and len(comparisons)
            else pd.DataFrame()
        )
        if mine.empty:
            out.append(f"{a} vs {b}: not compared (no problem graded in both runs).")
            continue
        out.append(pair_sentence(a, b, mine))
        for frame, sentence in ((crossing, crossing_sentence), (support, support_sentence)):
            if frame is not None and len(frame):
                hit = frame.loc[(frame["run"] == a) & (frame["reference"] == b)]
                out.extend(sentence(r) for _, r in hit.iterrows())
    return out
