"""Safe outputs (issue 16, section 4): file names from any run name, CSV floats that compare
equal across machines, and report.md / .tex that show user text as text."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import report_factory as rf
from markdown_it import MarkdownIt
from pipeline_runs import write_runs

from traceanalysis.cli import main
from traceanalysis.report.display import TableView
from traceanalysis.report.markdown import (
    code_span,
    escape_cell,
    escape_text,
    markdown_table,
    render_markdown,
)
from traceanalysis.report.tables import to_latex, write_tables
from traceanalysis.safenames import MAX_STEM, safe_stem
from traceanalysis.schema import RunInfo

BATCH_RUN = "Qwen/Qwen2.5-Math-7B"  # the run part of custom_id "Qwen/Qwen2.5-Math-7B::p0::0"
XSS_RUN = "<img src=x onerror=alert(1)>"
EVIL_MODEL = "![x](http://evil.example/pixel.png)"
LATEX_SPECIALS = "a&b%c$d#e_f{g}h~i^j\\k"


# --- file names ---------------------------------------------------------------------------


def test_safe_names_keep_safe_names_and_never_collide() -> None:
    for name in ("base", "distill-knowledge", "transitions_rlvr", "Qwen2.5-Math-7B"):
        assert safe_stem(name) == name  # the usual file names stay as they are
    stem = safe_stem(BATCH_RUN + "::p0::0")
    assert re.fullmatch(r"Qwen_Qwen2\.5-Math-7B_p0_0-[0-9a-f]{8}", stem), stem
    # names that differ only in unsafe characters (and the safe name they resemble)
    names = ["a/b", "a:b", "a b", "a\\b", "a_b", "a//b", "../a", ".", "", "é", "e"]
    stems = [safe_stem(n) for n in names]
    assert len(set(stems)) == len(names), stems
    for s in stems:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", s) and "/" not in s, s
    long = safe_stem("x/" * 500)
    assert len(long) <= MAX_STEM + 9 and long != safe_stem("x/" * 501)


def test_tables_named_after_unsafe_runs_are_written_side_by_side(tmp_path: Path) -> None:
    df = pd.DataFrame({"token": ["a"], "z": [1.5]})
    tables = {f"word_freq_{BATCH_RUN}": df, "word_freq_Qwen_Qwen2.5-Math-7B": df,
              "word_freq_Qwen:Qwen2.5-Math-7B": df}  # fmt: skip
    written = write_tables(tables, tmp_path)
    paths = [written[name][kind] for name in tables for kind in ("csv", "tex")]
    assert len(set(paths)) == 6 and all(p.parent == tmp_path and p.is_file() for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


# --- CSV floats ---------------------------------------------------------------------------


def test_csv_floats_have_12_significant_digits(tmp_path: Path) -> None:
    x = np.array([1 / 3, 2 / 3 * 1e-7, 123456.789012345678, 0.1 + 0.2, np.nan, np.inf, 8.0])
    # the same numbers after a different summation order: differ in the last bits only
    y = x * (1 + np.array([1e-15, -2e-15, 1e-15, 0, 0, 0, 0]))
    assert not np.array_equal(x[:3], y[:3])
    a = write_tables({"audit": pd.DataFrame({"v": x, "n": range(7)})}, tmp_path / "a")
    b = write_tables({"audit": pd.DataFrame({"v": y, "n": range(7)})}, tmp_path / "b")
    text = a["audit"]["csv"].read_text()
    assert a["audit"]["csv"].read_bytes() == b["audit"]["csv"].read_bytes()
    expected = [format(v, ".12g") for v in x[:4]]  # independent: Python's own formatting
    assert text.splitlines()[1:5] == [f"{v},{i}" for i, v in enumerate(expected)]
    assert text.splitlines()[5:] == [",4", "inf,5", "8,6"]
    back = pd.read_csv(a["audit"]["csv"])["v"].to_numpy()
    np.testing.assert_allclose(back, x, rtol=5e-12)  # within compare_tables' 1e-9


# --- LaTeX ----------------------------------------------------------------------------------


def test_latex_escapes_names_headers_and_cells() -> None:
    df = pd.DataFrame({"run": [LATEX_SPECIALS, "two\n\nlines"], "p&q": [0.5, 0.25]})
    tex = to_latex(df, f"transitions_{LATEX_SPECIALS}")
    cell = r"a\&b\%c\$d\#e\_f\{g\}h\textasciitilde i\textasciicircum j\textbackslash k"
    assert cell in tex  # the cell
    assert r"p\&q" in tex  # the header
    caption = re.search(r"\\caption\{(.*)\}\n", tex).group(1)
    assert (
        r"a\&b\%c\$d\#e\_f\{g\}h\textasciitilde{}i\textasciicircum{}j\textbackslash{}k" in caption
    )
    label = re.search(r"\\label\{([^}]*)\}", tex).group(1)
    assert re.fullmatch(r"tab:[A-Za-z0-9.-]+", label), label
    assert "two lines" in tex and "\n\n" not in tex  # no paragraph break inside a cell
    # outside the escapes no special character is left in a cell ("&" separates cells)
    row = next(line for line in tex.splitlines() if line.startswith("a\\&b"))
    cells = re.split(r"(?<!\\)&", row.removesuffix("\\\\"))
    known = r"\\(textasciitilde|textasciicircum|textbackslash)\b ?|\\[&%$#_{}]"
    for c in cells:
        assert not re.search(r"[&%$#_{}~^\\]", re.sub(known, "", c)), c


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_table_compiles(tmp_path: Path) -> None:
    df = pd.DataFrame({"run": [LATEX_SPECIALS, XSS_RUN], "p&q": [0.5, 0.25]})
    doc = tmp_path / "t.tex"
    doc.write_text("\\documentclass{article}\\usepackage{booktabs}\\usepackage[T1]{fontenc}"
                   f"\\begin{{document}}\n{to_latex(df, 'transitions_' + LATEX_SPECIALS)}"
                   "\\end{document}\n")  # fmt: skip
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:]


# --- Markdown -------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Every start tag and its attributes, and the text, of rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _renderers() -> list[MarkdownIt]:
    out = [MarkdownIt("commonmark")]
    try:  # GFM's autolinks: markdown-it's linkify needs linkify-it-py
        gfm = MarkdownIt("gfm-like")
        gfm.linkify.set({"fuzzy_link": False})  # as GitHub: http://, www. and e-mail only
        out.append(gfm)
    except ModuleNotFoundError:
        pass
    return out


def _parse(markdown: str, md: MarkdownIt) -> _Tags:
    tags = _Tags()
    tags.feed(md.render(markdown))
    return tags


USER_TEXTS = [
    XSS_RUN,
    EVIL_MODEL,
    "[click](javascript:alert(1))",
    "<http://evil.example/a.png>",
    "see http://evil.example/a and www.evil.example and me@evil.example",
    "`code` *em* _em_ ~~del~~ a|b \\ back",
    "[ref]: http://evil.example",
    "x](http://evil.example/y.png)",
]


@pytest.mark.parametrize("text", USER_TEXTS)
def test_user_text_renders_as_the_same_text(text: str) -> None:
    for md in _renderers():
        for escaped in (escape_text(text), escape_cell(text)):
            parsed = _parse(escaped, md)
            assert [t for t, _ in parsed.tags] == ["p"], (md, escaped, parsed.tags)
            assert html.unescape("".join(parsed.text)).strip() == text
        code = _parse(code_span(text), md)
        assert [t for t, _ in code.tags] == ["p", "code"]
        assert "".join(code.text).strip() == text.strip()


def test_report_md_shows_run_and_model_names_as_text(tmp_path: Path) -> None:
    ctx = rf.make_context(tmp_path)
    runs = [RunInfo(name=XSS_RUN, model=EVIL_MODEL, role="base"),
            RunInfo(name=BATCH_RUN, model="http://evil.example/model", role="rl"),
            RunInfo(name="run with spaces", model="www.evil.example", role="distilled")]  # fmt: skip
    ctx.runs, ctx.reference, ctx.title = runs, XSS_RUN, f"Report {XSS_RUN}"
    ctx.findings["accuracy"] = [f"{XSS_RUN}: accuracy 0.5 [0.4, 0.6] vs {EVIL_MODEL}."]
    ctx.notes["data"] = [f"model {EVIL_MODEL}"]
    for fig in ctx.figures[:1]:  # a figure named after a run with spaces: the link survives
        fig.title = f"Distinctive tokens: run with spaces vs {XSS_RUN}"
        moved = {}
        for fmt, path in fig.files.items():
            moved[fmt] = Path(path).with_name(f"distinctive run with spaces (1).{fmt}")
            shutil.copyfile(path, moved[fmt])
        fig.files = moved
    text = render_markdown(ctx, tmp_path)
    for md in _renderers():
        parsed = _parse(text, md)
        images = [a["src"] for t, a in parsed.tags if t == "img"]
        assert images == [f"figures/{Path(f.files['png']).name}".replace(" ", "%20")
                          .replace("(", "%28").replace(")", "%29") for f in ctx.figures]  # fmt: skip
        for src in images:  # every image is one of our figures, and the file is there
            assert (tmp_path / src.replace("%20", " ").replace("%28", "(")
                    .replace("%29", ")")).is_file()  # fmt: skip
        hrefs = [a["href"] for t, a in parsed.tags if t == "a"]
        assert hrefs and all(h.startswith(("figures/", "tables/")) for h in hrefs), hrefs
        assert not any(t in ("script", "iframe") for t, _ in parsed.tags)
        shown = html.unescape("".join(parsed.text))
        assert shown.count(XSS_RUN) >= 4 and EVIL_MODEL in shown and BATCH_RUN in shown


def test_table_name_and_cells_from_users_stay_text() -> None:
    frame = pd.DataFrame({"run": [XSS_RUN, EVIL_MODEL], "z": ["1.000", "2.000"]})
    table = markdown_table(TableView(name=f"transitions_`{XSS_RUN}`", frame=frame))
    for md in _renderers():
        parsed = _parse(table, md)
        assert {t for t, _ in parsed.tags} <= {"p", "em", "code", "table", "thead", "tbody",
                                               "tr", "th", "td"}  # fmt: skip
        shown = "".join(parsed.text)
        assert f"transitions_`{XSS_RUN}`" in shown and EVIL_MODEL in html.unescape(shown)


# --- a whole report ---------------------------------------------------------------------------


def test_report_of_runs_with_slashes_spaces_and_html_in_their_names(tmp_path: Path) -> None:
    """An OpenAI Batch output whose custom_id names the run ``Qwen/Qwen2.5-Math-7B``, a run
    folder with spaces and HTML in its name: every file lands in figures/ or tables/ under
    a safe, distinct name, and report.md links exactly those files."""
    runs = write_runs(tmp_path / "runs", {"qwen-base": "base", f"my {XSS_RUN} run": "rl"},
                      n_problems=5, n_samples=3)  # fmt: skip
    rows = [json.loads(line) for line in (runs / "qwen-base" / "samples.jsonl").open()]
    with (runs / "batch_output.jsonl").open("w") as fh:
        for r in rows:
            body = {"model": EVIL_MODEL, "choices": [
                {"message": {"content": r["response"]}, "finish_reason": "stop"}]}  # fmt: skip
            fh.write(json.dumps({"id": "batch_req_1", "error": None,
                                 "custom_id": f"{BATCH_RUN}::{r['problem_id']}::{r['sample_idx']}",
                                 "response": {"status_code": 200, "body": body}}) + "\n")  # fmt: skip
    out = tmp_path / "out"
    argv = ["report", str(runs), "--out", str(out), "--quiet", "--max-examples", "1",
            "--cache", str(tmp_path / "cache.sqlite"), "--grade-timeout", "30"]  # fmt: skip
    assert main(argv) == 0
    names = {p.name for p in (out / "figures").iterdir()} | {
        p.name for p in (out / "tables").iterdir()}  # fmt: skip
    assert not [p for p in out.rglob("*") if p.is_dir() and p.parent.name in ("figures", "tables")]
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(pdf|svg|png|csv|tex)", name), name
    stem = safe_stem(f"distinctive_{BATCH_RUN}_vs_qwen-base")
    assert {f"{stem}.png", f"{stem}.csv"} <= names and "/" not in stem
    text = (out / "report.md").read_text(encoding="utf-8")
    for md in _renderers():
        parsed = _parse(text, md)
        images = [a["src"] for t, a in parsed.tags if t == "img"]
        assert images and all((out / src).is_file() for src in images), images
        hrefs = [a["href"] for t, a in parsed.tags if t == "a"]
        assert all((out / h).is_file() for h in hrefs), hrefs
        shown = html.unescape("".join(parsed.text))
        assert BATCH_RUN in shown and f"my {XSS_RUN} run" in shown and EVIL_MODEL in shown
