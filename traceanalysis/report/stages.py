"""The report's stage: the figures, drawn from the tables when the report folder is
written (``phase="report"``) and cached with their files."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from traceanalysis.engine.registry import stage

FIGURE_LIBRARIES = f"matplotlib {version('matplotlib')}, seaborn {version('seaborn')}"


@stage(
    "figures",
    f"1 ({FIGURE_LIBRARIES})",
    kind="corpus",
    reads=("run", "n_tokens", "correct", "difficulty_bin"),
    phase="report",
)
def draw_figures(
    df: pd.DataFrame, *, tables: dict[str, pd.DataFrame], runs: list[Any],
    reference: str | None, out_dir: Path,
) -> list[Any]:  # fmt: skip
    """Every figure the tables allow, as PDF, SVG and PNG (300 dpi) in ``out_dir``."""
    from traceanalysis.report.figures import make_figures

    samples = df[[c for c in ("run", "n_tokens", "correct", "difficulty_bin") if c in df.columns]]
    return make_figures(tables, samples, runs, reference, out_dir)
