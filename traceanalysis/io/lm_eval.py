"""lm-evaluation-harness ``samples_<task>_<date>.jsonl`` (``--log_samples``).

One line per (document, filter)::

    {"doc_id": 0, "doc": {...}, "target": "4",
     "arguments": {"gen_args_0": {"arg_0": "<prompt>", "arg_1": {...}}},
     "resps": [["response 0", "response 1"]], "filtered_resps": ["4"],
     "filter": "strict-match", "metrics": ["exact_match"], "exact_match": 1.0, ...}

A task with several filters writes the same document once per filter with identical
``resps``: those rows are merged (counted in ``inputs[...]["merged_rows"]``), not treated
as duplicates. The same ``doc_id`` with *different* responses is rejected. Responses come
from ``resps[0]``.

Metrics: every numeric metric of every filter row is kept in ``source_scores`` under
lm-eval's own ``metric,filter`` names (``exact_match,strict-match``). ``source_correct``
comes from one metric chosen per file (``source_metrics.choose_metric``: a correctness
metric, in the task's order, or ``--source-metric``), and only for documents with a single
response (a metric is per document). ``source_metric`` names it.

``doc_id`` counts from 0 in every task, and lm-eval writes the samples of all tasks of
one call into one folder: when the file name is lm-eval's ``samples_<task>_<date>.jsonl``
the problem id is ``<task>/<doc_id>``; ``source_problem_id`` keeps the ``doc_id``.

Loglikelihood tasks (``multiple_choice``, ``loglikelihood``, ``loglikelihood_rolling``)
generate no text: their ``resps`` hold ``[logprob, is_greedy]`` pairs or log-likelihoods.
Such a file is skipped once, with that reason (``attrs["skipped"]``), not rejected row by
row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from traceanalysis.io.source_metrics import (
    READER_COLUMNS,
    choose_metric,
    is_number,
    missing_metric_note,
    plain,
    scores_json,
)
from traceanalysis.io.util import as_list, get_path, solution_tail
from traceanalysis.schema import Rejection

NAME = "lm_eval"
_META = {"doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "filter"}
_NON_METRIC = _META | {"metrics", "doc_hash", "prompt_hash", "target_hash", "source_line"}
# samples_<task>_<date>, the date as lm-eval writes it: 2025-03-14T10-22-31.123456
_FILE_NAME = re.compile(r"^samples_(?P<task>.+)_\d{4}-\d{2}-\d{2}T[\d.-]+$")
_NO_TEXT = {
    "loglikelihood": "loglikelihood task (multiple_choice or loglikelihood): no generated "
    "text (resps hold [logprob, is_greedy])",
    "loglikelihood_rolling": "loglikelihood_rolling task (perplexity): no generated text "
    "(resps hold log-likelihoods)",
}


def task_of(file: str) -> str | None:
    """The task named by an lm-eval samples file name, else None."""
    match = _FILE_NAME.match(Path(file).stem)
    return match.group("task") if match else None


def sniff(columns: set[str], first: dict) -> bool:
    """``doc_id`` with ``resps`` (and ``filtered_resps`` or ``arguments``)."""
    return {"doc_id", "resps"} <= columns and bool({"filtered_resps", "arguments"} & columns)


def _first_request(record: dict) -> list:
    """The arguments of the first request: ``[context, gen_kwargs | continuation]``."""
    args = record.get("arguments")
    if isinstance(args, Mapping):  # lm-eval >= 0.4.3: {"gen_args_0": {"arg_0": ..., ...}}
        first = args.get("gen_args_0")
        if isinstance(first, Mapping):
            return [first[k] for k in sorted(first)]  # arg_0, arg_1, ...
        return []
    items = as_list(args)  # older: [["<prompt>", {...}], ...]
    return as_list(items[0]) if items else []


def output_kind(record: dict, responses: list) -> str:
    """``generate_until``, ``loglikelihood`` or ``loglikelihood_rolling`` for one row.

    The request's arguments say it: generation takes ``(context, gen_kwargs)``,
    loglikelihood ``(context, continuation)``, loglikelihood_rolling ``(text,)``. Without
    arguments, a response that is itself a list (``[logprob, is_greedy]``) is loglikelihood.
    """
    request = _first_request(record)
    if len(request) >= 2:
        if isinstance(request[1], Mapping):
            return "generate_until"
        if isinstance(request[1], str):
            return "loglikelihood"
    if len(request) == 1 and isinstance(request[0], str):
        return "loglikelihood_rolling"
    if responses and isinstance(responses[0], (list, tuple, np.ndarray)):
        return "loglikelihood"
    return "generate_until"


def _prompt(record: dict) -> object:
    request = _first_request(record)
    if request:
        return request[0]
    return get_path(record, "arguments.gen_args_0.arg_0")


def _metric_names(record: dict) -> list[str]:
    names = [m for m in as_list(record.get("metrics")) if isinstance(m, str)]
    names += [k for k in record if k not in _NON_METRIC and k not in names]
    return names


def _doc_key(doc_id: object) -> str:
    # A column with gaps turns ids into floats: 3.0 is doc 3.
    if isinstance(doc_id, (float, np.floating)) and float(doc_id).is_integer():
        return str(int(doc_id))
    return str(plain(doc_id))


@dataclass
class _Doc:
    """One document: its first row, its responses and every filter row's metrics."""

    record: dict
    line: int
    responses: list
    fingerprint: str
    scores: dict[str, object] = field(default_factory=dict)


