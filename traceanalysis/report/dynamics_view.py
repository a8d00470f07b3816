"""The "Training dynamics" section: its title, intro, measured sentences and the compact
per-series view the template ``dynamics.html.j2`` lays out (read from the ``steps`` and
``onsets`` tables only; nothing is recomputed here)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from traceanalysis.metrics.dynamics import reflection_lexicon
from traceanalysis.report.display import format_value
from traceanalysis.report.style import BEHAVIOR_NAMES, LEXICON_NAMES

SECTION = "dynamics"
TITLE = "Training dynamics"
INTRO = (
    "Runs that carry training steps (rollout dumps by step, or checkpoint runs with a step "
    "in run.json or --step) form a series: pass@1, response length, lexicon rates, "
    "behaviour shares and answer entropy at each step with 95% bootstrap intervals over "
    "prompts (SimpleRL-Zoo, Understand-R1-Zero, DeepSeek-R1-Zero), and each feature's "
    "onset: the first step credibly above the first (one-sided test, BH at FDR 0.05)."
)
NO_STEPS = (
    "No run carries training steps (no step column in the dumps, no step in run.json, no "
    "--step), so there are no training-dynamics tables."
)


def feature_name(metric: str) -> str:
    """A metric of the steps table in plain words."""
    if metric.startswith("behavior_") and metric.endswith("_present"):
        b = metric[len("behavior_") : -len("_present")]
        return BEHAVIOR_NAMES.get(b, b.replace("_", " "))
    for suffix, unit in (("_per_1k", " per 1k tokens"), ("_present", " (share of responses)")):
        if metric.endswith(suffix):
            name = metric[: -len(suffix)]
            return LEXICON_NAMES.get(name, name.replace("_", " ")) + unit
    return {"tokens_mean": "mean length (tokens)", "answer_entropy": "answer entropy (bits)"}.get(
        metric, metric
    )


def _has(tables: dict[str, pd.DataFrame], name: str) -> bool:
    table = tables.get(name)
    return table is not None and not table.empty


def _columns(steps: pd.DataFrame) -> list[str]:
    metrics = set(steps["metric"].astype(str))
    wanted = ["pass@1", "tokens_mean"]
    reflection = reflection_lexicon(metrics)
    if reflection is not None:
        wanted.append(f"{reflection}_per_1k")
    wanted.append("answer_entropy")
    return [m for m in wanted if m in metrics]


def _number(x: float, metric: str) -> str:
    if metric.startswith("pass@"):
        return f"{100 * x:.1f}"  # a share in percent
    if metric == "tokens_mean":
        return f"{x:.1f}"
    return format_value(x)


def _cell(row: pd.Series | None, metric: str) -> str:
    if row is None:
        return "–"
    value, lo, hi = (_number(float(row[c]), metric) for c in ("value", "lo", "hi"))
    unit = "%" if metric.startswith("pass@") else ""
    return f"{value}{unit} [{lo}, {hi}]"


def _onset_text(row: pd.Series) -> str:
    name = feature_name(str(row["feature"]))
    if pd.isna(row["onset_step"]):
        return ""
    lo = "–" if pd.isna(row["lo"]) else str(int(row["lo"]))
    hi = "after the last step" if pd.isna(row["hi"]) else str(int(row["hi"]))
    return f"{name}: step {int(row['onset_step'])} (95% interval {lo} to {hi})"


def dynamics_view(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """What ``dynamics.html.j2`` shows: per series (none without steps: the section's one
    finding, :data:`NO_STEPS`, says so), a step-by-step table of the headline metrics (the onsets are in the findings
    and the onsets table)."""
    if not _has(tables, "steps"):
        return {"series": []}
    steps = tables["steps"]
    out = []
    for series, part in steps.groupby("run", sort=False, observed=True):
        columns = _columns(part)
        header = ["step", "prompts", *(feature_name(c) for c in columns)]
        keyed = part.set_index(["step", "metric"])
        rows = []
        for step in sorted(part["step"].unique()):
            n = part.loc[part["step"] == step, "n"].max()
            cells = [(str(int(step)), "num"), (str(int(n)), "num")]
            for c in columns:
                row = keyed.loc[(step, c)] if (step, c) in keyed.index else None
                cells.append((_cell(row, c), "num"))
            rows.append(cells)
        out.append({"name": str(series), "header": header, "rows": rows})
    return {"series": out}


def _value(steps: pd.DataFrame, metric: str, step: int) -> pd.Series | None:
    hit = steps[(steps["metric"] == metric) & (steps["step"] == step)]
    return hit.iloc[0] if len(hit) else None


def dynamics_findings(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The section's measured sentences: per series, first and last step's pass@1 and
    length with CIs and the onsets found; the one NO_STEPS sentence without a series."""
    if not _has(tables, "steps"):
        return [NO_STEPS]
    steps = tables["steps"]
    onsets = tables.get("onsets") if _has(tables, "onsets") else None
    out = []
    for series, part in steps.groupby("run", sort=False, observed=True):
        first, last = int(part["step"].min()), int(part["step"].max())
        n_steps = part["step"].nunique()
        bits = []
        for metric in ("pass@1", "tokens_mean"):
            a, b = _value(part, metric, first), _value(part, metric, last)
            if a is not None and b is not None:
                bits.append(
                    f"{feature_name(metric)} {_cell(a, metric)} at step {first}, "
                    f"{_cell(b, metric)} at step {last}"
                )
        sentence = f"{series}: {n_steps} steps ({first} to {last})"
        out.append(sentence + (": " + "; ".join(bits) if bits else "") + ".")
        if onsets is not None:
            mine = onsets[onsets["run"] == series]
            found = [t for t in (_onset_text(r) for _, r in mine.iterrows()) if t]
            tested = len(mine)
            if found:
                out.append(
                    f"{series}: onsets in {len(found)} of {tested} features: "
                    + "; ".join(found)
                    + "."
                )
            elif tested:
                out.append(
                    f"{series}: no lexicon or behaviour rises credibly above step {first} "
                    f"({tested} tested)."
                )
    return out
