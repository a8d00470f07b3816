"""The difficulty figure and heatmaps on bins that fit n, drawn from real difficulty tables."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection

sys.path.insert(0, str(Path(__file__).parents[1] / "metrics"))
from metrics_helpers import from_counts, graded  # noqa: E402

from traceanalysis.metrics import difficulty_table, transition_table  # noqa: E402
from traceanalysis.report.figures_accuracy import difficulty_figure, transition_figures  # noqa: E402
from traceanalysis.report.style import run_styles  # noqa: E402


def _tables() -> dict:
    rng = np.random.default_rng(2)
    base = {f"p{i}": (8, int(c)) for i, c in enumerate(rng.integers(0, 9, 60))}
    rl = {p: (8, min(8, c + int(rng.integers(0, 3)))) for p, (_, c) in base.items()}
    df = graded(from_counts("base", base, "base") + from_counts("rl", rl, "rl"))
    return {
        "difficulty": difficulty_table(df, "base"),
        "transitions_rl": transition_table(df, "base", "rl"),
    }


def test_difficulty_figure_has_error_bars_counts_and_labels_out_of_n() -> None:
    tables = _tables()
    (draft,) = difficulty_figure(tables, run_styles(["base", "rl"]), "base")
    left, right = draft.figure.axes[:2]
    ticks = [t.get_text() for t in left.get_xticklabels()]
    assert ticks[1].startswith("1/8\n(n=") and all("/8" in t for t in ticks)
    assert left.get_xlabel() == "difficulty bin (base correct of 8)"
    bars = [c for c in left.collections if isinstance(c, LineCollection)]
    assert len(bars) == 2  # one set of CI bars per run
    segments = bars[1].get_segments()  # rl
    table = tables["difficulty"]
    rl = table[(table["run"] == "rl") & (table["n_problems"] > 0)]
    lows = sorted(round(float(s[0][1]), 9) for s in segments if np.isfinite(s[0][1]))
    assert lows == sorted(round(float(v), 9) for v in rl["accuracy_lo"].dropna())
    assert rl["accuracy_lo"].notna().sum() >= 3
    assert any(isinstance(c, LineCollection) for c in right.collections)  # delta CIs
    assert "bootstrap" in draft.caption and "256" in draft.caption  # edges of the paper


def test_heatmap_rows_all_hold_problems_at_n_8() -> None:
    (draft,) = transition_figures(_tables(), "base")
    ax = draft.figure.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == ["0/8", "1/8", "2/8", "3-4/8", "5-6/8", "7-8/8"]
