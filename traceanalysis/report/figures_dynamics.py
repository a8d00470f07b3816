"""Training-dynamics figures, in the style of SimpleRL-Zoo and the DeepSeek-R1-Zero report:
accuracy, response length and reflection rate over training steps, every lexicon's rate and
every behaviour's share over steps; lines per series with 95% bootstrap bands, onsets marked.

Each figure reads the ``steps`` table (and ``onsets`` for the markers) only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from traceanalysis.metrics.dynamics import reflection_lexicon
from traceanalysis.report.figures_common import (
    FigureDraft,
    figure_legend,
    new_figure,
    runs_in_order,
    styles_for,
    usable,
)
from traceanalysis.report.style import (
    BEHAVIOR_NAMES,
    LEXICON_NAMES,
    ONE_COLUMN,
    TWO_COLUMN,
    RunStyle,
)

SECTION = "dynamics"
STEPS_COLUMNS = ("run", "step", "metric", "value", "lo", "hi", "n")
BAND_ALPHA = 0.18


def _curve(
    ax: Axes, steps: pd.DataFrame, metric: str, series: list[str],
    styles: dict[str, RunStyle], onsets: pd.DataFrame | None = None, scale: float = 1.0,
) -> bool:  # fmt: skip
    """One line per series with its CI band (and a dotted line at its onset); False when
    the metric has no value."""
    drawn = False
    for name in series:
        part = steps[(steps["run"] == name) & (steps["metric"] == metric)].sort_values("step")
        if part.empty:
            continue
        style = styles[name]
        x = part["step"].to_numpy(dtype=float)
        ax.fill_between(
            x, part["lo"].to_numpy(float) * scale, part["hi"].to_numpy(float) * scale,
            color=style.color, alpha=BAND_ALPHA, linewidth=0,
        )  # fmt: skip
        ax.plot(x, part["value"].to_numpy(float) * scale, color=style.color,
                marker=style.marker, markersize=3)  # fmt: skip
        drawn = True
        if onsets is None:
            continue
        hit = onsets[(onsets["run"] == name) & (onsets["feature"] == metric)]
        if len(hit) and pd.notna(hit["onset_step"].iloc[0]):
            ax.axvline(float(hit["onset_step"].iloc[0]), color=style.color, linestyle=":",
                       linewidth=0.9)  # fmt: skip
    return drawn


def _legend(fig: object, series: list[str], styles: dict[str, RunStyle], onset: bool) -> None:
    handles = [
        Line2D([], [], color=styles[s].color, marker=styles[s].marker, markersize=3, label=s)
        for s in series
    ]
    if onset:
        handles.append(Line2D([], [], color="black", linestyle=":", linewidth=0.9, label="onset"))
    figure_legend(fig, handles)


def _has_onset(onsets: pd.DataFrame | None, metrics: list[str]) -> bool:
    if onsets is None:
        return False
    return bool(onsets.loc[onsets["feature"].isin(metrics), "onset_step"].notna().any())


def _series(steps: pd.DataFrame, styles: dict[str, RunStyle]) -> tuple[list[str], dict]:
    series = runs_in_order(styles, steps["run"].astype(str))
    return series, styles_for(styles, series)


def overview_figure(
    steps: pd.DataFrame, onsets: pd.DataFrame | None, styles: dict[str, RunStyle]
) -> Iterator[FigureDraft]:
    """Accuracy, response length and the reflection rate over training steps."""
    metrics = set(steps["metric"].astype(str))
    reflection = reflection_lexicon(metrics)
    panels = [(m, label) for m, label in (
        ("pass@1", "pass@1 (%)"), ("tokens_mean", "mean response length (tokens)"),
    ) if m in metrics]  # fmt: skip
    if reflection is not None:
        name = LEXICON_NAMES.get(reflection, reflection.replace("_", " "))
        panels.append((f"{reflection}_per_1k", f"{name}\nper 1k tokens"))
    if not panels:
        return
    series, styles = _series(steps, styles)
    fig = new_figure(TWO_COLUMN if len(panels) > 1 else ONE_COLUMN, 2.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (metric, label) in zip(axes, panels, strict=True):
        scale = 100.0 if metric == "pass@1" else 1.0
        _curve(ax, steps, metric, series, styles, onsets, scale)
        ax.set_xlabel("training step")
        ax.set_ylabel(label)
        if metric.endswith("_per_1k"):
            _, top = ax.get_ylim()
            ax.set_ylim(0, top if top > 0 else 1)  # a rate: from 0, never negative
    _legend(fig, series, styles, onset=_has_onset(onsets, [m for m, _ in panels]))
    yield FigureDraft(
        name="dynamics",
        title="Accuracy, response length and reflection over training steps",
        caption=(
            "Per training series: pass@1, mean response length in reference tokens and the "
            "pooled rate of reflection words per 1,000 tokens at each step (SimpleRL-Zoo's "
            "and DeepSeek-R1-Zero's curves). Bands: 95% bootstrap intervals over prompts of "
            "each step's value (steps that share prompts differ more credibly than "
            "overlapping bands suggest: the onset test is paired). "
            "Dotted lines: onsets (first step credibly above the first, one-sided test at "
            "FDR 0.05; tables/onsets.csv)."
        ),
        section=SECTION,
        figure=fig,
    )


def _grid(
    steps: pd.DataFrame, onsets: pd.DataFrame | None, styles: dict[str, RunStyle],
    metrics: list[tuple[str, str]], scale: float, unit: str,
) -> object:  # fmt: skip
    series, styles = _series(steps, styles)
    cols = min(4, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig = new_figure(TWO_COLUMN if cols > 1 else ONE_COLUMN, 1.7 * rows + 0.5)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, (ax, (metric, title)) in enumerate(zip(axes, metrics, strict=False)):
        _curve(ax, steps, metric, series, styles, onsets, scale)
        ax.set_title(title)
        ax.set_xlabel("step")
        _, top = ax.get_ylim()
        ax.set_ylim(0, top if top > 0 else 1)  # rates and shares: from 0, never negative
        if i % cols == 0:
            ax.set_ylabel(unit)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    _legend(fig, series, styles, onset=_has_onset(onsets, [m for m, _ in metrics]))
    return fig


def lexicon_steps_figure(
    steps: pd.DataFrame, onsets: pd.DataFrame | None, styles: dict[str, RunStyle]
) -> Iterator[FigureDraft]:
    """Every lexicon's pooled rate per 1k tokens over steps, one panel per lexicon."""
    names = [m for m in dict.fromkeys(steps["metric"].astype(str)) if m.endswith("_per_1k")]
    if not names:
        return
    metrics = [(m, LEXICON_NAMES.get(m[: -len("_per_1k")], m)) for m in names]
    fig = _grid(steps, onsets, styles, metrics, 1.0, "per 1k tokens")
    yield FigureDraft(
        name="dynamics_lexicons",
        title="Lexicon rates over training steps",
        caption=(
            "Pooled matches per 1,000 reference tokens of each lexicon at each step, per "
            "series, with 95% bootstrap bands over prompts; dotted lines mark onsets."
        ),
        section=SECTION,
        figure=fig,
    )