def _collect(
    frame: pd.DataFrame, file: str
) -> tuple[dict[str, _Doc], list[str], list[Rejection], int, dict[str, int]]:
    """Documents by id, metric names in file order, rejections, merged rows, row kinds."""
    docs: dict[str, _Doc] = {}
    names: list[str] = []
    rejections: list[Rejection] = []
    merged = 0
    kinds: dict[str, int] = {}
    for record in frame.to_dict("records"):
        line = record["source_line"]
        doc_id = record.get("doc_id")
        if doc_id is None or doc_id != doc_id:
            rejections.append(Rejection(file, line, "missing required field 'doc_id'"))
            continue
        resps = as_list(record.get("resps"))
        responses = as_list(resps[0]) if resps else []
        kind = output_kind(record, responses)
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind != "generate_until":
            rejections.append(Rejection(file, line, _NO_TEXT[kind]))
            continue
        if not responses:
            rejections.append(Rejection(file, line, "field 'resps' holds no responses"))
            continue
        key = _doc_key(doc_id)
        fingerprint = json.dumps(responses, default=str)
        if key in docs and docs[key].fingerprint != fingerprint:
            reason = f"doc_id {key} repeats line {docs[key].line} with different responses"
            rejections.append(Rejection(file, line, reason))
            continue
        if key in docs:
            merged += 1
        else:
            docs[key] = _Doc(record, line, responses, fingerprint)
        filt = record.get("filter")
        for name in _metric_names(record):
            value = record.get(name)
            if not is_number(value):
                continue
            qualified = f"{name},{filt}" if isinstance(filt, str) and filt else name
            names.append(qualified)
            docs[key].scores.setdefault(qualified, plain(value))
    return docs, list(dict.fromkeys(names)), rejections, merged, kinds


def expand(
    frame: pd.DataFrame, file: str, source_metric: str | None = None
) -> tuple[pd.DataFrame, list[Rejection]]:
    """One row per response of each document; per-filter copies merged.

    A file holding only loglikelihood rows comes back empty with ``attrs["skipped"]``
    set to the reason; ``attrs["notes"]`` says when ``source_metric`` is not in the file.
    """
    docs, names, rejections, merged, kinds = _collect(frame, file)
    if not kinds.get("generate_until") and len(kinds):
        kind = max(kinds, key=lambda k: kinds[k])
        out = pd.DataFrame(columns=READER_COLUMNS)
        out.attrs["skipped"] = _NO_TEXT[kind]
        return out, []
    chosen = choose_metric(names, source_metric)
    task = task_of(file)
    rows: list[dict] = []
    for key, doc in docs.items():
        record = doc.record
        single = len(doc.responses) == 1
        label = doc.scores.get(chosen) if chosen and single else None
        target = record.get("target")
        for i, response in enumerate(doc.responses):
            rows.append(
                {
                    "problem_id": f"{task}/{key}" if task else key,
                    "source_problem_id": key,
                    "sample_idx": i,
                    "prompt": _prompt(record),
                    "response": response,
                    "gold": solution_tail(target),
                    "gold_field": "target" if target is not None else None,
                    "source_correct": label,
                    "source_metric": chosen if label is not None else None,
                    "source_scores": scores_json(doc.scores),
                    "source_line": doc.line,
                }
            )
    out = pd.DataFrame(rows, columns=READER_COLUMNS)
    out.attrs["merged_rows"] = merged
    if source_metric and chosen is None:
        out.attrs["notes"] = [missing_metric_note(source_metric, names)]
    return out, rejections
