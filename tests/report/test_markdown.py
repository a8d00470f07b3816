"""report.md: sections, relative figure links, escaped pipe tables and findings."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import report_factory as rf

from traceanalysis.report.display import TableView
from traceanalysis.report.html import SECTION_TITLES
from traceanalysis.report.markdown import markdown_table, write_markdown


def test_report_md_sections_figures_and_tables(tmp_path: Path) -> None:
    ctx = rf.make_context(tmp_path)
    md_path = write_markdown(ctx, tmp_path / "report.md")
    text = md_path.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    # "Extra analyses" only with a plugin's tables
    assert headings == [SECTION_TITLES[k] for k in SECTION_TITLES if k not in ("samples", "extra")]
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images == [f"figures/{r.name}.png" for r in ctx.figures]
    for rel in images:
        assert (md_path.parent / rel).is_file()  # relative to report.md
    assert "[PDF](figures/passk.pdf)" in text
    assert "| qwen-base | base | 12 | 96 | 0.300 [0.250, 0.350] |" in text
    assert "15.0 points &lt;b&gt;." in text and "<b>" not in text
    assert "- runs/qwen-base/samples.jsonl:7: empty response" in text
    assert "# Test report &lt;&amp;&gt;" in text


def test_markdown_table_escapes_and_aligns() -> None:
    frame = pd.DataFrame({"token": ["a|b", "<x>", "multi\nline"], "z": ["1.500", "-2.000", "–"]})
    table = markdown_table(TableView(name="t", frame=frame, note="cut"))
    lines = table.strip().splitlines()
    assert lines[0] == "*Table `t`*"
    assert lines[2] == "| token | z |" and lines[3] == "|:---|---:|"
    assert lines[4:7] == ["| a\\|b | 1.500 |", "| &lt;x&gt; | -2.000 |", "| multi line | – |"]
    assert lines[-1] == "cut"
    # a pipe table parses into the same number of cells on every row
    assert {line.replace("\\|", "").count("|") for line in lines[2:7]} == {3}
