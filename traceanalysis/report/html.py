"""index.html: one self-contained page (inline SVG figures, inline CSS and JS, no network).

Every string that comes from the data (trace text, run names, findings, table cells) goes
through Jinja2's autoescaping; highlighted traces are assembled from escaped pieces
(:mod:`traceanalysis.report.highlight`). A Content-Security-Policy allows only the page's
own script (by its hash), so even a markup slip could not run injected code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from traceanalysis.report import data_quality as dq
from traceanalysis.report.context import SECTIONS, FigureRecord, ReportContext
from traceanalysis.report.display import TableView, fold_intervals, tables_by_section
from traceanalysis.report.dynamics_view import INTRO as DYNAMICS_INTRO
from traceanalysis.report.dynamics_view import TITLE as DYNAMICS_TITLE
from traceanalysis.report.dynamics_view import dynamics_view
from traceanalysis.report.examples_view import build_examples
from traceanalysis.report.highlight import slug

SECTION_TITLES = {
    "data": "Data",
    "accuracy": "Accuracy vs capability",
    "difficulty": "Difficulty",
    "language": "Language of the traces",
    "behaviors": "Cognitive behaviours",
    "flexible": "Flexible reasoning",
    "dynamics": DYNAMICS_TITLE,
    "score": "Inside the reference distribution?",
    "audit": "Do length and keywords predict correctness?",
    "extra": "Extra analyses",
    "samples": "Sample browser",
    "manifest": "Manifest",
}
SECTION_INTROS = {
    "data": "The runs read, their formats and sizes, and every input row that was rejected.",
    "accuracy": "pass@1 is accuracy; pass@k at large k is capability (2505.14216). Unbiased "
    "estimator of Chen et al. (2021), 95% bootstrap intervals over problems.",
    "difficulty": "Problems binned by the reference run's success rate; accuracy per bin and "
    "how problems moved between bins.",
    "language": "Lexicon rates per 1,000 reference tokens, pooled (total matches / total "
    "tokens; whole words and phrases, case-insensitive), response lengths and the tokens "
    "that set runs apart.",
    "behaviors": "Cognitive behaviours found by the rule tagger (and an LLM judge where one "
    "ran): share of responses showing each.",
    "flexible": "2505.21067's markers of flexible reasoning: anthropomorphic tokens, logical "
    "connectors, multi-perspective thinking and metacognitive awareness.",
    "dynamics": DYNAMICS_INTRO,
    "score": "Each response's negative log-likelihood per token under a reference model "
    "(--score-model; limit-of-RLVR, 2504.13837): by run, correctness and difficulty bin, and "
    "the share of correct responses on problems the reference run never solved that lie "
    "above the 95th percentile of its own responses (2505.14216's 'absent before training'). "
    "High NLL is not proof of novelty: see docs/score.md.",
    "audit": "Whether a feature tells correct from incorrect responses once the problem is "
    "held fixed: pooled AUROC, within-problem AUROC and a fixed-effects logit.",
    "extra": "Tables from stages outside the package (--plugin MODULE or the "
    "traceanalysis.stages entry points), as their functions computed them.",
    "samples": "A capped, seeded selection of responses per run. Behaviour sentences are "
    "shaded, lexicon hits underlined; filter by run, correctness and bin.",
    "manifest": "What produced this report: versions, inputs and hashes, lexicons, tokenizer, "
    "judge, seeds, rejected-row counts.",
}
MAX_REJECTIONS_LISTED = 500
SCREEN_SCALE = 1.5  # paper-sized figures read small on screen
_SVG_WIDTH = re.compile(r'<svg[^>]*?\swidth="([\d.]+)pt"')
_NUMERIC = re.compile(r"^[−\-+]?[\d,]*\.?\d+(e[−\-+]?\d+)?( \[[^\]]*\])?%?$")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("traceanalysis.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _cells(view: TableView) -> dict[str, Any]:
    """Header and rows of a table view, each cell with its CSS class (num / wrap / none).

    A column is right-aligned when every cell in it reads as a number.
    """
    frame = view.frame
    header = [str(c) for c in frame.columns]
    numeric = [
        all(_NUMERIC.match(str(v)) or str(v) == "–" for v in frame.iloc[:, i])
        for i in range(frame.shape[1])
    ]
    rows = []
    for values in frame.itertuples(index=False):
        row = []
        for i, value in enumerate(values):
            text = str(value)
            cls = "num" if numeric[i] else ("wrap" if len(text) > 40 else "")
            row.append((text, cls))
        rows.append(row)
    return {"name": view.name, "header": header, "rows": rows, "note": view.note}


def _runs_view(ctx: ReportContext) -> dict[str, Any]:
    """The data section's table: one row per run with role, model, format and counts."""
    by_run = {}
    counts = ctx.manifest.get("counts") if isinstance(ctx.manifest, dict) else None
    if isinstance(counts, dict) and isinstance(counts.get("by_run"), dict):
        by_run = counts["by_run"]
    accuracy = ctx.tables.get("accuracy")
    problems = {}
    if accuracy is not None and {"run", "n_problems"} <= set(accuracy.columns):
        problems = dict(zip(accuracy["run"].astype(str), accuracy["n_problems"], strict=False))
    rows = []
    for run in ctx.runs:
        rows.append({
            "run": run.name + (" (reference)" if run.name == ctx.reference else ""),
            "role": run.role + (" (guessed from name)" if run.role_guessed else ""),
            "model": run.model or "–",
            "format": run.format or "–",
            "benchmark": run.benchmark or "–",
            **({"grader": dq.grader_label(ctx.graders, run.name) or "–"} if ctx.graders else {}),
            "responses": by_run.get(run.name, "–"),
            "problems graded": problems.get(run.name, "–"),
            "files": ", ".join(run.files) or "–",
        })  # fmt: skip
    frame = fold_intervals(pd.DataFrame(rows)) if rows else pd.DataFrame()
    return _cells(TableView(name="runs", frame=frame))


