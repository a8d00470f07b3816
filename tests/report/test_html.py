"""index.html: self-contained, every section in order, escaped traces, tables, filters, CSP."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from pathlib import Path

import pandas as pd
import pytest
import report_factory as rf

from traceanalysis.report.context import SECTIONS, ReportContext
from traceanalysis.report.display import fold_intervals, format_value, table_view
from traceanalysis.report.html import render_html, write_html

SHOWN = [s for s in SECTIONS if s != "extra"]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report")
    return write_html(rf.make_context(out), out / "index.html").read_text(encoding="utf-8")


def test_sections_in_order_and_each_figure_inline(page: str) -> None:
    order = re.findall(r'<section class="report" id="sec-([a-z]+)"', page)
    assert order == SHOWN  # 'extra' only with a plugin's tables
    for rec in rf.shared_figures():
        assert f'id="fig-{rec.name}"' in page
        fig = page.split(f'id="fig-{rec.name}"', 1)[1].split("</figure>", 1)[0]
        assert "<svg" in fig and rec.title.split(":")[0] in html.unescape(fig)
        assert f'href="figures/{rec.name}.pdf"' in fig  # relative links to the saved files


def test_self_contained_no_network(page: str) -> None:
    assert "<link" not in page and "@import" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "url(http" not in page
    assert "<img" not in page
    assert page.count("<script") == 1  # the page's own filter script only


def test_trace_text_is_escaped(page: str) -> None:
    assert "<script>window.__pwned" not in page
    assert "&lt;script&gt;window.__pwned = 1;&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "Test report &lt;&amp;&gt;" in page  # the title too
    assert "15.0 points &lt;b&gt;." in page  # and findings


def test_csp_allows_only_the_page_script(page: str) -> None:
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1]


def test_tables_rendered_with_intervals_and_views(page: str) -> None:
    acc = page.split('id="table-accuracy"', 1)[1].split("</table>", 1)[0]
    assert "0.300 [0.250, 0.350]" in acc and "pass@1_lo" not in acc
    difficulty = rf.make_tables()["difficulty"]
    block = page.split('id="table-difficulty"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", block, re.S)[1:]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in rows]
    # wide view: one row per bin; the r1-distill column equals the long table's accuracy
    r1 = difficulty[difficulty["run"] == "r1-distill"].set_index("bin")["accuracy"]
    assert len(cells) == len(rf.BINS)
    for row in cells:
        assert row[4] == f"{r1[row[0]]:.3f}"
    assert 'id="table-passk"' not in page  # the full curve is a figure and a CSV


def test_data_section_lists_runs_and_rejections(page: str) -> None:
    data = page.split('id="sec-data"', 1)[1].split("</section>", 1)[0]
    for run in rf.RUNS:
        assert run.name in data
    assert "rl (guessed from name)" in data
    assert "runs/qwen-base/samples.jsonl:7: empty response" in data


def test_sample_browser_filters_and_highlights(page: str) -> None:
    samples = page.split('id="sec-samples"', 1)[1].split("</section>", 1)[0]
    examples = re.findall(
        r'<details class="example" data-run="([^"]+)" data-correct="([^"]+)" data-bin="([^"]*)"',
        samples,
    )
    assert len(examples) == 12
    assert {e[0] for e in examples} == {r.name for r in rf.RUNS}
    assert {e[1] for e in examples} <= {"true", "false"}
    options = re.findall(r'<select id="f-run">(.*?)</select>', samples)[0]
    assert re.findall(r'<option value="([^"]*)"', options) == ["", *(r.name for r in rf.RUNS)]
    assert 'class="beh beh-verification"' in samples
    # lexicon hits come from the samples' lexicon_spans (the lexical stage's spans)
    assert re.search(r'class="[^"]*\blex-reflection_kim2025\b[^"]*"[^>]*>Wait</span>', samples)


def test_manifest_section_has_the_json(page: str) -> None:
    manifest = page.split('id="sec-manifest"', 1)[1].split("</section>", 1)[0]
    assert "&#34;bootstrap&#34;: 0" in manifest or "&quot;bootstrap&quot;: 0" in manifest
    assert "ab" * 32 in manifest


def test_empty_context_renders_every_section(tmp_path: Path) -> None:
    ctx = ReportContext(
        title="empty", runs=[], reference=None, tables={}, findings={}, figures=[],
        examples=pd.DataFrame(), manifest={}, rejections=[],
    )  # fmt: skip
    page = write_html(ctx, tmp_path / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'id="sec-([a-z]+)"', page) == SHOWN  # 'extra' only with a plugin's tables
    assert "No input row was rejected." in page
    assert "No example responses were selected" in page
    assert page.count("Nothing to show here") == 8  # every section but data, samples, manifest


def test_ungraded_examples_get_their_own_filter_value(tmp_path: Path) -> None:
    examples = rf.make_samples().head(3).copy()
    examples["correct"] = pd.array([True, None, False], dtype="boolean")
    examples.loc[1, "grade_status"] = "ungraded"
    page = render_html(rf.make_context(tmp_path, figures=False, examples=examples), tmp_path)
    assert re.findall(r'data-correct="([^"]+)"', page) == ["true", "na", "false"]
    assert '<option value="na">ungraded</option>' in page
    assert "ungraded (ungraded)" in page


def test_format_value_and_fold_intervals() -> None:
    assert format_value(0.12345) == "0.123"
    assert format_value(1234.6) == "1,235" and format_value(123.45) == "123.5"
    assert format_value(12345) == "12,345" and format_value(12) == "12"
    assert format_value(float("nan")) == "–" and format_value(pd.NA) == "–"
    assert format_value(True) == "yes"
    assert format_value(0.000123, "p_value") == "0.000123"
    frame = pd.DataFrame(
        {"x": [0.5, float("nan")], "x_lo": [0.4, 0.1], "x_hi": [0.6, 0.2], "n": [3, 4]}
    )
    folded = fold_intervals(frame)
    assert list(folded.columns) == ["x", "n"]
    assert folded["x"].tolist() == ["0.500 [0.400, 0.600]", "–"]


def test_distinctive_view_keeps_both_extremes() -> None:
    table = rf.make_tables()["distinctive_r1-distill_vs_qwen-zero-rl"]
    view = table_view("distinctive_r1-distill_vs_qwen-zero-rl", table)
    z = sorted(table["z"], reverse=True)
    shown = [float(v) for v in view.frame["z"]]
    assert shown[:12] == pytest.approx([round(v, 3) for v in z[:12]], abs=1e-3)
    assert shown[-12:] == pytest.approx([round(v, 3) for v in z[-12:]], abs=1e-3)
    assert len(view.frame) == 24 and "305" in view.note
