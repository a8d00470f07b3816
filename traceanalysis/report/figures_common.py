"""Shared pieces of the figure modules: the draft record, figure creation and table checks."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from traceanalysis.report.style import RunStyle, run_styles


@dataclass
class FigureDraft:
    """A drawn figure waiting to be saved: its file stem, title, caption and report section."""

    name: str
    title: str
    caption: str
    section: str
    figure: Figure


def new_figure(width: float, height: float, **subplot_kw: object) -> Figure:
    """A figure outside pyplot (no global state, nothing to close) with constrained layout."""
    return Figure(figsize=(width, height), layout="constrained", **subplot_kw)


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


def pretty(name: str) -> str:
    """A column or feature name in plain words: ``reflection_kim2025_per_1k`` -> spaced text."""
    if name in _PLAIN_NAMES:
        return _PLAIN_NAMES[name]
    name = name.replace("behavior_", "").replace("_per_1k", " per 1k").replace("_count", " count")
    return name.replace("_present", "").replace("_", " ")


def as_correct_label(value: object) -> str:
    """Normalise a ``correct`` cell (bool, "True", "all", ...) to "true", "false" or "all"."""
    text = str(value).strip().lower()
    if text in ("true", "1", "1.0"):
        return "true"
    if text in ("false", "0", "0.0"):
        return "false"
    return text
