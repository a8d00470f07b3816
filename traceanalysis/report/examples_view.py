"""The sample browser's records: one dict per example response, every text field plain.

The HTML template escapes each field; only ``html`` (the highlighted response) is markup,
and :func:`traceanalysis.report.highlight.highlight` builds it from escaped pieces.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from traceanalysis.report.context import ReportContext
from traceanalysis.report.highlight import example_spans, highlight, labels_present
from traceanalysis.report.style import run_styles

PROMPT_CHARS = 2000
_FIELDS = (
    ("prompt", "prompt"),
    ("gold", "gold answer"),
    ("extracted", "extracted answer"),
    ("grade_status", "grade status"),
    ("finish_reason", "finish reason"),
)


def _text(value: object) -> str | None:
    """A cell as text, None when missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _correct(row: pd.Series) -> tuple[str, str, str]:
    """(filter value, label, css class) for the row's correctness."""
    value = row.get("correct")
    status = _text(row.get("grade_status"))
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "na", f"ungraded ({status})" if status else "ungraded", "na"
    if bool(value):
        return "true", "correct", "ok"
    suffix = f" ({status})" if status and status != "ok" else ""
    return "false", "incorrect" + suffix, "bad"


def _behaviors(row: pd.Series, spans: list) -> str:
    """The behaviours found in the response, from the presence columns or else the spans."""
    found = [
        c[len("behavior_") : -len("_present")].replace("_", " ")
        for c in row.index
        if c.startswith("behavior_") and c.endswith("_present") and _text(row[c]) == "True"
    ]
    if not found:
        found = [b.replace("_", " ") for b in labels_present(spans, "beh")]
    return ("behaviours: " + ", ".join(found)) if found else ""


def build_examples(ctx: ReportContext) -> tuple[list[dict[str, Any]], str]:
    """Records for every example in ``ctx.examples`` (already capped) and a note for the page."""
    examples = ctx.examples
    if examples is None or examples.empty or "response" not in examples.columns:
        return [], ""
    note = ""
    if "lexicon_spans" not in examples.columns and ctx.manifest.get("lexicons"):
        note = "Lexicon hits are not highlighted: these samples carry no lexicon_spans."
    names = [r.name for r in ctx.runs]
    styles = run_styles(names + [str(r) for r in examples["run"].unique() if str(r) not in names])
    order = {name: i for i, name in enumerate(styles)}
    rows = examples.assign(_order=examples["run"].astype(str).map(order))
    rows = rows.sort_values("_order", kind="stable")
    bin_column = next((c for c in ("difficulty_bin", "difficulty_bin_coarse") if c in rows), None)
    records = []
    for _, row in rows.iterrows():
        text = _text(row.get("response")) or ""
        spans = example_spans(row, text)
        correct, label, css = _correct(row)
        n_tokens = row.get("n_tokens")
        fields = []
        for column, title in _FIELDS:
            value = _text(row.get(column))
            if value is not None:
                if len(value) > PROMPT_CHARS:
                    value = (
                        value[:PROMPT_CHARS] + f" […{len(value) - PROMPT_CHARS:,} more characters]"
                    )
                fields.append((title, value))
        run = str(row["run"])
        records.append({
            "run": run,
            "color": styles[run].color,
            "problem": _text(row.get("problem_id")) or "?",
            "sample": _text(row.get("sample_idx")) or "?",
            "correct": correct,
            "correct_label": label,
            "correct_class": css,
            "bin": (_text(row.get(bin_column)) or "") if bin_column else "",
            "length": f"{int(n_tokens):,} tokens" if _text(n_tokens) is not None else "",
            "behaviors": _behaviors(row, spans),
            "fields": fields,
            "html": highlight(text, spans),
        })  # fmt: skip
    return records, note
