"""Accuracy and difficulty figures: pass@k curves, accuracy by bin, transition heatmaps."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import colors as mpl_colors
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator, PercentFormatter

from traceanalysis.report.figures_common import (
    FigureDraft,
    figure_legend,
    mark_zero_bars,
    new_figure,
    runs_in_order,
    styles_for,
    unit_break,
    usable,
)
from traceanalysis.report.style import NEUTRAL, ONE_COLUMN, TWO_COLUMN, RunStyle, ordered_bins

# One hatch per run (cycled): overlapping CI bands stay apart where their colours would blend.
BAND_HATCHES = ("////", "\\\\\\\\", "||||", "----", "xxxx", "++++")


def passk_figure(
    tables: dict[str, pd.DataFrame], styles: dict[str, RunStyle]
) -> Iterator[FigureDraft]:
    """pass@k against k (log-2 axis) per run, with the 95% bootstrap band from ``passk``."""
    table = tables.get("passk")
    if not usable(table, ("run", "k", "value")) or table["k"].max() < 2:
        return
    table = table.dropna(subset=["value"])
    if "complete" in table.columns:  # k above some problem's n averages over a subset
        table = table[table["complete"].astype(bool)]
    runs = runs_in_order(styles, table["run"])
    styles = styles_for(styles, runs)
    fig = new_figure(ONE_COLUMN, 2.9)
    ax = fig.add_subplot()
    for i, run in enumerate(runs):
        part = table[table["run"] == run].sort_values("k")
        k = part["k"].to_numpy(dtype=float)
        style = styles[run]
        marks = [i for i, v in enumerate(k) if v >= 1 and (int(v) & (int(v) - 1)) == 0]
        ax.plot(
            k,
            part["value"].to_numpy(dtype=float),
            color=style.color,
            marker=style.marker,
            markevery=marks,
            label=run,
        )
        if {"lo", "hi"} <= set(part.columns):
            # A light fill, the run's hatch and an outline: each band keeps its own edges
            # and texture where bands overlap, instead of blending into one colour.
            ax.fill_between(
                k,
                part["lo"].to_numpy(dtype=float),
                part["hi"].to_numpy(dtype=float),
                facecolor=(*mpl_colors.to_rgb(style.color), 0.08),
                edgecolor=style.color,
                hatch=BAND_HATCHES[i % len(BAND_HATCHES)],
                linewidth=0.6,
                zorder=1,
            )
    k_max = int(table["k"].max())
    ax.set_xscale("log", base=2)
    ticks = [2**i for i in range(int(np.log2(k_max)) + 1)]
    if ticks[-1] != k_max:
        ticks.append(k_max)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("k (samples per problem)")
    ax.set_ylabel("pass@k")
    figure_legend(fig, ax.get_legend_handles_labels()[0], max_cols=2)
    yield FigureDraft(
        name="passk",
        title="pass@k: accuracy (k = 1) versus capability (large k)",
        caption=(
            "pass@k per run by the unbiased estimator of Chen et al. (2021), averaged over "
            "problems, on a log-2 axis; bands are 95% bootstrap confidence intervals over "
            "problems, each drawn with its run's colour, hatch and outline. Each curve stops at its "
            "run's smallest number of samples per problem."
        ),
        section="accuracy",
        figure=fig,
    )


def difficulty_figure(
    tables: dict[str, pd.DataFrame], styles: dict[str, RunStyle], reference: str | None
) -> Iterator[FigureDraft]:
    """Accuracy per difficulty bin per run and, beside it, each run's delta vs the reference."""
    table = tables.get("difficulty")
    if not usable(table, ("bin", "run", "accuracy")):
        return
    table = table.assign(bin=table["bin"].astype(str))
    filled = table.groupby("bin")["accuracy"].apply(lambda a: a.notna().any())
    if "n_problems" in table:
        filled &= table.groupby("bin")["n_problems"].max() > 0
    bins = [b for b in ordered_bins(table["bin"]) if filled.get(b, False)]  # no empty bins
    if not bins:
        return
    runs = runs_in_order(styles, table["run"])
    styles = styles_for(styles, runs)
    counts = table.groupby("bin")["n_problems"].max() if "n_problems" in table else None
    labels = [f"{b}\n(n={int(counts[b])})" if counts is not None else b for b in bins]
    x = np.arange(len(bins))
    others = [
        r for r in runs
        if r != reference and "delta_vs_reference" in table
        and table.loc[table["run"] == r, "delta_vs_reference"].notna().any()
    ]  # fmt: skip
    has_delta = bool(others)
    fig = new_figure(TWO_COLUMN if has_delta else ONE_COLUMN, 2.9)
    axes = fig.subplots(1, 2 if has_delta else 1, squeeze=False)[0]
    ax = axes[0]
    unit = _bin_unit(bins)
    shift = _dodge(len(runs))
    for i, run in enumerate(runs):
        part = table[table["run"] == run].set_index("bin").reindex(bins)
        y = part["accuracy"].to_numpy(dtype=float)
        ax.plot(x + shift[i], y, color=styles[run].color, marker=styles[run].marker, label=run)
        yerr = _yerr(part, "accuracy", "accuracy_lo", "accuracy_hi")
        if yerr is not None:
            ax.errorbar(
                x + shift[i], y, yerr=yerr, fmt="none", ecolor=styles[run].color,
                capsize=1.5, elinewidth=0.7,
            )  # fmt: skip
    _bin_ticks(ax, x, labels)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(unit_break(f"difficulty bin ({reference or 'reference'} {unit})", 40))
    ax.set_ylabel("accuracy (pass@1)")
    handles = ax.get_legend_handles_labels()[0]
    if has_delta:
        ax = axes[1]
        width = 0.8 / max(len(others), 1)
        for i, run in enumerate(others):
            part = table[table["run"] == run].set_index("bin").reindex(bins)
            pos = x - 0.4 + width * (i + 0.5)
            delta = part["delta_vs_reference"].to_numpy(dtype=float)
            ax.bar(
                pos,
                delta,
                width=width,
                color=styles[run].color,
                yerr=_yerr(part, "delta_vs_reference", "delta_lo", "delta_hi"),
                error_kw={"elinewidth": 0.7, "capsize": 1.5, "ecolor": "#333333"},
                label=run,
            )
            mark_zero_bars(ax, pos, delta, width)
        ax.axhline(0, color=NEUTRAL, linewidth=0.8)
        _bin_ticks(ax, x, labels)
        ax.yaxis.set_major_formatter(FuncFormatter(_points))
        ax.set_xlabel(unit_break(f"difficulty bin ({reference or 'reference'} {unit})", 40))
        ax.set_ylabel(unit_break(f"accuracy − {reference or 'reference'} (pp)", 36))
    figure_legend(fig, handles, max_cols=4 if has_delta else 2)
    yield FigureDraft(
        name="difficulty",
        title="Accuracy by difficulty bin",
        caption=(
            "Accuracy per difficulty bin, bins set by the reference run's success rate "
            f"({reference or 'reference'}; the edges of 2505.14216, out of 256 samples, "
            "applied to the rate, with bins that hold no count at this n merged into the "
            f"next; labels give the {unit} each bin holds); n is the number of problems in "
            "the bin. Error bars: 95% bootstrap CIs over the problems of the bin (seeded; "
            "none for a bin of one problem)."
            + (
                " Right: each run's accuracy minus the reference's on the same problems, in "
                "percentage points (pp), with a paired bootstrap CI; a bar of zero is marked 0."
                if has_delta
                else ""
            )
        ),
        section="difficulty",
        figure=fig,
    )


