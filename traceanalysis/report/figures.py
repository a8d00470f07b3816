"""The report's figures: draw each from its aggregate table, save PDF, SVG and PNG.

:func:`make_figures` is the one entry point (CONTRACTS.md). Each figure reads an aggregate
table (or, for lengths, three columns of the samples table) and is skipped when its input is
absent or empty, so a report never shows an empty plot. Figures are drawn with
``matplotlib.figure.Figure`` directly (no pyplot, no interactive backend, nothing left open).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

from traceanalysis.report.context import FigureRecord
from traceanalysis.report.figures_accuracy import (
    difficulty_figure,
    passk_figure,
    transition_figures,
)
from traceanalysis.report.figures_behaviors import audit_figure, behavior_figure, flexible_figure
from traceanalysis.report.figures_common import FigureDraft
from traceanalysis.report.figures_dynamics import dynamics_figures
from traceanalysis.report.figures_language import (
    distinctive_figures,
    length_figure,
    lexicon_figure,
)
from traceanalysis.report.figures_score import nll_figures
from traceanalysis.report.style import PNG_DPI, RC_PARAMS, length_unit, run_styles
from traceanalysis.safenames import safe_stem
from traceanalysis.schema import RunInfo

FORMATS = ("pdf", "svg", "png")
_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_ID_USE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def namespace_ids(svg: str, prefix: str) -> str:
    """Every element id of ``svg`` (and each reference to it) prefixed with ``prefix``, so
    several figures can be inlined in one HTML page without clashing ids."""
    ids = set(_SVG_ID.findall(svg))
    return _SVG_ID_USE.sub(
        lambda m: m.group(1) + prefix + m.group(2) if m.group(2) in ids else m.group(0), svg
    )


def _makers(
    tables: dict[str, pd.DataFrame],
    samples: pd.DataFrame,
    runs: list[RunInfo],
    reference: str | None,
) -> list[Callable[[], Iterator[FigureDraft]]]:
    """One callable per figure family, in report order; each yields the drafts its inputs
    allow."""
    styles = run_styles(r.name for r in runs)
    tokenizer = samples.attrs.get("tokenizer") if samples is not None else None
    unit = length_unit(tokenizer if isinstance(tokenizer, dict) else None)
    return [
        partial(passk_figure, tables, styles),
        partial(difficulty_figure, tables, styles, reference),
        partial(transition_figures, tables, reference),
        partial(length_figure, samples, styles, unit),
        partial(lexicon_figure, tables, styles),
        partial(distinctive_figures, tables, styles),
        partial(behavior_figure, tables, styles),
        partial(flexible_figure, tables, styles),
        partial(audit_figure, tables, styles),
        partial(nll_figures, tables, styles),
        partial(dynamics_figures, tables, styles),
    ]


def _drafts(
    tables: dict[str, pd.DataFrame],
    samples: pd.DataFrame,
    runs: list[RunInfo],
    reference: str | None,
) -> Iterator[FigureDraft]:
    """Every figure the inputs allow, in report order."""
    for maker in _makers(tables, samples, runs, reference):
        yield from maker()


def lay_out(figure: Figure) -> None:
    """Lay ``figure`` out once at the PNG resolution (text extents depend on it), then
    freeze it: the saves need not recompute constrained layout, and what a test measures
    after this call is what the files show."""
    figure.set_dpi(PNG_DPI)
    figure.draw_without_rendering()
    figure.set_layout_engine(None)  # None (not "none"): no placeholder engine, so savefig
    # skips its extra layout draw; RC_PARAMS turns the rc layout defaults off.


def save_figure(draft: FigureDraft, out_dir: Path) -> FigureRecord:
    """Write ``draft`` as out_dir/<name>.{pdf,svg,png} and return its record with the SVG text.

    Metadata dates are left out and SVG ids are salted with the figure name, so reruns give
    identical files and ids stay unique when several SVGs are inlined in one HTML page.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    metadata = {
        "pdf": {"CreationDate": None, "ModDate": None},
        "svg": {"Date": None},
        "png": {},
    }
    with mpl.rc_context({"svg.hashsalt": draft.name}):
        lay_out(draft.figure)
        for fmt in FORMATS:
            path = out_dir / f"{safe_stem(draft.name)}.{fmt}"  # run names may hold "/"
            draft.figure.savefig(path, format=fmt, dpi=PNG_DPI, metadata=metadata[fmt])
            files[fmt] = path
    svg = _SVG_PROLOGUE.sub("", files["svg"].read_text(encoding="utf-8"), count=1)
    svg = namespace_ids(svg, "f" + hashlib.sha256(draft.name.encode()).hexdigest()[:6] + "-")
    return FigureRecord(
        name=draft.name,
        title=draft.title,
        caption=draft.caption,
        section=draft.section,
        svg=svg,
        files=files,
    )


def _draw(maker: Callable[[], Iterator[FigureDraft]], out_dir: Path) -> list[FigureRecord]:
    records = []
    for draft in maker():
        records.append(save_figure(draft, out_dir))
        draft.figure.clear()
    return records


def make_figures(
    ctx_tables: dict[str, pd.DataFrame],
    samples: pd.DataFrame,
    runs: list[RunInfo],
    reference: str | None,
    out_dir: Path,
) -> list[FigureRecord]:
    """Draw every figure the tables allow and save each as PDF, SVG and PNG (300 dpi).

    ``runs`` fixes the display order and therefore each run's colour and marker in every
    figure. ``samples`` needs only ``run``, ``n_tokens`` and ``correct`` (for the length
    figure). Returns the records in report order. Drawn in this process, one family after
    the other (the figures are few; the stage cache keeps them between runs).
    """
    out_dir = Path(out_dir)
    with mpl.rc_context(RC_PARAMS):
        makers = _makers(ctx_tables, samples, runs, reference)
        parts = [_draw(maker, out_dir) for maker in makers]
    return [record for part in parts for record in part]
