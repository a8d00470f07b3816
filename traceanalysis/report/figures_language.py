"""Language figures: response lengths, lexicon rates, distinctive tokens."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from traceanalysis.report.figures_common import (
    FigureDraft,
    as_correct_label,
    figure_legend,
    new_figure,
    pretty,
    runs_in_order,
    styles_for,
    unit_break,
    usable,
    wrapped,
)
from traceanalysis.report.style import NEUTRAL, ONE_COLUMN, TWO_COLUMN, RunStyle, ordered_bins

MAX_SCATTER_POINTS = 1000  # distinctive-token scatter: keeps the inline SVG small
LABELLED_TOKENS = 6  # per side


def _box_stats(values: np.ndarray, label: str) -> dict[str, object]:
    """Box statistics for ``Axes.bxp``: quartiles, 5th/95th percentile whiskers, mean."""
    q05, q25, q50, q75, q95 = np.percentile(values, [5, 25, 50, 75, 95])
    return {
        "med": q50,
        "q1": q25,
        "q3": q75,
        "whislo": q05,
        "whishi": q95,
        "mean": float(values.mean()),
        "fliers": [],
        "label": label,
    }


def length_figure(
    samples: pd.DataFrame, styles: dict[str, RunStyle], unit: str
) -> Iterator[FigureDraft]:
    """Response length distributions (box per run x correctness), aggregated before drawing."""
    if not usable(samples, ("run", "n_tokens", "correct")):
        return
    data = samples[["run", "n_tokens", "correct"]].dropna()
    if data.empty:
        return
    runs = runs_in_order(styles, data["run"])
    styles = styles_for(styles, runs)
    # Horizontal boxes: run names are tick labels on the left, where long ones never
    # collide; one column wide, taller with more runs.
    fig = new_figure(ONE_COLUMN, 0.42 * len(runs) + 1.3)
    ax = fig.add_subplot()
    lows, highs = [], []
    # One grouping pass (rows keep their order within a group, as a mask would).
    groups = {
        (str(run), bool(flag)): part.to_numpy(dtype=float)
        for (run, flag), part in data["n_tokens"].groupby(
            [data["run"].astype(str), data["correct"].astype(bool)], sort=False
        )
    }
    for i, run in enumerate(runs):
        for offset, flag, hatch in ((-0.2, True, None), (0.2, False, "////")):
            values = groups.get((run, flag))
            if values is None or values.size == 0:
                continue
            stats = _box_stats(values, run)
            lows.append(stats["whislo"])
            highs.append(stats["whishi"])
            boxes = ax.bxp(
                [stats],
                positions=[i + offset],
                widths=0.34,
                orientation="horizontal",
                showmeans=True,
                patch_artist=True,
                manage_ticks=False,
                meanprops={
                    "marker": "D",
                    "markersize": 2.5,
                    "markerfacecolor": "white",
                    "markeredgecolor": "black",
                },
                medianprops={"color": "black", "linewidth": 0.9},
            )
            for box in boxes["boxes"]:
                box.set_facecolor(styles[run].color if flag else "white")
                box.set_edgecolor(styles[run].color if not flag else "black")
                box.set_hatch(hatch)
                box.set_linewidth(0.8)
    ax.set_yticks(range(len(runs)), runs)
    ax.set_ylim(len(runs) - 0.5, -0.5)  # first run on top
    if lows and min(lows) > 0 and max(highs) / min(lows) > 30:
        ax.set_xscale("log")
    ax.set_xlabel(unit_break(f"response length in {unit}", 40))
    figure_legend(
        fig,
        [
            Patch(facecolor=NEUTRAL, edgecolor="black", label="correct"),
            Patch(facecolor="white", edgecolor=NEUTRAL, hatch="////", label="incorrect"),
        ],
    )
    ax.grid(axis="y", visible=False)
    yield FigureDraft(
        name="lengths",
        title="Response length by run and correctness",
        caption=(
            f"Response length in {unit} for correct (filled, upper) and incorrect (hatched, "
            "lower) responses of each run. Boxes span the quartiles, whiskers the 5th to 95th percentiles, "
            "the line is the median and the diamond the mean. Ungraded responses are left "
            "out."
        ),
        section="language",
        figure=fig,
    )


def lexicon_figure(
    tables: dict[str, pd.DataFrame], styles: dict[str, RunStyle]
) -> Iterator[FigureDraft]:
    """Lexicon rates per 1,000 tokens by bin, one panel per lexicon, run x correctness lines."""
    table = tables.get("lexical")
    if not usable(table, ("run", "correct", "difficulty_bin")):
        return
    suffix = "_pooled_per_1k"  # the report's rate: total matches / total tokens x 1000
    lexicons = [c[: -len(suffix)] for c in table.columns if c.endswith(suffix)]
    table = table.assign(
        _correct=table["correct"].map(as_correct_label), _bin=table["difficulty_bin"].astype(str)
    )
    table = table[table["_correct"].isin(["true", "false"])]
    if not lexicons or table.empty:
        return
    binned = table[table["_bin"] != "all"]
    table = binned if not binned.empty else table
    bins = ordered_bins(table["_bin"])
    runs = runs_in_order(styles, table["run"])
    styles = styles_for(styles, runs)
    ncols = min(3, len(lexicons))
    nrows = math.ceil(len(lexicons) / ncols)
    fig = new_figure(TWO_COLUMN if ncols > 1 else ONE_COLUMN, 1.9 * nrows + 0.5)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    x = np.arange(len(bins))
    for ax, lexicon in zip(axes, lexicons, strict=False):
        for run in runs:
            for flag, dash in (("true", "-"), ("false", "--")):
                part = table[(table["run"] == run) & (table["_correct"] == flag)]
                y = part.set_index("_bin")[f"{lexicon}{suffix}"].reindex(bins).to_numpy(dtype=float)
                ax.plot(
                    x,
                    y,
                    linestyle=dash,
                    color=styles[run].color,
                    marker=styles[run].marker,
                    markerfacecolor=styles[run].color if flag == "true" else "white",
                )
        ax.set_title(wrapped(pretty(lexicon), 28))
        ax.set_xticks(x, bins, fontsize=5.5, rotation=45 if len(bins) > 4 else 0)
        ax.set_ylabel("per 1k tokens (pooled)")
        ax.set_xlabel("difficulty bin", fontsize=6)
    for ax in axes[len(lexicons) :]:
        ax.set_visible(False)
    handles = [
        Line2D([], [], color=styles[r].color, marker=styles[r].marker, label=r) for r in runs
    ]
    handles += [
        Line2D([], [], color=NEUTRAL, linestyle="-", label="correct"),
        Line2D([], [], color=NEUTRAL, linestyle="--", markerfacecolor="white", label="incorrect"),
    ]
    figure_legend(fig, handles, where="lower")
    yield FigureDraft(
        name="lexicon_rates",
        title="Lexicon rates by run, correctness and difficulty",
        caption=(
            "Pooled rate: total matches per 1,000 reference tokens of the stratum "
            "(L_pooled_per_1k; not the mean of per-response rates, L_mean_per_1k) for each "
            "lexicon (whole words and phrases, case-insensitive), by difficulty bin; solid lines and filled markers are "
            "correct responses, dashed lines and open markers incorrect ones."
        ),
        section="language",
        figure=fig,
    )


def _split_pair(name: str, known: list[str]) -> tuple[str, str]:
    """``distinctive_<a>_vs_<b>`` -> (a, b), preferring a split into two known run names."""
    rest = name[len("distinctive_") :]
    parts = rest.split("_vs_")
    for i in range(1, len(parts)):
        a, b = "_vs_".join(parts[:i]), "_vs_".join(parts[i:])
        if a in known and b in known:
            return a, b
    return parts[0], "_vs_".join(parts[1:])


def _thin(table: pd.DataFrame) -> pd.DataFrame:
    """At most MAX_SCATTER_POINTS rows: the most extreme |z| half plus an even spread of the rest."""
    if len(table) <= MAX_SCATTER_POINTS:
        return table
    ranked = table.assign(_absz=table["z"].abs()).sort_values("_absz", ascending=False)
    top = ranked.iloc[: MAX_SCATTER_POINTS // 2]
    rest = ranked.iloc[MAX_SCATTER_POINTS // 2 :].sort_values("_total")
    picks = np.unique(
        np.linspace(0, len(rest) - 1, MAX_SCATTER_POINTS - len(top)).round().astype(int)
    )
    return pd.concat([top, rest.iloc[picks]]).drop(columns="_absz")


def _token_label(token: object, limit: int = 18) -> str:
    """A token as a tick label: trimmed, shown with quotes when it is only white space,
    shortened with an ellipsis past ``limit`` characters."""
    text = str(token).strip() or repr(str(token))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _most_distinctive(table: pd.DataFrame) -> pd.DataFrame:
    """The LABELLED_TOKENS most distinctive tokens each way (|z| > 1.96), from the most
    positive z down to the most negative."""
    up = table[table["z"] > 1.96].nlargest(LABELLED_TOKENS, "z")
    down = table[table["z"] < -1.96].nsmallest(LABELLED_TOKENS, "z")
    return pd.concat([up, down.iloc[::-1]])


def distinctive_figures(
    tables: dict[str, pd.DataFrame], styles: dict[str, RunStyle]
) -> Iterator[FigureDraft]:
    """Log-odds z (Monroe et al. 2008) against token frequency for each run pair table and,
    beside it, the most distinctive tokens each way as bars (names as tick labels, so they
    never overlap or leave the figure)."""
    for name in [n for n in tables if n.startswith("distinctive_")]:  # comparison order
        table = tables[name]
        if not usable(table, ("token", "count_a", "count_b", "z")):
            continue
        a, b = _split_pair(name, list(styles))
        styles = styles_for(styles, [a, b])
        table = table.dropna(subset=["z"]).assign(_total=table["count_a"] + table["count_b"])
        table = table[table["_total"] > 0]
        if table.empty:
            continue
        shown = _thin(table)
        top = _most_distinctive(table)
        z = shown["z"].to_numpy(dtype=float)
        colors = np.where(z > 1.96, styles[a].color, np.where(z < -1.96, styles[b].color, NEUTRAL))
        fig = new_figure(TWO_COLUMN if len(top) else ONE_COLUMN, 2.9)
        axes = fig.subplots(1, 2 if len(top) else 1, squeeze=False,
                            width_ratios=[1.6, 1] if len(top) else None)[0]  # fmt: skip
        ax = axes[0]
        ax.scatter(shown["_total"], z, s=5, c=colors, linewidths=0, alpha=0.75)
        ax.scatter(top["_total"], top["z"], s=14, facecolors="none", edgecolors="black",
                   linewidths=0.6, zorder=3)  # fmt: skip
        ax.set_xscale("log")
        for ax_ in axes:
            for level in (1.96, -1.96):
                (ax_.axhline if ax_ is ax else ax_.axvline)(
                    level, color=NEUTRAL, linestyle=":", linewidth=0.7
                )
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("token count in both runs (log scale)")
        ax.set_ylabel("log-odds z\n" + wrapped(f"({a} + / {b} −)", 34))
        if len(top):
            bars = axes[1]
            y = np.arange(len(top))
            values = top["z"].to_numpy(dtype=float)
            bars.barh(y, values, height=0.7,
                      color=np.where(values > 0, styles[a].color, styles[b].color))  # fmt: skip
            bars.set_yticks(y, [_token_label(t) for t in top["token"]], fontsize=6)
            bars.invert_yaxis()
            bars.axvline(0, color="black", linewidth=0.6)
            bars.set_xlabel("log-odds z")
            bars.set_title("most distinctive\n" + wrapped(f"({a} / {b})", 34))
            bars.grid(axis="y", visible=False)
        note = (
            f" {len(shown)} of {len(table)} tokens drawn (all the most distinctive ones)."
            if len(shown) < len(table)
            else ""
        )
        yield FigureDraft(
            name=name,
            title=f"Distinctive tokens: {a} vs {b}",
            caption=(
                f"Weighted log-odds ratio with an informative Dirichlet prior (Monroe et al. "
                f"2008), as a z-score, against token frequency. Positive z: used more by "
                f"{a}; negative: more by {b}; dotted lines at |z| = 1.96."
                + (
                    f" Right: the up to {LABELLED_TOKENS} most distinctive tokens each way "
                    "(circled on the left)."
                    if len(top)
                    else ""
                )
                + note
            ),
            section="language",
            figure=fig,
        )