def _bin_ticks(ax: object, x: np.ndarray, labels: list[str]) -> None:
    """Bin labels under the axis, a little smaller when many must stand side by side."""
    ax.set_xticks(x, labels, fontsize=6 if len(labels) <= 6 else 5.5)


def _points(value: float, _pos: object = None) -> str:
    """A difference of two shares as signed percentage points: 0.25 -> ``+25``."""
    points = round(100 * value, 6)
    if points == 0:
        return "0"
    return f"{points:+g}".replace("-", "\u2212")


def _bin_unit(bins: list[str]) -> str:
    """What the bin labels count: ``correct of 8`` or ``success rate`` (ragged n)."""
    ns = {b.rpartition("/")[2] for b in bins if "/" in b}
    if len(ns) == 1:
        return f"correct of {ns.pop()}"
    return "success rate" if all(b.endswith("%") for b in bins) else "correct of 256"


def _dodge(n: int) -> np.ndarray:
    """Small horizontal offsets so that the error bars of several runs do not overlap."""
    return (np.arange(n) - (n - 1) / 2) * min(0.08, 0.4 / max(n, 1))


def _yerr(part: pd.DataFrame, value: str, lo: str, hi: str) -> np.ndarray | None:
    """Asymmetric error bar lengths from CI columns (NaN, so no bar, where a bin has no CI)."""
    if lo not in part.columns or hi not in part.columns:
        return None
    y = part[value].to_numpy(dtype=float)
    below = np.clip(y - part[lo].to_numpy(dtype=float), 0, None)
    above = np.clip(part[hi].to_numpy(dtype=float) - y, 0, None)
    return np.vstack([below, above])


def transition_figures(
    tables: dict[str, pd.DataFrame], reference: str | None
) -> Iterator[FigureDraft]:
    """One heatmap per ``transitions_<run>`` table: reference bin (rows) to run bin (columns)."""
    for name in [n for n in tables if n.startswith("transitions_")]:  # run (role) order
        table = tables[name]
        if not usable(table, ("ref_bin", "run_bin", "count")) or table["count"].sum() == 0:
            continue
        run = name[len("transitions_") :]
        bins = ordered_bins(list(table["ref_bin"]) + list(table["run_bin"]))
        counts = table.pivot_table(
            index="ref_bin",
            columns="run_bin",
            values="count",
            aggfunc="sum",
            fill_value=0,
            observed=False,
        ).reindex(index=bins, columns=bins, fill_value=0)
        row_total = counts.sum(axis=1).replace(0, np.nan)
        pct = counts.div(row_total, axis=0) * 100
        fig = new_figure(ONE_COLUMN, 3.0)
        ax = fig.add_subplot()
        annot = counts.astype(int).astype(str).where(counts > 0, "")
        sns.heatmap(
            pct,
            ax=ax,
            cmap="Blues",
            vmin=0,
            vmax=100,
            annot=annot.to_numpy(),
            fmt="",
            annot_kws={"fontsize": 5.5},
            linewidths=0.3,
            linecolor="white",
            cbar_kws={"label": "share of the row's problems (%)", "shrink": 0.8},
        )
        ax.set_xlabel(f"{run} bin")
        ax.set_ylabel(f"{reference or 'reference'} bin")
        ax.tick_params(axis="both", labelsize=6, length=0)
        ax.tick_params(axis="y", labelrotation=0)
        ax.grid(False)
        yield FigureDraft(
            name=name,
            title=f"Difficulty transitions: {reference or 'reference'} → {run}",
            caption=(
                f"Problems by their {reference or 'reference'} bin (rows) and {run} bin "
                "(columns); numbers are problem counts, colour is the share of the row. "
                "Cells right of the diagonal are problems the run solves more often."
            ),
            section="difficulty",
            figure=fig,
        )
