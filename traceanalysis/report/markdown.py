"""report.md: the report's findings, figures (from ``figures/``) and tables in Markdown.

Tables are rendered here (pipe tables, cells escaped) rather than with ``DataFrame.to_markdown``
so the report needs no extra dependency. The sample browser lives only in index.html.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

from traceanalysis.portable import portable
from traceanalysis.report import data_quality as dq
from traceanalysis.report.context import SECTIONS, FigureRecord, ReportContext
from traceanalysis.report.display import TableView, tables_by_section
from traceanalysis.report.html import SECTION_INTROS, SECTION_TITLES

MAX_REJECTIONS_LISTED = 50


# ASCII punctuation that makes Markdown syntax inline: code, emphasis, table cells,
# strikethrough, and a "]" that would close a link or image ("](", "][", "]:"); a
# backslash makes each a literal character (CommonMark 2.4). "_" only where it could
# open or close emphasis (not inside a word: source_correct stays as it is), "[" and a
# lone "]" are harmless (so "0.30 [0.25, 0.35]" stays readable).
_MD_PUNCT = re.compile(r"([\\`*|~]|\](?=[(\[:])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# What GFM's extended autolinks would turn into a link: "scheme://", "www." and an e-mail
# address. Escaping the ":", "." or "@" splits the text so no URL or address is seen.
_LINKY = re.compile(r"(:(?=//)|(?<=www)\.|@(?=[\w.+-]*\w\.\w))", re.I)


def escape_text(text: object) -> str:
    """Text from users (run and model names, file paths, messages) made inert in Markdown:
    it renders as the same characters, never as HTML, an image, a link or emphasis.

    ``&``, ``<`` and ``>`` become entities; Markdown punctuation and the ``:``, ``.`` or
    ``@`` that makes GFM autolink a URL (``http://``, ``www.``, an e-mail address) are
    backslash-escaped; line breaks become spaces (a name cannot start a new block).
    """
    out = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = _LINKY.sub(r"\\\1", _MD_PUNCT.sub(r"\\\1", out))
    return " ".join(out.splitlines())


def escape_cell(text: object) -> str:
    """A table cell: :func:`escape_text` (pipes included) on one line."""
    return " ".join(escape_text(text).split())


def code_span(text: object) -> str:
    """``text`` as an inline code span: shown verbatim (HTML in it is text); the fence is
    longer than any run of backticks inside, as CommonMark requires."""
    body = " ".join(str(text).splitlines())
    fence = "`" * (max((len(m) for m in re.findall(r"`+", body)), default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def link_target(path: str) -> str:
    """A relative path as a link destination: percent-encoded (spaces, brackets,
    parentheses), ``/`` kept, so the link survives any file or folder name."""
    return quote(path, safe="/")


def markdown_table(view: TableView) -> str:
    """One pipe table (GitHub-flavoured), numeric columns right-aligned, with its note."""
    frame = view.frame
    header = [escape_cell(c) for c in frame.columns]
    if not header:
        return ""
    numeric = [all(_looks_numeric(str(v)) for v in frame.iloc[:, i]) for i in range(frame.shape[1])]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if n else ":---" for n in numeric) + "|",
    ]
    for values in frame.itertuples(index=False):
        lines.append("| " + " | ".join(escape_cell(v) for v in values) + " |")
    out = f"*Table {code_span(view.name)}*\n\n" + "\n".join(lines) + "\n"
    if view.note:
        out += f"\n{escape_text(view.note)}\n"
    return out


def _looks_numeric(text: str) -> bool:
    head = text.split(" [", 1)[0].replace(",", "").rstrip("%")
    if head == "–":
        return True
    try:
        float(head.replace("−", "-"))
    except ValueError:
        return False
    return True


def _figure(fig: FigureRecord, md_dir: Path) -> str:
    """The figure as an image link (PNG) plus its caption and links to the PDF and SVG."""

    def rel(fmt: str) -> str:
        path = fig.files.get(fmt)
        if path is None:
            return link_target(f"figures/{fig.name}.{fmt}")
        rel_path = Path(os.path.relpath(Path(path).resolve(), md_dir.resolve())).as_posix()
        return link_target(rel_path)

    links = " · ".join(f"[{fmt.upper()}]({rel(fmt)})" for fmt in ("pdf", "svg") if fmt in fig.files)
    return (
        f"![{escape_text(fig.title)}]({rel('png')})\n\n"
        f"**{escape_text(fig.title)}.** {escape_text(fig.caption)}"
        + (f" ({links})" if links else "")
        + "\n"
    )


def _data_section(ctx: ReportContext) -> list[str]:
    """Runs with role, model, format (and grader); rejected rows with file:line reasons;
    files not read; labels read as null; how problems matched across runs."""
    counts = ctx.manifest.get("counts") if isinstance(ctx.manifest, dict) else None
    by_run = counts.get("by_run", {}) if isinstance(counts, dict) else {}
    graders = bool(ctx.graders)
    header = ["run", "role", "model", "format", *(["grader"] if graders else []), "responses"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(":---" for _ in header[:-1]) + "|---:|",
    ]
    for run in ctx.runs:
        role = run.role + (" (guessed from name)" if run.role_guessed else "")
        name = run.name + (" (reference)" if run.name == ctx.reference else "")
        grader = [dq.grader_label(ctx.graders, run.name) or "–"] if graders else []
        cells = [name, role, portable(run.model) or "–", run.format or "–", *grader]
        cells.append(by_run.get(run.name, "–"))
        lines.append("| " + " | ".join(escape_cell(x) for x in cells) + " |")
    parts = ["\n".join(lines) + "\n"]
    if ctx.rejections:
        parts.append(_listed("Rejected input rows", [portable(str(r)) for r in ctx.rejections]))
    if ctx.skipped:
        skipped = [portable(f"{p}: {why}") for p, why in ctx.skipped]
        parts.append(_listed("Files not read", skipped))
    if ctx.label_issues:
        counts_view = TableView("label_issues", dq.label_issue_counts(ctx.label_issues))
        parts.append(
            f"**Labels that could not be read: {len(ctx.label_issues):,}** (each became null; "
            "its response is kept)\n\n" + markdown_table(counts_view)
        )
    unmatched = dq.unmatched_lines(ctx.problem_match, len(ctx.runs))
    if unmatched:
        parts.append(_listed("Problems found in one run only", unmatched))
    return parts


def _listed(title: str, items: list[str]) -> str:
    """A bold count and the first MAX_REJECTIONS_LISTED items as a bullet list."""
    shown = items[:MAX_REJECTIONS_LISTED]
    more = len(items) - len(shown)
    return (
        f"**{title}: {len(items):,}**"
        + (f" (first {len(shown)} listed; all in index.html and manifest.json)" if more else "")
        + "\n\n"
        + "\n".join(f"- {escape_text(x)}" for x in shown)
        + "\n"
    )


def grading_banner(ctx: ReportContext) -> str | None:
    """The warning shown before everything else when our grade and the input's own
    scores disagree: both accuracies and the disagreement count per run."""
    rows = dq.context_banner_rows(ctx)
    if not rows:
        return None
    lines = [
        f"> **Warning: {escape_text(dq.banner_headline(rows))}**",
        ">",
        "> | " + " | ".join(dq.BANNER_HEADER) + " |",
        "> |" + "|".join("---:" if n else ":---" for n in dq.BANNER_NUMERIC) + "|",
        *("> | " + " | ".join(escape_cell(c) for c in dq.banner_cells(r)) + " |" for r in rows),
        ">",
        f"> Every disagreeing response: [tables/{dq.DISAGREEMENTS_TABLE}.csv]"
        f"(tables/{dq.DISAGREEMENTS_TABLE}.csv) (its first rows: table "
        f"`{dq.DISAGREEMENTS_TABLE}` in the accuracy section).",
    ]
    return "\n".join(lines) + "\n"


def render_markdown(ctx: ReportContext, md_dir: Path | None = None) -> str:
    """The whole report as Markdown (``md_dir``: where it will live, for figure paths)."""
    md_dir = Path(md_dir or ".")
    grouped = tables_by_section(ctx.tables)
    out = [f"# {escape_text(ctx.title)}\n"]
    runs = ", ".join(r.name for r in ctx.runs)
    out.append(
        f"{len(ctx.runs)} run{'s' if len(ctx.runs) != 1 else ''}: {escape_text(runs)}"
        + (f"; reference run: {escape_text(ctx.reference)}" if ctx.reference else "")
        + ". The interactive version with the sample browser is `index.html`.\n"
    )
    banner = grading_banner(ctx)
    if banner:
        out.append(banner)
    for key in SECTIONS:
        if key == "samples" or (key == "extra" and not grouped.get(key)):
            continue
        out.append(f"## {SECTION_TITLES.get(key, key)}\n")
        if SECTION_INTROS.get(key):
            out.append(f"*{SECTION_INTROS[key]}*\n")
        for note in ctx.notes.get(key, []):
            out.append(f"> Note: {escape_text(note)}\n")
        findings = ctx.findings.get(key, [])
        if findings:
            out.append("\n".join(f"- {escape_text(f)}" for f in findings) + "\n")
        if key == "data":
            out.extend(_data_section(ctx))
        for fig in ctx.figures:
            if fig.section == key:
                out.append(_figure(fig, md_dir))
        for view in grouped.get(key, []):
            out.append(markdown_table(view))
        if key == "manifest":
            out.append(
                "Versions, input files and their SHA-256 hashes, lexicon versions, tokenizer, "
                "judge identity, seeds and rejected-row counts are in `manifest.json`.\n"
            )
    return "\n".join(out)


def write_markdown(ctx: ReportContext, path: Path) -> Path:
    """Write report.md to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(ctx, path.parent), encoding="utf-8")
    return path
