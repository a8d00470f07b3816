"""Figures: formats, fonts, fixed run styles, skipping, determinism and aggregation."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
import report_factory as rf
from PIL import Image

from traceanalysis.report import figures as figmod
from traceanalysis.report.figures_language import MAX_SCATTER_POINTS, _box_stats, length_figure
from traceanalysis.report.style import RC_PARAMS, run_styles

EXPECTED = [
    "passk",
    "difficulty",
    "transitions_qwen-zero-rl",
    "transitions_r1-distill",
    "lengths",
    "lexicon_rates",
    "distinctive_qwen-zero-rl_vs_qwen-base",
    "distinctive_r1-distill_vs_qwen-zero-rl",
    "behaviors",
    "flexible",
    "audit",
]


@pytest.fixture(scope="module")
def records() -> list:
    return list(rf.shared_figures())


def _drafts(tables=None, samples=None, only: tuple[str, ...] = ()) -> dict:
    """Drawn (unsaved) figures by name; ``only`` limits the tables used to those named."""
    tables = rf.make_tables() if tables is None else tables
    if only:
        tables = {k: v for k, v in tables.items() if k in only}
    samples = rf.make_samples().iloc[0:0] if samples is None else samples
    with mpl.rc_context(RC_PARAMS):
        return {d.name: d for d in figmod._drafts(tables, samples, rf.RUNS, rf.REFERENCE)}


def test_every_figure_in_three_formats(records: list) -> None:
    assert [r.name for r in records] == EXPECTED
    for rec in records:
        assert set(rec.files) == {"pdf", "svg", "png"}
        assert all(Path(p).stat().st_size > 1000 for p in rec.files.values())
        assert rec.svg.startswith("<svg") and rec.svg.rstrip().endswith("</svg>")
        assert rec.section in (
            "accuracy",
            "difficulty",
            "language",
            "behaviors",
            "flexible",
            "audit",
        )
        dpi = Image.open(rec.files["png"]).info["dpi"]
        assert dpi == pytest.approx((300, 300), abs=0.5)


def test_pdf_fonts_are_truetype_type42(records: list) -> None:
    for rec in records:
        pdf = Path(rec.files["pdf"]).read_bytes()
        assert b"/FontFile2" in pdf  # embedded TrueType program (Type 42)
        assert b"/Type3" not in pdf


def test_png_sized_for_papers(records: list) -> None:
    for rec in records:
        width, _ = Image.open(rec.files["png"]).size
        # one column = 3.5 in or two columns = 7 in, at 300 dpi
        assert width in (3.5 * 300, 7 * 300), rec.name


def test_one_colour_and_marker_per_run_in_every_figure() -> None:
    drafts = _drafts(only=("passk", "difficulty", "behaviors", "audit"))
    styles = run_styles(r.name for r in rf.RUNS)
    for name in ("passk", "difficulty"):
        lines = {
            ln.get_label(): ln
            for ln in drafts[name].figure.axes[0].get_lines()
            if not ln.get_label().startswith("_")
        }
        assert set(lines) == set(styles)
        for run, style in styles.items():
            assert mpl.colors.to_hex(lines[run].get_color()) == style.color
            assert lines[run].get_marker() == style.marker
    bars = drafts["behaviors"].figure.axes[0].containers
    assert [mpl.colors.to_hex(c.patches[0].get_facecolor()) for c in bars] == [
        s.color for s in styles.values()
    ]
    audit_axes = [ax for ax in drafts["audit"].figure.axes if ax.get_visible()]
    for ax, (run, style) in zip(audit_axes, styles.items(), strict=True):
        assert ax.get_title() == run
        within = ax.collections[-2]  # filled markers (within-problem)
        assert mpl.colors.to_hex(within.get_facecolor()[0]) == style.color


def test_run_colour_survives_into_svg(records: list) -> None:
    styles = run_styles(r.name for r in rf.RUNS)
    for rec in records:
        if rec.name in ("passk", "difficulty", "lengths", "behaviors", "flexible", "audit"):
            for style in styles.values():
                assert style.color in rec.svg, (rec.name, style.color)


def test_passk_axis_is_log2() -> None:
    ax = _drafts(only=("passk",))["passk"].figure.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.xaxis.get_transform().base == 2
    assert [int(t) for t in ax.get_xticks()] == [1, 2, 4, 8]


def test_absent_or_empty_inputs_are_skipped(tmp_path: Path) -> None:
    empty_samples = rf.make_samples().iloc[0:0]
    assert figmod.make_figures({}, empty_samples, rf.RUNS, None, tmp_path) == []
    assert list(tmp_path.iterdir()) == []
    tables = {"passk": rf.make_tables()["passk"], "audit": pd.DataFrame(), "behaviors": None}
    records = figmod.make_figures(tables, empty_samples, rf.RUNS, None, tmp_path)
    assert [r.name for r in records] == ["passk"]
    # a single sample per problem gives no curve to draw
    one = rf.make_tables()["passk"].query("k == 1")
    assert figmod.make_figures({"passk": one}, empty_samples, rf.RUNS, None, tmp_path) == []


def test_rerun_gives_identical_files(tmp_path: Path) -> None:
    tables = {"passk": rf.make_tables()["passk"]}
    a = figmod.make_figures(tables, rf.make_samples(), rf.RUNS, rf.REFERENCE, tmp_path / "a")
    b = figmod.make_figures(tables, rf.make_samples(), rf.RUNS, rf.REFERENCE, tmp_path / "b")
    for ra, rb in zip(a, b, strict=True):
        for fmt in ("pdf", "svg", "png"):
            assert Path(ra.files[fmt]).read_bytes() == Path(rb.files[fmt]).read_bytes(), fmt


def test_svg_ids_unique_across_figures(records: list) -> None:
    seen: set[str] = set()
    for rec in records:
        ids = re.findall(r'\bid="([^"]+)"', rec.svg)
        assert len(ids) == len(set(ids))
        assert not seen & set(ids), rec.name  # inlined together in one page
        seen |= set(ids)
        for ref in re.findall(r'(?:url\(#|href="#)([^")]+)', rec.svg):
            assert ref in ids  # every reference still resolves


def test_transition_heatmap_shows_problem_counts() -> None:
    tables = rf.make_tables()
    table = tables["transitions_r1-distill"]
    fig = _drafts(tables, only=("transitions_r1-distill",))["transitions_r1-distill"].figure
    shown = Counter(t.get_text() for t in fig.axes[0].texts if t.get_text())
    expected = Counter(str(c) for c in table["count"] if c > 0)
    assert shown == expected


def test_length_boxes_match_independent_quantiles() -> None:
    values = np.random.default_rng(3).gamma(2.0, 400.0, 1001)
    stats = _box_stats(values, "x")
    q = pd.Series(values).quantile([0.05, 0.25, 0.5, 0.75, 0.95]).to_numpy()
    assert [stats[k] for k in ("whislo", "q1", "med", "q3", "whishi")] == pytest.approx(q)
    assert stats["mean"] == pytest.approx(sum(values) / len(values))


def test_length_figure_cost_does_not_grow_with_samples() -> None:
    # The figure draws aggregates (box statistics), never one artist per response: the
    # rendered SVG of ~38k responses is about the size of the one of 96. (A size check,
    # not a timing, so it holds on a loaded machine.)
    styles = run_styles(r.name for r in rf.RUNS)
    small = rf.make_samples(n_problems=4, n_samples=8)
    big = pd.concat([small] * 400, ignore_index=True)  # ~38k responses

    def svg_bytes(samples: pd.DataFrame) -> int:
        total = 0
        with mpl.rc_context(RC_PARAMS):
            for draft in length_figure(samples, styles, "tokens"):
                buffer = io.BytesIO()
                draft.figure.savefig(buffer, format="svg")
                total += len(buffer.getvalue())
        return total

    assert svg_bytes(big) < 1.5 * svg_bytes(small)


def test_distinctive_scatter_is_thinned_but_keeps_extremes() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    table = pd.DataFrame({
        "token": [f"t{i}" for i in range(n)], "count_a": rng.integers(1, 100, n),
        "count_b": rng.integers(1, 100, n), "z": rng.normal(0, 2, n),
    })  # fmt: skip
    table["per_10k_a"] = table["per_10k_b"] = table["log_odds"] = 0.0
    draft = _drafts({"distinctive_qwen-zero-rl_vs_qwen-base": table}, rf.make_samples().iloc[0:0])[
        "distinctive_qwen-zero-rl_vs_qwen-base"
    ]
    points = draft.figure.axes[0].collections[0].get_offsets()
    assert len(points) <= MAX_SCATTER_POINTS
    assert table["z"].max() in points[:, 1] and table["z"].min() in points[:, 1]
    assert f"of {n} tokens drawn" in draft.caption


def test_single_run_ungraded_and_all_wrong_inputs() -> None:
    tables = rf.make_tables()
    single = {
        "difficulty": tables["difficulty"][tables["difficulty"]["run"] == rf.REFERENCE],
        "passk": tables["passk"][tables["passk"]["run"] == rf.REFERENCE].assign(value=0.0),
    }
    samples = rf.make_samples()
    samples = samples[samples["run"] == rf.REFERENCE].assign(correct=False)
    samples["correct"] = samples["correct"].astype("boolean")
    drafts = _drafts(single, samples)
    assert set(drafts) == {"passk", "difficulty", "lengths"}
    assert len(drafts["difficulty"].figure.axes) == 1  # no empty delta panel for one run
    boxes = drafts["lengths"].figure.axes[0].patches
    assert len(boxes) == 1  # only the incorrect box: no correct response exists
    ungraded = samples.assign(correct=pd.array([pd.NA] * len(samples), dtype="boolean"))
    assert "lengths" not in _drafts({}, ungraded)


def test_palette_constants_are_seaborns_colorblind_palette() -> None:
    import seaborn as sns

    from traceanalysis.report.style import COLORBLIND

    assert list(COLORBLIND) == sns.color_palette("colorblind", n_colors=10).as_hex()


def test_figure_code_version_is_computed_without_importing_matplotlib() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from traceanalysis.engine.registry import get_stage; "
        "v = get_stage('figures').version; import traceanalysis.report.html; "
        "print(v.rsplit('+', 1)[1], 'matplotlib' in sys.modules, 'seaborn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    version, mpl_loaded, sns_loaded = out.stdout.split()
    from traceanalysis.engine.versioning import source_hash

    # the figures stage's version covers the figure modules' source (its import closure)
    assert version == source_hash("traceanalysis.report.stages")[:10]
    assert (mpl_loaded, sns_loaded) == ("False", "False")
