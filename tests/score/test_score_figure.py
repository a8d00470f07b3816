"""The NLL figure: drawn from the nll table (one per scoring model), saved in three formats."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import pandas as pd
from score_helpers import synthetic

from traceanalysis.report.figures import save_figure
from traceanalysis.report.figures_score import nll_figures
from traceanalysis.report.style import RC_PARAMS, run_styles
from traceanalysis.score.tables import nll_table, novel_table


def test_nll_figure_is_drawn_and_saved(tmp_path: Path) -> None:
    df = synthetic()
    tables = {"nll": nll_table(df, n_boot=50), "nll_novel": novel_table(df, "base", n_boot=50)}
    styles = run_styles(["base", "rl", "distill", "other"])
    with mpl.rc_context(RC_PARAMS):
        drafts = list(nll_figures(tables, styles))
        assert [d.name for d in drafts] == ["nll_m"] and drafts[0].section == "score"
        fig = drafts[0].figure
        visible = [ax for ax in fig.axes if ax.get_visible()]
        assert [ax.get_title() for ax in visible] == ["all problems", "bin 0/6", "bin 1-6/6"]
        # the reference p95 line sits at the nll_novel threshold
        threshold = tables["nll_novel"]["threshold_nll_per_token"].iloc[0]
        assert any(
            line.get_linestyle() == "--" and line.get_ydata()[0] == threshold
            for line in visible[0].get_lines()
        )
        record = save_figure(drafts[0], tmp_path)
    assert all(p.stat().st_size > 0 for p in record.files.values())
    assert set(record.files) == {"pdf", "svg", "png"}


def test_no_table_no_figure() -> None:
    assert list(nll_figures({}, {})) == []
    assert list(nll_figures({"nll": pd.DataFrame()}, {})) == []