def behavior_steps_figure(
    steps: pd.DataFrame, onsets: pd.DataFrame | None, styles: dict[str, RunStyle]
) -> Iterator[FigureDraft]:
    """Every rule behaviour's share of responses over steps, one panel per behaviour."""
    names = [
        m for m in dict.fromkeys(steps["metric"].astype(str))
        if m.startswith("behavior_") and m.endswith("_present")
    ]  # fmt: skip
    if not names:
        return
    metrics = [(m, BEHAVIOR_NAMES.get(m[len("behavior_") : -len("_present")], m)) for m in names]
    fig = _grid(steps, onsets, styles, metrics, 100.0, "% of responses")
    yield FigureDraft(
        name="dynamics_behaviors",
        title="Cognitive behaviours over training steps",
        caption=(
            "Share of responses (%) in which the rule tagger finds each behaviour, per "
            "series and step, with 95% bootstrap bands over prompts; dotted lines mark onsets."
        ),
        section=SECTION,
        figure=fig,
    )


def dynamics_figures(
    tables: dict[str, pd.DataFrame], styles: dict[str, RunStyle]
) -> Iterator[FigureDraft]:
    """The training-dynamics figures the ``steps`` table allows (none without it)."""
    steps = tables.get("steps")
    if not usable(steps, STEPS_COLUMNS):
        return
    onsets = tables.get("onsets")
    onsets = onsets if usable(onsets, ("run", "feature", "onset_step")) else None
    yield from overview_figure(steps, onsets, styles)
    yield from lexicon_steps_figure(steps, onsets, styles)
    yield from behavior_steps_figure(steps, onsets, styles)
