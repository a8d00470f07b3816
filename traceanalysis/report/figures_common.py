"""Shared pieces of the figure modules: the draft record, figure creation, legends placed
outside the data, explicit zero bars, human labels and table checks."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend

from traceanalysis.report.style import (
    BEHAVIOR_NAMES,
    LEXICON_NAMES,
    RunStyle,
    human_name,
    run_styles,
)

ZERO_LABEL_SIZE = 5  # points: the "0" written on a bar of height zero


@dataclass
class FigureDraft:
    """A drawn figure waiting to be saved: its file stem, title, caption and report section."""

    name: str
    title: str
    caption: str
    section: str
    figure: Figure


def new_figure(width: float, height: float, **subplot_kw: object) -> Figure:
    """A figure outside pyplot (no global state, nothing to close) with constrained layout
    and an Agg canvas, so text can be measured before the figure is saved."""
    fig = Figure(figsize=(width, height), layout="constrained", **subplot_kw)
    FigureCanvasAgg(fig)
    return fig


def figure_legend(
    fig: Figure, handles: Sequence[Artist], *, where: str = "upper", max_cols: int | None = None
) -> Legend:
    """A legend outside every axes (above or below them, centred), in as many columns as
    fit the figure's width: it never covers data and never runs off the page."""
    renderer = fig.canvas.get_renderer()
    ncols = max(1, min(max_cols or len(handles), len(handles)))
    while True:
        legend = fig.legend(handles=handles, loc=f"outside {where} center", ncols=ncols)
        if ncols == 1 or legend.get_window_extent(renderer).width <= 0.96 * fig.bbox.width:
            return legend
        legend.remove()
        ncols -= 1


def mark_zero_bars(
    ax: Axes, positions: np.ndarray, values: np.ndarray, size: float, *, horizontal: bool = False
) -> None:
    """Make a bar of exactly zero visible: a thin line across the bar's slot and a small
    "0", so a zero never reads as a missing run (a missing value stays empty)."""
    zero = np.isfinite(values) & (values == 0)
    for pos in np.asarray(positions, dtype=float)[zero]:
        span = (pos - size / 2, pos + size / 2)
        if horizontal:
            ax.vlines(0, *span, color="#333333", linewidth=0.8, zorder=3)
            ax.annotate("0", (0, pos), xytext=(2, 0), textcoords="offset points",
                        va="center", ha="left", fontsize=ZERO_LABEL_SIZE, color="#333333")  # fmt: skip
        else:
            ax.hlines(0, *span, color="#333333", linewidth=0.8, zorder=3)
            ax.annotate("0", (pos, 0), xytext=(0, 2), textcoords="offset points",
                        va="bottom", ha="center", fontsize=ZERO_LABEL_SIZE, color="#333333")  # fmt: skip


def wrapped(text: str, width: int) -> str:
    """``text`` broken at spaces into lines of at most ``width`` characters (titles and
    labels of narrow panels); never inside a word, so run names stay whole."""
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) or text


def unit_break(label: str, limit: int) -> str:
    """``label`` with its parenthesised part moved to a second line when it is longer than
    ``limit`` characters (axis labels that would run past a narrow panel)."""
    return label.replace(" (", "\n(", 1) if len(label) > limit else label


def usable(table: pd.DataFrame | None, columns: tuple[str, ...]) -> bool:
    """True when ``table`` exists, has rows and carries every column in ``columns``."""
    return table is not None and not table.empty and all(c in table.columns for c in columns)


def styles_for(styles: dict[str, RunStyle], names: list[str]) -> dict[str, RunStyle]:
    """``styles`` extended with fresh styles for runs it does not know (table-only runs)."""
    missing = [n for n in names if n not in styles]
    if not missing:
        return styles
    extended = run_styles(list(styles) + missing)
    return {**extended, **styles}


def runs_in_order(styles: dict[str, RunStyle], present: object) -> list[str]:
    """The runs of ``present`` (an iterable of names) in display order, unknown ones last."""
    names = list(dict.fromkeys(str(x) for x in present))
    order = {name: i for i, name in enumerate(styles)}
    return sorted(names, key=lambda n: (order.get(n, len(order)), names.index(n)))


_PLAIN_NAMES = {
    "n_tokens": "length (tokens)",
    "n_words": "length (words)",
    "n_chars": "length (characters)",
}
_SUFFIXES = (("_per_1k", " per 1k"), ("_count", " count"), ("_present", ""))


def pretty(name: str) -> str:
    """A column or feature name in plain words: ``reflection_kim2025_per_1k`` ->
    ``reflection (Kim et al. 2025) per 1k``."""
    if name in _PLAIN_NAMES:
        return _PLAIN_NAMES[name]
    name = name.replace("behavior_", "")
    for suffix, words in _SUFFIXES:
        if name.endswith(suffix):
            return human_name(name[: -len(suffix)]) + words
    return human_name(name)


@cache
def _internal_names() -> tuple[re.Pattern[str], dict[str, str]]:
    names = {**LEXICON_NAMES, **BEHAVIOR_NAMES}
    names.update({k.replace("_", " "): v for k, v in BEHAVIOR_NAMES.items()})
    keys = sorted(names, key=len, reverse=True)  # longest first: "self reflection" first
    return re.compile(r"\b(" + "|".join(map(re.escape, keys)) + r")\b"), names


def humanize(label: str) -> str:
    """``label`` with every lexicon or behaviour name in it replaced by its human name
    (labels written by other modules, such as the audit's feature labels)."""
    pattern, names = _internal_names()
    return pattern.sub(lambda m: names[m.group(1)], str(label))


def as_correct_label(value: object) -> str:
    """Normalise a ``correct`` cell (bool, "True", "all", ...) to "true", "false" or "all"."""
    text = str(value).strip().lower()
    if text in ("true", "1", "1.0"):
        return "true"
    if text in ("false", "0", "0.0"):
        return "false"
    return text
