"""lm-evaluation-harness ``samples_<task>_<date>.jsonl`` (``--log_samples``).

One line per (document, filter)::

    {"doc_id": 0, "doc": {...}, "target": "4",
     "arguments": {"gen_args_0": {"arg_0": "<prompt>", "arg_1": {...}}},
     "resps": [["response 0", "response 1"]], "filtered_resps": ["4"],
     "filter": "strict-match", "metrics": ["exact_match"], "exact_match": 1.0, ...}

A task with several filters writes the same document once per filter with identical
``resps``: those rows are merged (counted in ``inputs[...]["merged_rows"]``), not treated
as duplicates. The same ``doc_id`` with *different* responses is rejected. Responses come
from ``resps[0]``. The metric value is per document, so it becomes ``source_correct`` only
when the document has a single response (the first filter's value).

``doc_id`` counts from 0 in every task, and lm-eval writes the samples of all tasks of
one call into one folder: when the file name is lm-eval's ``samples_<task>_<date>.jsonl``
the problem id is ``<task>/<doc_id>``, so two tasks in one run folder do not collide.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from traceanalysis.io.util import as_list, get_path
from traceanalysis.schema import Rejection

NAME = "lm_eval"
_META = {"doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "filter"}
_NON_METRIC = _META | {"metrics", "doc_hash", "prompt_hash", "target_hash"}
# samples_<task>_<date>, the date as lm-eval writes it: 2025-03-14T10-22-31.123456
_FILE_NAME = re.compile(r"^samples_(?P<task>.+)_\d{4}-\d{2}-\d{2}T[\d.-]+$")


def task_of(file: str) -> str | None:
    """The task named by an lm-eval samples file name, else None."""
    match = _FILE_NAME.match(Path(file).stem)
    return match.group("task") if match else None


def sniff(columns: set[str], first: dict) -> bool:
    """``doc_id`` with ``resps`` (and ``filtered_resps`` or ``arguments``)."""
    return {"doc_id", "resps"} <= columns and bool({"filtered_resps", "arguments"} & columns)


def _prompt(record: dict) -> object:
    args = record.get("arguments")
    if isinstance(args, dict):  # lm-eval >= 0.4.3
        return get_path(args, "gen_args_0.arg_0")
    items = as_list(args)  # older: [["<prompt>", {...}], ...]
    first = as_list(items[0]) if items else []
    return first[0] if first else None


def _label(record: dict) -> object:
    names = [m for m in as_list(record.get("metrics")) if isinstance(m, str)]
    names += [k for k in record if k not in _NON_METRIC and k not in names]
    for name in names:
        value = record.get(name)
        if isinstance(value, (bool, int, float)) and not isinstance(value, str):
            return value
    return None


def expand(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Rejection]]:
    """One row per response of each document; per-filter copies merged."""
    rows: list[dict] = []
    rejections: list[Rejection] = []
    seen: dict[str, tuple[str, int]] = {}
    merged = 0
    task = task_of(file)
    for record in frame.to_dict("records"):
        line = record["source_line"]
        doc_id = record.get("doc_id")
        if doc_id is None or doc_id != doc_id:
            rejections.append(Rejection(file, line, "missing required field 'doc_id'"))
            continue
        resps = as_list(record.get("resps"))
        responses = as_list(resps[0]) if resps else []
        if not responses:
            rejections.append(Rejection(file, line, "field 'resps' holds no responses"))
            continue
        # A column with gaps turns ids into floats: 3.0 is doc 3.
        key = str(int(doc_id)) if isinstance(doc_id, float) and doc_id.is_integer() else str(doc_id)
        fingerprint = json.dumps(responses, default=str)
        if key in seen:
            if seen[key][0] == fingerprint:
                merged += 1
                continue
            rejections.append(
                Rejection(
                    file,
                    line,
                    f"doc_id {key} repeats line {seen[key][1]} with different responses",
                )
            )
            continue
        seen[key] = (fingerprint, line)
        label = _label(record) if len(responses) == 1 else None
        prompt = _prompt(record)
        for i, response in enumerate(responses):
            rows.append(
                {
                    "problem_id": f"{task}/{key}" if task else doc_id,
                    "sample_idx": i,
                    "prompt": prompt,
                    "response": response,
                    "gold": record.get("target"),
                    "source_correct": label,
                    "source_line": line,
                }
            )
    columns = ["problem_id", "sample_idx", "prompt", "response", "gold", "source_correct"]
    out = pd.DataFrame(rows, columns=columns + ["source_line"])
    out.attrs["merged_rows"] = merged
    return out, rejections
