"""lighteval ``details_<task>_<date>.parquet`` (``--save-details``).

Current shape, one row per document with nested structs::

    doc:            {query, choices, gold_index, id?, task_name, ...}
    model_response: {text: [response 0, response 1, ...], input, output_tokens, ...}
    metric:         {extractive_match: 1.0, ...}

Older releases (< 0.10) wrote flat columns ``full_prompt``, ``predictions``, ``gold``,
``metrics``; both are read. The problem id is ``doc.id`` when set, else
``<task>/<row number>`` (``math_500/0`` from ``doc.task_name`` ``lighteval|math_500|0``,
so the details of several tasks in one run folder do not collide) or the row number;
gold is ``doc.choices[doc.gold_index]``. The metric is per document, so it becomes
``source_correct`` only for single-response documents.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from traceanalysis.io.util import as_list
from traceanalysis.schema import Rejection

NAME = "lighteval"


def sniff(columns: set[str], first: dict) -> bool:
    """Nested ``doc`` + ``model_response`` columns, or the older flat columns."""
    return {"doc", "model_response"} <= columns or {"full_prompt", "predictions"} <= columns


def _gold(doc: Mapping) -> object:
    choices = as_list(doc.get("choices"))
    indexes = as_list(doc.get("gold_index"))
    golds = [
        choices[int(i)] for i in indexes if isinstance(i, (int, float)) and int(i) < len(choices)
    ]
    if not golds:
        return None
    return golds[0] if len(golds) == 1 else golds


def _first_metric(metric: object) -> object:
    if isinstance(metric, str):  # older releases stored metrics as a JSON string
        try:
            metric = json.loads(metric)
        except json.JSONDecodeError:
            return None
    if isinstance(metric, Mapping):
        for value in metric.values():
            if isinstance(value, (bool, int, float)) and value == value:
                return value
    return None


def _task(doc: Mapping) -> str | None:
    """``math_500`` from ``lighteval|math_500|0``; the whole name when not in that shape."""
    name = doc.get("task_name")
    if not isinstance(name, str) or not name:
        return None
    parts = name.split("|")
    return parts[1] if len(parts) == 3 and parts[1] else name


def _unpack(record: dict) -> tuple[object, list, object, object, object]:
    """(id, responses, prompt, gold, metric) for either layout; id None when unset."""
    if "doc" in record:
        doc = record.get("doc") if isinstance(record.get("doc"), Mapping) else {}
        response = record.get("model_response")
        texts = as_list(response.get("text")) if isinstance(response, Mapping) else []
        doc_id = doc.get("id")
        if doc_id in (None, "") and _task(doc):
            doc_id = f"{_task(doc)}/{record['source_line']}"
        return doc_id, texts, doc.get("query"), _gold(doc), record.get("metric")
    gold = as_list(record.get("gold"))
    return (
        None,
        as_list(record.get("predictions")),
        record.get("full_prompt"),
        gold[0] if len(gold) == 1 else (gold or None),
        record.get("metrics"),
    )


def expand(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Rejection]]:
    """One row per element of ``model_response.text`` (or ``predictions``)."""
    rows: list[dict] = []
    rejections: list[Rejection] = []
    for record in frame.to_dict("records"):
        line = record["source_line"]
        doc_id, texts, prompt, gold, metric = _unpack(record)
        if not texts:
            rejections.append(Rejection(file, line, "no model_response.text responses"))
            continue
        pid = doc_id if doc_id not in (None, "") else line
        label = _first_metric(metric) if len(texts) == 1 else None
        for i, text in enumerate(texts):
            rows.append(
                {
                    "problem_id": pid,
                    "sample_idx": i,
                    "prompt": prompt,
                    "response": text,
                    "gold": gold,
                    "source_correct": label,
                    "source_line": line,
                }
            )
    columns = ["problem_id", "sample_idx", "prompt", "response", "gold", "source_correct"]
    return pd.DataFrame(rows, columns=columns + ["source_line"]), rejections
