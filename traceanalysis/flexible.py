"""Flexible reasoning (arXiv 2505.21067): the distilled-vs-zero-RL argument, measured per run.

Four indicators per run: anthropomorphic tokens and logical connectors per 1k tokens
(lexicons ``anthropomorphic`` and ``logical_connectors``), and the share of responses with
multi-perspective thinking and with metacognitive awareness (judge labels when present,
else the rule tagger). The rates are *pooled* (total matches / total tokens x 1000), the
same number as ``L_pooled_per_1k`` of the ``lexical`` table, never the mean of
per-response rates. Differences between two runs are paired by problem: the mean over
shared problems of (run a's per-problem value - run b's; per problem the pooled rate of
its responses, or the share), with a bootstrap CI over problems.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceanalysis.audit import bootstrap_mean_ci
from traceanalysis.metrics.order import role_order

INDICATORS = (
    ("anthropomorphic_pooled_per_1k", "anthropomorphic tokens per 1k tokens (pooled)", None),
    ("logical_connectors_pooled_per_1k", "logical connectors per 1k tokens (pooled)", None),
    ("multi_perspective_present", "share with multi-perspective thinking", "multi_perspective"),
    ("metacognitive_awareness_present", "share with metacognitive awareness", "metacognitive_awareness"),
)  # fmt: skip
_POOLED = "_pooled_per_1k"


def indicator_columns(samples: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Indicator key -> (samples column, label) for the indicators ``samples`` can measure
    (for a pooled rate the column is the lexicon's ``L_count``, divided by ``n_tokens``)."""
    found: dict[str, tuple[str, str]] = {}
    for key, label, behavior in INDICATORS:
        if behavior is None:
            count = key.removesuffix(_POOLED) + "_count"
            if count in samples.columns and "n_tokens" in samples.columns:
                found[key] = (count, label)
            continue
        for source, how in (("judge", "judge"), ("behavior", "rules")):
            col = f"{source}_{behavior}_present"
            if col in samples.columns and samples[col].notna().any():
                found[key] = (col, f"{label} ({how})")
                break
    return found


def _value(part: pd.DataFrame, key: str, col: str) -> float:
    """The indicator over ``part``: pooled rate per 1k tokens, or the mean (share)."""
    values = part[col].astype("Float64")
    if not values.notna().any():
        return np.nan
    if key.endswith(_POOLED):
        tokens = part["n_tokens"].astype("Float64")[values.notna()].sum()
        return float(values.sum() * 1000 / tokens) if tokens else np.nan
    return float(values.mean())