def _banner_view(ctx: ReportContext) -> dict[str, Any] | None:
    """The grading banner (our grade vs the input's own scores) when any response disagrees."""
    rows = dq.context_banner_rows(ctx)
    if not rows:
        return None
    return {
        "headline": dq.banner_headline(rows),
        "header": dq.BANNER_HEADER,
        "rows": [
            [
                (c, "num" if n else "wrap")
                for c, n in zip(dq.banner_cells(r), dq.BANNER_NUMERIC, strict=True)
            ]
            for r in rows
        ],  # fmt: skip
        "table_id": f"table-{dq.DISAGREEMENTS_TABLE}",
        "csv": f"tables/{dq.DISAGREEMENTS_TABLE}.csv",
    }


def _data_views(ctx: ReportContext) -> dict[str, Any]:
    """The data section's lists: files not read, label issues by run and reason, and the
    problems found in one run only."""
    issues = dq.label_issue_counts(ctx.label_issues)
    return {
        "skipped": [f"{p}: {why}" for p, why in ctx.skipped],
        "label_issues": len(ctx.label_issues),
        "label_issue_view": _cells(TableView("label_issues", issues)) if len(issues) else None,
        "unmatched": dq.unmatched_lines(ctx.problem_match, len(ctx.runs)),
    }


