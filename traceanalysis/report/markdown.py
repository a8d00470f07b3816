"""report.md: the report's findings, figures (from ``figures/``) and tables in Markdown.

Tables are rendered here (pipe tables, cells escaped) rather than with ``DataFrame.to_markdown``
so the report needs no extra dependency. The sample browser lives only in index.html.
"""

from __future__ import annotations

import os
from pathlib import Path

from traceanalysis.report import data_quality as dq
from traceanalysis.report.context import SECTIONS, FigureRecord, ReportContext
from traceanalysis.report.display import TableView, tables_by_section
from traceanalysis.report.html import SECTION_INTROS, SECTION_TITLES

MAX_REJECTIONS_LISTED = 50


def escape_text(text: object) -> str:
    """Plain text made inert in Markdown: HTML brackets and ampersands as entities."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_cell(text: object) -> str:
    """A table cell: escaped text with pipes, backslashes and newlines neutralised."""
    cell = escape_text(text).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(cell.split())


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
    out = f"*Table `{view.name}`*\n\n" + "\n".join(lines) + "\n"
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
            return f"figures/{fig.name}.{fmt}"
        return Path(os.path.relpath(Path(path).resolve(), md_dir.resolve())).as_posix()

    links = " · ".join(f"[{fmt.upper()}]({rel(fmt)})" for fmt in ("pdf", "svg") if fmt in fig.files)
    return (
        f"![{escape_text(fig.title).replace('[', '(').replace(']', ')')}]({rel('png')})\n\n"
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
        cells = [name, role, run.model or "–", run.format or "–", *grader]
        cells.append(by_run.get(run.name, "–"))
        lines.append("| " + " | ".join(escape_cell(x) for x in cells) + " |")
    parts = ["\n".join(lines) + "\n"]
    if ctx.rejections:
        parts.append(_listed("Rejected input rows", [str(r) for r in ctx.rejections]))
    if ctx.skipped:
        parts.append(_listed("Files not read", [f"{p}: {why}" for p, why in ctx.skipped]))
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
        if key == "samples":
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
