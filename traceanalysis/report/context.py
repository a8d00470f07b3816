"""The record handed from the pipeline to the renderers (HTML, Markdown).

The pipeline computes every table, finding and figure; renderers only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from traceanalysis.schema import Rejection, RunInfo

# Section keys, in the order the report shows them.
SECTIONS = (
    "data",
    "accuracy",
    "difficulty",
    "language",
    "behaviors",
    "flexible",
    "dynamics",
    "score",
    "audit",
    "extra",  # tables and figures of plugin stages (shown only when there are some)
    "samples",
    "manifest",
)


@dataclass
class FigureRecord:
    """One figure as written to ``figures/``: its name, title, caption, section and files."""

    name: str
    title: str
    caption: str
    section: str
    svg: str  # the SVG markup, inlined by the HTML report
    files: dict[str, Path] = field(default_factory=dict)  # "pdf"/"svg"/"png" -> path


@dataclass
class ReportContext:
    """Everything a renderer needs; nothing in it is recomputed by the renderer."""

    title: str
    runs: list[RunInfo]  # display order; a run's colour and marker follow this order
    reference: str | None
    tables: dict[str, pd.DataFrame]  # DESIGN.md table names -> table
    findings: dict[str, list[str]]  # section key -> measured statements in plain words
    figures: list[FigureRecord]
    examples: pd.DataFrame  # capped sample of responses for the sample browser
    manifest: dict[str, object]
    rejections: list[Rejection]
    notes: dict[str, list[str]] = field(default_factory=dict)  # section -> caveats
    skipped: list[tuple[str, str]] = field(default_factory=list)  # files not read: (path, why)
    label_issues: list[Rejection] = field(default_factory=list)  # labels read as null
    problem_match: dict[str, object] | None = None  # how problems matched across runs
    graders: dict[str, dict[str, str]] = field(default_factory=dict)  # run -> grader, why