def _manifest_view(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The manifest's headline entries as a two-column table."""
    if not isinstance(manifest, dict) or not manifest:
        return None
    rows = []
    for key in ("created", "python", "platform", "reference", "tokenizer", "lexicons", "judge",
                "seeds", "rejected_rows", "dropped", "skipped_files", "label_issues"):  # fmt: skip
        if key in manifest and manifest[key] not in (None, {}, []):
            value = manifest[key]
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            rows.append({"entry": key, "value": text})
    versions = manifest.get("versions")
    if isinstance(versions, dict):
        rows.append(
            {"entry": "versions", "value": ", ".join(f"{k} {v}" for k, v in versions.items())}
        )
    if not rows:
        return None
    return _cells(TableView(name="manifest", frame=pd.DataFrame(rows)))


def _display_width(svg: str) -> int:
    """On-screen width in CSS pixels: the figure's printed width, enlarged for screens."""
    match = _SVG_WIDTH.search(svg)
    points = float(match.group(1)) if match else 504.0
    return round(points * 4 / 3 * SCREEN_SCALE)


def _figure_links(fig: FigureRecord, html_dir: Path) -> list[tuple[str, str]]:
    """(format, relative href) for each saved file of a figure."""
    links = []
    for fmt in ("pdf", "svg", "png"):
        path = fig.files.get(fmt)
        if path is not None:
            rel = os.path.relpath(Path(path).resolve(), html_dir.resolve())
            links.append((fmt.upper(), Path(rel).as_posix()))
    return links


def _behavior_legend() -> list[tuple[str, str]]:
    """(CSS class, human name) of each behaviour, for the sample browser's legend (the
    colours themselves live in report.css)."""
    from traceanalysis.report.style import BEHAVIOR_NAMES, BEHAVIOR_ORDER

    return [
        (f"beh-{slug(name)}", BEHAVIOR_NAMES.get(name, name.replace("_", " ")))
        for name in BEHAVIOR_ORDER
    ]


def render_html(ctx: ReportContext, html_dir: Path | None = None) -> str:
    """The report page as a string (``html_dir``: where it will live, for figure links)."""
    html_dir = Path(html_dir or ".")
    env = _environment()
    grouped = tables_by_section(ctx.tables)
    sections = []
    for key in SECTIONS:
        figures = [
            {"name": f.name, "title": f.title, "caption": f.caption, "svg": Markup(f.svg),
             "links": _figure_links(f, html_dir), "width": _display_width(f.svg)}
            for f in ctx.figures if f.section == key
        ]  # fmt: skip
        tables = [_cells(v) for v in grouped.get(key, [])]
        findings = list(ctx.findings.get(key, []))
        notes = list(ctx.notes.get(key, []))
        empty = key not in ("data", "samples", "manifest") and not (figures or tables or findings)
        if key == "extra" and empty:
            continue  # no plugin: no section
        sections.append({
            "key": key, "title": SECTION_TITLES.get(key, key), "intro": SECTION_INTROS.get(key, ""),
            "figures": figures, "tables": tables, "findings": findings, "notes": notes,
            "empty": empty,
        })  # fmt: skip
    examples, example_note = build_examples(ctx)
    script = Markup(env.loader.get_source(env, "browser.js")[0])
    digest = base64.b64encode(hashlib.sha256(str(script).encode("utf-8")).digest()).decode()
    legend = _behavior_legend()
    created = ctx.manifest.get("created") if isinstance(ctx.manifest, dict) else None
    subtitle = (f"{len(ctx.runs)} run{'s' if len(ctx.runs) != 1 else ''}: "
                + ", ".join(r.name for r in ctx.runs)
                + (f" · reference {ctx.reference}" if ctx.reference else "")
                + (f" · generated {created}" if created else ""))  # fmt: skip
    template = env.get_template("index.html.j2")
    return template.render(
        title=ctx.title,
        subtitle=subtitle,
        sections=sections,
        runs_view=_runs_view(ctx),
        rejections=[str(r) for r in ctx.rejections],
        banner=_banner_view(ctx),
        data=_data_views(ctx),
        dynamics=dynamics_view(ctx.tables),
        rejections_shown=MAX_REJECTIONS_LISTED,
        examples=examples,
        example_runs=list(dict.fromkeys(e["run"] for e in examples)),
        example_bins=_ordered_bins([e["bin"] for e in examples if e["bin"]]),
        has_ungraded=any(e["correct"] == "na" for e in examples),
        lexicon_note=example_note,
        legend=legend,
        manifest_view=_manifest_view(ctx.manifest),
        manifest_json=json.dumps(ctx.manifest, indent=2, default=str),
        script=script,
        script_hash=f"sha256-{digest}",
    )


def _ordered_bins(labels: list[str]) -> list[str]:
    from traceanalysis.report.style import ordered_bins

    return ordered_bins(labels)


def write_html(ctx: ReportContext, path: Path) -> Path:
    """Write the self-contained report page to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(ctx, path.parent), encoding="utf-8")
    return path
