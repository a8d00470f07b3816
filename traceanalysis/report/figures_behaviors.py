"""Behaviour, flexible-reasoning and audit figures."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from traceanalysis.report.figures_common import (
    FigureDraft,
    as_correct_label,
    figure_legend,
    humanize,
    mark_zero_bars,
    new_figure,
    pretty,
    runs_in_order,
    styles_for,
    usable,
    wrapped,
)
from traceanalysis.report.style import (
    BEHAVIOR_ORDER,
    NEUTRAL,
    ONE_COLUMN,
    TWO_COLUMN,
    RunStyle,
)

__all__ = ["BEHAVIOR_ORDER", "audit_figure", "behavior_figure", "flexible_figure"]


def behavior_figure(
    tables: dict[str, pd.DataFrame], styles: dict[str, RunStyle]
) -> Iterator[FigureDraft]:
    """Share of responses showing each behaviour, bars per run; judge shares as open diamonds."""
    table = tables.get("behaviors")
    if not usable(table, ("run", "behavior", "share_present")):
        return
    present = list(dict.fromkeys(table["behavior"].astype(str)))
    behaviors = [b for b in BEHAVIOR_ORDER if b in present] + [
        b for b in present if b not in BEHAVIOR_ORDER
    ]
    runs = runs_in_order(styles, table["run"])
    styles = styles_for(styles, runs)
    has_judge = "judge_share_present" in table and table["judge_share_present"].notna().any()
    fig = new_figure(ONE_COLUMN, 0.22 * len(behaviors) * max(1, len(runs) / 2) + 1.0)
    ax = fig.add_subplot()
    y = np.arange(len(behaviors))
    height = 0.8 / len(runs)
    for i, run in enumerate(runs):
        part = table[table["run"] == run].set_index("behavior").reindex(behaviors)
        pos = y - 0.4 + height * (i + 0.5)
        share = part["share_present"].to_numpy(dtype=float)
        ax.barh(pos, share, height=height, color=styles[run].color, label=run)
        mark_zero_bars(ax, pos, share, height, horizontal=True)
        if has_judge:
            ax.scatter(
                part["judge_share_present"].to_numpy(dtype=float),
                pos,
                marker="D",
                s=9,
                facecolors="white",
                edgecolors="black",
                linewidths=0.6,
                zorder=3,
            )
    ax.set_yticks(y, [pretty(b) for b in behaviors])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(0, max(1.0, float(np.nanmax(table["share_present"].to_numpy(dtype=float)))))
    ax.set_xlabel("share of responses")
    ax.grid(axis="y", visible=False)
    handles, _ = ax.get_legend_handles_labels()
    if has_judge:
        handles.append(
            Line2D(
                [],
                [],
                marker="D",
                linestyle="",
                markerfacecolor="white",
                markeredgecolor="black",
                label="LLM judge",
            )
        )
    figure_legend(fig, handles, where="lower")
    yield FigureDraft(
        name="behaviors",
        title="Cognitive behaviours by run",
        caption=(
            "Share of responses in which the rule tagger finds each behaviour at least once"
            + ("; open diamonds give the LLM judge's share" if has_judge else "")
            + ". A share of zero is marked 0; a run without a bar has no value."
        ),
        section="behaviors",
        figure=fig,
    )


def _flexible_values(tables: dict[str, pd.DataFrame]) -> dict[str, tuple[pd.Series, str]]:
    """Per-run values for the flexible-reasoning panels: (series indexed by run, unit)."""
    panels: dict[str, tuple[pd.Series, str]] = {}
    lexical = tables.get("lexical")
    if usable(lexical, ("run", "correct", "difficulty_bin")):
        rows = lexical[
            (lexical["correct"].map(as_correct_label) == "all")
            & (lexical["difficulty_bin"].astype(str) == "all")
        ]
        for lexicon in ("anthropomorphic", "logical_connectors"):
            column = f"{lexicon}_pooled_per_1k"
            if column in rows and not rows.empty:
                panels[pretty(lexicon)] = (rows.set_index("run")[column], "per 1k tokens (pooled)")
    behaviors = tables.get("behaviors")
    if usable(behaviors, ("run", "behavior", "share_present")):
        for behavior in ("multi_perspective", "metacognitive_awareness"):
            rows = behaviors[behaviors["behavior"] == behavior]
            if not rows.empty:
                panels[pretty(behavior)] = (
                    rows.set_index("run")["share_present"],
                    "share of responses",
                )
    return panels


def flexible_figure(
    tables: dict[str, pd.DataFrame], styles: dict[str, RunStyle]
) -> Iterator[FigureDraft]:
    """The markers of flexible reasoning (2505.21067) side by side, one bar per run."""
    panels = _flexible_values(tables)
    if not panels:
        return
    runs = runs_in_order(styles, [r for series, _ in panels.values() for r in series.index])
    styles = styles_for(styles, runs)
    fig = new_figure(TWO_COLUMN if len(panels) > 2 else ONE_COLUMN, 2.2)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, (series, unit)) in zip(axes, panels.items(), strict=True):
        values = series.reindex(runs).to_numpy(dtype=float)
        for i, run in enumerate(runs):
            ax.bar(i, values[i], color=styles[run].color, width=0.8, label=run)
        mark_zero_bars(ax, np.arange(len(runs)), values, 0.8)
        ax.set_xticks([])  # the legend names the runs: no slanted labels under narrow panels
        ax.set_title(wrapped(title, 18 if len(panels) > 2 else 28))
        if unit == "share of responses":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylabel(unit)
        ax.grid(axis="x", visible=False)
    figure_legend(fig, axes[0].get_legend_handles_labels()[0])
    yield FigureDraft(
        name="flexible",
        title="Markers of flexible reasoning",
        caption=(
            "Anthropomorphic tokens and logical connectors per 1,000 tokens (pooled: total "
            "matches / total tokens, as in the language section), and the share "
            "of responses with multi-perspective thinking and metacognitive awareness "
            "(2505.21067's markers of flexible reasoning), per run. A value of zero is "
            "marked 0."
        ),
        section="flexible",
        figure=fig,
    )


def audit_figure(
    tables: dict[str, pd.DataFrame], styles: dict[str, RunStyle]
) -> Iterator[FigureDraft]:
    """Forest plot: pooled AUROC (open) vs within-problem AUROC with 95% CI (filled), per run."""
    table = tables.get("audit")
    if not usable(table, ("feature", "run", "auroc_pooled", "auroc_within")):
        return
    if "bin" in table:
        table = table[table["bin"].astype(str) == "all"]
    table = table.dropna(subset=["auroc_pooled", "auroc_within"], how="all")
    if table.empty:
        return
    features = list(dict.fromkeys(table["feature"].astype(str)))
    runs = runs_in_order(styles, table["run"])
    styles = styles_for(styles, runs)
    ncols = min(4, len(runs))
    nrows = -(-len(runs) // ncols)
    fig = new_figure(
        TWO_COLUMN if ncols > 1 else ONE_COLUMN, nrows * (0.16 * len(features) + 0.7) + 0.3
    )
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True, sharex=True).ravel()
    y = np.arange(len(features))
    for ax, run in zip(axes, runs, strict=False):
        part = table[table["run"] == run].set_index("feature").reindex(features)
        style = styles[run]
        pooled = part["auroc_pooled"].to_numpy(dtype=float)
        within = part["auroc_within"].to_numpy(dtype=float)
        if "auroc_within_lo" in part.columns:  # untested (too few problems): not drawn
            within = np.where(part["auroc_within_lo"].notna(), within, np.nan)
        ax.hlines(y, np.fmin(pooled, within), np.fmax(pooled, within), color=NEUTRAL, linewidth=0.6)
        if {"auroc_within_lo", "auroc_within_hi"} <= set(part.columns):
            lo = part["auroc_within_lo"].to_numpy(dtype=float)
            hi = part["auroc_within_hi"].to_numpy(dtype=float)
            ax.hlines(y, lo, hi, color=style.color, linewidth=1.4)
        ax.scatter(within, y, marker=style.marker, color=style.color, s=14, zorder=3)
        ax.scatter(
            pooled,
            y,
            marker=style.marker,
            facecolors="white",
            edgecolors=style.color,
            s=14,
            linewidths=0.8,
            zorder=3,
        )
        ax.axvline(0.5, color="black", linestyle="--", linewidth=0.7)
        ax.set_title(run)
        ax.set_xlabel("AUROC")
        ax.grid(axis="y", visible=False)
    labels = {f: pretty(f) for f in features}
    if "label" in table:
        labels.update(
            (feature, humanize(label))
            for feature, label in zip(
                table["feature"].astype(str), table["label"].astype(str), strict=True
            )
        )
    axes[0].set_yticks(y, [labels[f] for f in features], fontsize=6)
    axes[0].invert_yaxis()
    for ax in axes[len(runs) :]:
        ax.set_visible(False)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor="black",
            label="pooled",
        ),
        Line2D([], [], marker="o", linestyle="-", color="black", label="within-problem (95% CI)"),
    ]
    figure_legend(fig, handles, where="lower")
    yield FigureDraft(
        name="audit",
        title="Does length or keyword use predict correctness?",
        caption=(
            "AUROC of each feature for telling correct from incorrect responses. Open "
            "markers pool all responses (mixing easy and hard problems); filled markers "
            "with 95% bootstrap CIs compare responses within the same problem, averaged "
            "over informative problems (both outcomes, the feature varying). 0.5 (dashed) "
            "is no signal; a gap between the two is the difficulty confound."
        ),
        section="audit",
        figure=fig,
    )
