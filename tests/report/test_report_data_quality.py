"""The report on a runs folder with real faults: a file that cannot be read, labels that
cannot be read, a problem in one run only, and source scores that disagree with our
grade. Each is said in report.md, index.html and manifest.json; the disagreement comes
first, before any finding."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import report_factory as rf
from pipeline_runs import write_runs

from traceanalysis.pipeline import ReportOptions, build_report
from traceanalysis.report.html import render_html
from traceanalysis.report.markdown import render_markdown


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report over two runs: m-rl's file says every response is correct (three labels
    "maybe"), m-base has no source scores and a problem m-rl lacks, and a stray parquet
    file cannot be read."""
    tmp = tmp_path_factory.mktemp("dq")
    runs = write_runs(
        tmp / "runs", {"m-base": "base", "m-rl": "rl"}, n_problems=6, n_samples=3,
        missing={"m-rl": [5]}, skill={"m-base": 0.0, "m-rl": 0.0},
    )  # fmt: skip
    path = runs / "m-rl" / "samples.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for i, row in enumerate(rows):
        row["correct"] = "maybe" if i % 6 == 0 else True
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (runs / "notes.parquet").write_bytes(b"this is not parquet")
    options = ReportOptions(
        cache=str(tmp / "cache" / "c.sqlite"), quiet=True, n_boot=50, grade_timeout=30.0
    )
    return build_report(runs, tmp / "out", options).parent


def _expected(out: Path) -> pd.DataFrame:
    """Per run, from samples.parquet: our accuracy and the source's, on rows with both."""
    df = pd.read_parquet(out / "samples.parquet")
    both = df[df["correct"].notna() & df["source_correct"].notna()]
    return both.groupby("run").apply(
        lambda g: pd.Series({
            "ours": g["correct"].astype(bool).mean(),
            "theirs": g["source_correct"].astype(bool).mean(),
            "n": len(g),
            "disagree": int((g["correct"].astype(bool) != g["source_correct"].astype(bool)).sum()),
        }), include_groups=False,
    )  # fmt: skip


def test_disagreement_banner_comes_first_in_markdown(report: Path) -> None:
    text = (report / "report.md").read_text(encoding="utf-8")
    exp = _expected(report).loc["m-rl"]
    assert 0 < exp["disagree"] < exp["n"] and exp["theirs"] == 1.0
    banner = text.index("> **Warning: Our grade and the source's own scores disagree on")
    assert banner < text.index("## Data") and banner < text.index("- ")  # before any finding
    row = (
        f"> | m-rl | {int(exp['disagree'])} ({100 * exp['disagree'] / exp['n']:.1f}%) | "
        f"{100 * exp['ours']:.1f}% | 100.0% | {int(exp['n'])} | math: "
    )
    assert text.count(row) == 1, row
    assert "m-base |" not in text[banner : text.index("## Data")]  # no source scores: no row
    assert "[tables/disagreements.csv](tables/disagreements.csv)" in text
    listed = pd.read_csv(report / "tables" / "disagreements.csv")
    assert len(listed) == exp["disagree"] and set(listed["run"]) == {"m-rl"}
    assert (listed["correct"] != listed["source_correct"]).all()
    assert "*Table `disagreements`*" in text and "*Table `agreement`*" in text


def test_data_section_lists_skipped_files_label_issues_and_unmatched(report: Path) -> None:
    text = (report / "report.md").read_text(encoding="utf-8")
    data = text[text.index("## Data") : text.index("## Accuracy")]
    assert "**Files not read: 1**" in data
    assert re.search(r"- \S*notes\.parquet: not a readable parquet file", data)
    assert "**Labels that could not be read: 3** (each became null" in data
    assert re.search(r"\| m-rl \| source_correct \(from 'correct'\): 'maybe' [^|]*\| 3 \|", data)
    assert "**Problems found in one run only: 1**" in data
    assert re.search(r"- m-base: problem p5\b.*: ", data)
    assert "Problems matched across runs: 5 by benchmark id (of 6 problems); 1 found in one " \
        "run only (listed below)." in data  # fmt: skip
    assert "1 file(s) were not read" in data and "3 label(s) could not be read" in data


