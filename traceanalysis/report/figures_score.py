"""Figures of "Inside the reference distribution?": per-token NLL under the reference model.

Drawn from the ``nll`` table's percentiles (no per-response data): for each scoring model
one figure, one panel per difficulty bin (and all problems), a box per run and correctness
(correct filled, incorrect hatched). The dashed line is the ``nll_novel`` threshold: the
95th percentile of the reference run's own responses.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from traceanalysis.report.figures_common import (
    FigureDraft,
    new_figure,
    runs_in_order,
    styles_for,
    usable,
)
from traceanalysis.report.style import NEUTRAL, TWO_COLUMN, RunStyle, ordered_bins

_COLUMNS = ("model", "run", "difficulty_bin", "correct", "q05", "q25", "q50", "q75", "q95")
MAX_PANELS = 6  # all problems and up to five bins


def _stats(row: pd.Series) -> dict[str, object]:
    return {
        "whislo": row["q05"], "q1": row["q25"], "med": row["q50"], "q3": row["q75"],
        "whishi": row["q95"], "mean": row["nll_per_token"], "fliers": [], "label": "",
    }  # fmt: skip


def _threshold(tables: dict[str, pd.DataFrame], model: str) -> float | None:
    novel = tables.get("nll_novel")
    if not usable(novel, ("model", "threshold_nll_per_token")):
        return None
    values = novel.loc[novel["model"] == model, "threshold_nll_per_token"].dropna()
    return float(values.iloc[0]) if len(values) else None


def _panel(ax: object, part: pd.DataFrame, runs: list[str], styles: dict[str, RunStyle]) -> None:
    for i, run in enumerate(runs):
        for offset, flag, hatch in ((-0.2, "true", None), (0.2, "false", "////")):
            rows = part[(part["run"] == run) & (part["correct"] == flag)]
            if rows.empty:
                continue
            boxes = ax.bxp(
                [_stats(rows.iloc[0])], positions=[i + offset], widths=0.34, showmeans=True,
                patch_artist=True, manage_ticks=False,
                meanprops={"marker": "D", "markersize": 2.5, "markerfacecolor": "white",
                           "markeredgecolor": "black"},
                medianprops={"color": "black", "linewidth": 0.9},
            )  # fmt: skip
            for box in boxes["boxes"]:
                box.set_facecolor(styles[run].color if flag == "true" else "white")
                box.set_edgecolor("black" if flag == "true" else styles[run].color)
                box.set_hatch(hatch)
                box.set_linewidth(0.8)
    # many runs: upright names would collide, so they stand vertical in a smaller font
    crowded, tilt = len(runs) > 4, len(runs) > 3
    ax.set_xticks(
        range(len(runs)), runs, rotation=90 if crowded else (20 if tilt else 0),
        ha="right" if tilt and not crowded else "center", fontsize=6 if crowded else None,
    )  # fmt: skip
    ax.grid(axis="x", visible=False)


def nll_figures(
    tables: dict[str, pd.DataFrame], styles: dict[str, RunStyle]
) -> Iterator[FigureDraft]:
    """Per scoring model: per-token NLL distributions by run, correctness and bin."""
    table = tables.get("nll")
    if not usable(table, _COLUMNS):
        return
    table = table.assign(
        difficulty_bin=table["difficulty_bin"].astype(str), correct=table["correct"].astype(str)
    )
    for model, frame in table.groupby("model", sort=False):
        graded = frame[frame["correct"].isin(["true", "false"])]
        if graded.empty:
            continue
        bins = [b for b in ordered_bins(graded["difficulty_bin"]) if b != "all"]
        panels = ["all", *bins][:MAX_PANELS]
        runs = runs_in_order(styles, graded["run"])
        run_styles = styles_for(styles, runs)
        cols = min(len(panels), 3)
        rows = math.ceil(len(panels) / cols)
        names = 0.06 * max(len(r) for r in runs) if len(runs) > 4 else 0.0  # vertical names
        fig = new_figure(TWO_COLUMN if cols > 1 else 3.5, (2.3 + names) * rows + 0.4)
        axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False, sharey=True)).ravel()
        threshold = _threshold(tables, str(model))
        for ax, label in zip(axes, panels, strict=False):
            _panel(ax, graded[graded["difficulty_bin"] == label], runs, run_styles)
            ax.set_title("all problems" if label == "all" else f"bin {label}", fontsize=8)
            if threshold is not None:
                ax.axhline(threshold, color=NEUTRAL, linestyle="--", linewidth=0.8)
        for ax in axes[len(panels) :]:
            ax.set_visible(False)
        for ax in axes[::cols]:
            ax.set_ylabel(f"NLL per token under {model} (nats)")
        handles = [
            Patch(facecolor=NEUTRAL, edgecolor="black", label="correct"),
            Patch(facecolor="white", edgecolor=NEUTRAL, hatch="////", label="incorrect"),
        ]
        if threshold is not None:
            handles.append(
                Patch(facecolor="none", edgecolor=NEUTRAL, linestyle="--", label="reference p95")
            )
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
        yield FigureDraft(
            name=f"nll_{model}",
            title=f"Per-token NLL under the reference model ({model})",
            caption=(
                f"Negative log-likelihood per response token under {model} (nats), for "
                "correct (filled) and incorrect (hatched) responses, over all problems and per "
                "difficulty bin. Boxes span the quartiles, whiskers the 5th to 95th "
                "percentiles, the line is the median and the diamond the mean. The dashed "
                "line is the 95th percentile of the reference run's own responses, the "
                "threshold of the nll_novel table. Higher means less expected by the "
                "reference model; it depends on the tokenizer, the template and the length."
            ),
            section="score",
            figure=fig,
        )
