"""The language and behaviour sentences of the report, read from the ``lexical`` and
``behaviors`` tables (and the samples, for the paired length difference).

Rules: lexicon rates are the pooled ones (total matches / total tokens x 1000,
``L_pooled_per_1k``) and the sentence says so; "a vs b" and "a minus b" are always a
against b; a rise or fall is named only when its sign says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceanalysis.flexible import paired_difference
from traceanalysis.report.findings_format import _interval, _pct, _pts


def _paired(
    samples: pd.DataFrame | None, column: str, a: str, b: str
) -> tuple[float, float, float, int] | None:
    """Mean over shared problems of a's per-problem mean of ``column`` minus b's, its
    bootstrap CI and the number of problems; None without samples or two shared problems."""
    if samples is None or not {"run", "problem_id", column} <= set(samples.columns):
        return None
    mean, lo, hi, n = paired_difference(samples, column, a, b)
    return (mean, lo, hi, n) if n >= 2 and np.isfinite(lo) else None


def _paired_length(samples: pd.DataFrame | None, a: str, b: str) -> str:
    """``; paired over N shared problems, a minus b: +X tokens [lo, hi]`` (or "")."""
    found = _paired(samples, "n_tokens", a, b)
    if found is None:
        return ""
    mean, lo, hi, n = found
    return f"; paired over {n} shared problems, {a} minus {b}: {mean:+.1f} tokens [{lo:+.1f}, {hi:+.1f}]"


def language_findings(
    lex: pd.DataFrame, pairs: list[tuple[str, str]], samples: pd.DataFrame | None = None
) -> list[str]:
    """Length and pooled lexicon rates per run; length per pair (ratio of the mean lengths,
    and the paired per-problem difference with a bootstrap CI when ``samples`` are given);
    correct vs incorrect length by bin."""
    if lex is None or lex.empty:
        return ["No lexical analysis."]
    key = lex.assign(c=lex["correct"].astype(str), b=lex["difficulty_bin"].astype(str))
    overall = key[(key["c"] == "all") & (key["b"] == "all")].set_index("run")
    suffix = "_pooled_per_1k"
    rates = [c for c in lex.columns if c.endswith(suffix)]
    out = []
    for run, row in overall.iterrows():
        bits = ", ".join(f"{c[: -len(suffix)]} {row[c]:.2f}" for c in rates)
        text = f"{run}: {row['tokens_mean']:.0f} tokens per response on average"
        if rates:
            text += f"; pooled per 1k tokens (total matches / total tokens): {bits}"
        out.append(text + ".")
    for a, b in pairs:
        if a in overall.index and b in overall.index:
            ratio = overall.at[a, "tokens_mean"] / overall.at[b, "tokens_mean"]
            paired = _paired_length(samples, a, b)
            out.append(f"{a} responses are {ratio:.2f}x as long as {b}'s (mean tokens){paired}.")
    by_bin = key[(key["c"].isin(["True", "False"])) & (key["b"] != "all")]
    for run, part in by_bin.groupby("run", sort=False):
        wide = part.pivot_table(index="b", columns="c", values="tokens_mean")
        if {"True", "False"} <= set(wide.columns):
            both = wide.dropna()
            shorter = int((both["True"] < both["False"]).sum())
            out.append(
                f"{run}: correct responses are shorter than incorrect ones in {shorter} of {len(both)} difficulty bins."
            )
    return out


def _paired_share(samples: pd.DataFrame | None, behavior: str, a: str, b: str) -> str:
    """``; paired over N shared problems: +X points [lo, hi]`` for one behaviour (or "")."""
    found = _paired(samples, f"behavior_{behavior}_present", a, b)
    if found is None:
        return ""
    mean, lo, hi, n = found
    return f"; paired over {n} shared problems: {_pts(mean)} {_interval(lo, hi)}"


def behavior_findings(
    beh: pd.DataFrame, pairs: list[tuple[str, str]], samples: pd.DataFrame | None = None
) -> list[str]:
    """Most common behaviours per run, differences per pair (share of a's responses minus
    b's, and with ``samples`` the paired per-problem difference with a bootstrap CI),
    judge agreement."""
    if beh is None or beh.empty:
        return ["No behaviour tagging."]
    out = []
    for run, part in beh.groupby("run", sort=False):
        top = part.sort_values("share_present", ascending=False).head(3)
        out.append(
            f"{run}: "
            + ", ".join(
                f"{r.behavior.replace('_', ' ')} {_pct(r.share_present)}" for r in top.itertuples()
            )
            + "."
        )
    wide = beh.pivot_table(index="behavior", columns="run", values="share_present")
    for a, b in pairs:
        if a in wide.columns and b in wide.columns:
            d = (wide[a] - wide[b]).dropna().sort_values()
            if len(d):
                top, low = d.index[-1].replace("_", " "), d.index[0].replace("_", " ")
                rise = (
                    f"biggest rise {top} ({_pts(d.iloc[-1])}"
                    f"{_paired_share(samples, d.index[-1], a, b)})"
                    if d.iloc[-1] > 0
                    else "no behaviour rose"
                )
                fall = (
                    f"biggest fall {low} ({_pts(d.iloc[0])}"
                    f"{_paired_share(samples, d.index[0], a, b)})"
                    if d.iloc[0] < 0
                    else "no behaviour fell"
                )
                out.append(f"{a} vs {b}: {rise}, {fall}.")
    if "kappa" in beh.columns and beh["kappa"].notna().any():
        out.append(
            f"Judge vs rules agreement: Cohen's kappa from {beh['kappa'].min():.2f} to {beh['kappa'].max():.2f}."
        )
    return out