def test_html_banner_and_data_section(report: Path) -> None:
    page = (report / "index.html").read_text(encoding="utf-8")
    banner = page.index('id="grading-disagreement"')
    assert banner < page.index('<nav class="toc">') < page.index('id="sec-data"')
    assert 'href="#table-disagreements"' in page and 'id="table-disagreements"' in page
    assert 'href="tables/disagreements.csv"' in page
    exp = _expected(report).loc["m-rl"]
    assert f'<td class="num">{100 * exp["ours"]:.1f}%</td>' in page[banner:]
    data = page[page.index('id="sec-data"') : page.index('id="sec-accuracy"')]
    assert "<h3>Files not read</h3>" in data and "notes.parquet: not a readable parquet" in data
    assert "<h3>Labels that could not be read</h3>" in data and 'id="table-label_issues"' in data
    assert "<h3>Problems found in one run only</h3>" in data and "m-base: problem p5" in data
    assert "&#39;maybe&#39;" in data  # escaped, never raw markup


def test_manifest_records_skipped_labels_match_and_agreement(report: Path) -> None:
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    (skipped,) = manifest["skipped_files"]
    assert skipped["path"].endswith("notes.parquet") and "parquet" in skipped["reason"]
    assert manifest["label_issues"]["total"] == 3
    assert manifest["label_issues"]["by_run"] == {"m-rl": 3}
    match = manifest["problem_match"]
    assert match["key"] == "benchmark id" and match["counts"] == {"benchmark id": 5}
    assert [(u["run"], u["problem_id"]) for u in match["unmatched"]] == [("m-base", "p5")]
    (agree,) = manifest["grading"]["agreement"]
    exp = _expected(report).loc["m-rl"]
    assert agree["run"] == "m-rl" and agree["n_disagree"] == exp["disagree"]
    assert agree["accuracy_ours"] == pytest.approx(exp["ours"])
    assert manifest["grading"]["graders"]["m-rl"]["grader"] == "math"


def test_no_banner_and_no_lists_when_nothing_is_wrong(tmp_path: Path) -> None:
    """The hand-made context carries none of these attrs: the renderers say nothing."""
    ctx = rf.make_context(tmp_path)
    text = render_markdown(ctx, tmp_path)
    page = render_html(ctx, tmp_path)
    assert "Warning:" not in text and "grading-disagreement" not in page
    for words in ("Files not read", "Labels that could not be read", "found in one run only"):
        assert words not in text and words not in page


def test_banner_stays_away_when_grades_agree(tmp_path: Path) -> None:
    agreement = pd.DataFrame([{"run": "qwen-base", "n_both": 10, "agreement": 1.0, "kappa": 1.0,
                               "accuracy_ours": 0.5, "accuracy_source": 0.5, "n_disagree": 0}])  # fmt: skip
    ctx = rf.make_context(tmp_path)
    ctx.tables["agreement"] = agreement
    assert "Warning:" not in render_markdown(ctx, tmp_path)
    ctx.tables["agreement"] = agreement.assign(n_disagree=1, accuracy_ours=0.4)
    assert "> | qwen-base | 1 (10.0%) | 40.0% | 50.0% | 10 | – |" in render_markdown(ctx, tmp_path)


def test_a_run_with_no_responses_is_named(tmp_path: Path) -> None:
    """A run whose files held no response (a cancelled inspect log) is not dropped silently."""
    from traceanalysis.report.findings import data_findings
    from traceanalysis.schema import RunInfo

    samples = pd.DataFrame({"run": ["a", "a"], "problem_id": ["p0", "p1"]})
    samples.attrs["runs"] = {
        "a": RunInfo(name="a"),
        "empty": RunInfo(name="empty", files=["runs/empty/log.json"]),
    }
    lines = data_findings(samples, [RunInfo(name="a")], 0)
    assert "empty: no response was read from its files (runs/empty/log.json); it is in no " \
        "table." in lines  # fmt: skip
    samples.attrs["runs"].pop("empty")
    assert not any(
        "no response was read" in x for x in data_findings(samples, [RunInfo(name="a")], 0)
    )