def flexible_table(samples: pd.DataFrame, audit: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``flexible`` table (long, runs in role order): run, indicator, label, column,
    value (pooled rate per 1k tokens, or share), and the within-problem AUROC for
    correctness from ``audit`` where it was audited (for a rate: the per-response rate)."""
    columns = indicator_columns(samples)
    rows: list[dict[str, object]] = []
    extra = ["n_tokens"] if "n_tokens" in samples.columns else []
    used = dict.fromkeys([*extra, *(col for col, _ in columns.values())])
    slim = samples[["run", *used]]  # no text copies
    for run in role_order(samples):
        part = slim[slim["run"] == run]
        for key, (col, label) in columns.items():
            row: dict[str, object] = {
                "run": str(run), "indicator": key, "label": label, "column": col,
                "value": _value(part, key, col),
            }  # fmt: skip
            audited = key.removesuffix(_POOLED) + "_per_1k" if key.endswith(_POOLED) else col
            row.update(_audit_values(audit, audited, str(run)))
            rows.append(row)
    cols = [
        "run",
        "indicator",
        "label",
        "column",
        "value",
        "auroc_within",
        "auroc_within_lo",
        "auroc_within_hi",
    ]
    return pd.DataFrame(rows, columns=cols)


def _audit_values(audit: pd.DataFrame | None, col: str, run: str) -> dict[str, float]:
    empty = {"auroc_within": np.nan, "auroc_within_lo": np.nan, "auroc_within_hi": np.nan}
    if audit is None or audit.empty:
        return empty
    feature = col.replace("_present", "_count") if col.endswith("_present") else col
    hit = audit[(audit["feature"] == feature) & (audit["run"] == run) & (audit["bin"] == "all")]
    if hit.empty or not np.isfinite(float(hit.iloc[0]["auroc_within_lo"])):
        return empty  # untested in the audit (too few informative problems): no value
    return {k: float(hit.iloc[0][k]) for k in empty}


def paired_difference(
    samples: pd.DataFrame,
    column: str,
    a: str,
    b: str,
    *,
    tokens: str | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[float, float, float, int]:
    """Mean over shared problems of (a's per-problem value - b's) for ``column``, CI and
    count. The per-problem value is the mean of ``column``, or with ``tokens`` (a count
    column and its token column) the pooled rate per 1k tokens of the problem's responses."""
    values = samples[["run", "problem_id"]].assign(v=samples[column].astype("Float64"))
    if tokens is not None:
        values["t"] = samples[tokens].astype("Float64").where(values["v"].notna())
    grouped = values[values["run"].isin([a, b])].groupby(["problem_id", "run"])
    if tokens is None:
        means = grouped["v"].mean()
    else:
        sums = grouped[["v", "t"]].sum()
        means = (1000 * sums["v"] / sums["t"].where(sums["t"] > 0)).astype("Float64")
    table = means.unstack("run")
    if a not in table.columns or b not in table.columns:
        return np.nan, np.nan, np.nan, 0
    diff = (table[a] - table[b]).dropna().to_numpy(dtype=float)
    if len(diff) == 0:
        return np.nan, np.nan, np.nan, 0
    lo, hi = bootstrap_mean_ci(diff, n_boot=n_boot, seed=seed)
    return float(diff.mean()), lo, hi, len(diff)


def flexible_findings(
    samples: pd.DataFrame, table: pd.DataFrame, pairs: list[tuple[str, str]], roles: dict[str, str]
) -> list[str]:
    """Plain-words statements for the flexible-reasoning section."""
    columns = indicator_columns(samples)
    if not columns:
        return [
            "No flexible-reasoning indicator could be measured (lexicons and behaviours missing)."
        ]
    out: list[str] = []
    for run, part in table.groupby("run", sort=False) if not table.empty else []:
        bits = [f"{_fmt(r.value, r.indicator)} {r.label}" for r in part.itertuples()]
        out.append(f"{run}: " + "; ".join(bits) + ".")
    for a, b in pairs:
        higher, lower, parts, shared = 0, 0, [], 0
        for key, (col, label) in columns.items():
            tokens = "n_tokens" if key.endswith(_POOLED) else None
            mean, lo, hi, n = paired_difference(samples, col, a, b, tokens=tokens)
            if n == 0:
                continue
            shared = max(shared, n)
            sign = "higher" if lo > 0 else "lower" if hi < 0 else "no clear difference"
            higher += lo > 0
            lower += hi < 0
            parts.append(
                f"{label}: {_signed(mean, key)} [{_signed(lo, key)}, {_signed(hi, key)}] ({sign})"
            )
        if not parts:
            continue
        lead = f"{a} vs {b}, mean over {shared} shared problems of the per-problem difference"
        out.append(
            f"{lead} ({a} minus {b}; a rate pooled within each problem): " + "; ".join(parts) + "."
        )
        if roles.get(a) == "distilled" and roles.get(b) == "rl":
            out.append(_flexible_verdict(a, b, higher, lower, len(parts)))
    return out


def _flexible_verdict(a: str, b: str, higher: int, lower: int, total: int) -> str:
    if higher == total:
        return f"Measured: {a} (distilled) reasons more flexibly than {b} (RL) on all {total} indicators."
    if higher > lower:
        return f"Measured: {a} (distilled) reasons more flexibly than {b} (RL) on {higher} of {total} indicators; the rest show no clear difference or the opposite."
    if lower > higher:
        return f"Measured: {a} (distilled) does not reason more flexibly than {b} (RL): {lower} of {total} indicators are lower."
    return (
        f"Measured: no clear difference in flexible reasoning between {a} (distilled) and {b} (RL)."
    )


def _fmt(value: float, key: str) -> str:
    if not np.isfinite(value):
        return "n/a"
    return f"{value:.2f}" if key.endswith("per_1k") else f"{100 * value:.1f}%"


def _signed(value: float, key: str) -> str:
    if not np.isfinite(value):
        return "n/a"
    return f"{value:+.2f}" if key.endswith("per_1k") else f"{100 * value:+.1f} pts"
