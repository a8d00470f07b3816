"""lighteval ``details_<task>_<date>.parquet`` (``--save-details``).

Current shape, one row per document with nested structs::

    doc:            {query, choices, gold_index, id?, task_name, ...}
    model_response: {text: [response 0, response 1, ...], input, output_tokens, ...}
    metric:         {extractive_match: 1.0, ...}

Older releases (< 0.10) wrote flat columns ``full_prompt``, ``predictions``, ``gold``,
``metrics``; both are read. Document ids restart in every task and lighteval writes the
details of every task of a run into one folder, so the problem id is ``<task>/<doc.id>``
(the task from ``doc.task_name``: ``math_500`` from ``lighteval|math_500|0``, ``lab_math``
from ``lab_math|0``), ``<task>/<row number>`` when ``doc.id`` is unset, else ``doc.id`` or
the row number; ``source_problem_id`` is ``doc.id`` as written (null when unset). Gold is
``doc.choices[doc.gold_index]`` (``gold_field`` says so; older layouts: ``gold``).

Metrics: every numeric ``metric`` value is kept in ``source_scores``; ``source_correct``
comes from one metric chosen per file (``source_metrics.choose_metric``: the first
correctness metric such as ``extractive_match``, ``em``, ``math_pass@1:1_samples``, or
``--source-metric``), for single-response documents only (a metric is per document).

Loglikelihood tasks (multiple choice, perplexity) write ``model_response.text`` empty
and ``logprobs`` filled: such a file is skipped once with that reason
(``attrs["skipped"]``), not rejected row by row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from traceanalysis.io.source_metrics import (
    READER_COLUMNS,
    choose_metric,
    missing_metric_note,
    numeric_scores,
    plain,
    scores_json,
)
from traceanalysis.io.util import as_list
from traceanalysis.schema import Rejection

NAME = "lighteval"
_NO_TEXT = (
    "loglikelihood task: no generated text (model_response.text is empty, logprobs hold "
    "the scores; older details: predictions hold [logprob, is_greedy])"
)


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


def _metrics(metric: object) -> dict[str, object]:
    """The numeric metrics of one row (older releases stored them as a JSON string)."""
    if isinstance(metric, str):
        try:
            metric = json.loads(metric)
        except json.JSONDecodeError:
            return {}
    return numeric_scores(metric) if isinstance(metric, Mapping) else {}


def _task(doc: Mapping) -> str | None:
    """``math_500`` from ``lighteval|math_500|0`` (suite|task|few-shot), ``lab_math`` from
    ``lab_math|0`` (newer releases: task|few-shot); the whole name in any other shape."""
    name = doc.get("task_name")
    if not isinstance(name, str) or not name:
        return None
    parts = name.split("|")
    if len(parts) == 3 and parts[1]:
        return parts[1]
    if len(parts) == 2 and parts[0] and parts[1].isdigit():
        return parts[0]
    return name


def _unpack(record: dict) -> tuple[object, object, list, object, object, str | None, object]:
    """(id, id as written, responses, prompt, gold, gold field, metric) for either layout."""
    if "doc" in record:
        doc = record.get("doc") if isinstance(record.get("doc"), Mapping) else {}
        response = record.get("model_response")
        texts = as_list(response.get("text")) if isinstance(response, Mapping) else []
        written = doc.get("id") if doc.get("id") not in (None, "") else None
        task = _task(doc)
        own = written if written is not None else record["source_line"]
        doc_id = f"{task}/{plain(own)}" if task else written
        gold = _gold(doc)
        field = "doc.choices[doc.gold_index]" if gold is not None else None
        return doc_id, written, texts, doc.get("query"), gold, field, record.get("metric")
    gold = as_list(record.get("gold"))
    return (
        None,
        None,
        as_list(record.get("predictions")),
        record.get("full_prompt"),
        gold[0] if len(gold) == 1 else (gold or None),
        "gold" if gold else None,
        record.get("metrics"),
    )


def _loglikelihood_only(record: dict) -> bool:
    """No generated text but log-probabilities: a loglikelihood request.

    Current layout: ``model_response.text`` empty, ``logprobs`` filled. Older flat layout:
    ``predictions`` holding ``[logprob, is_greedy]`` pairs (or bare numbers), no text.
    """
    response = record.get("model_response")
    if isinstance(response, Mapping):
        return not as_list(response.get("text")) and bool(as_list(response.get("logprobs")))
    predictions = as_list(record.get("predictions"))
    return bool(predictions) and not any(isinstance(p, str) for p in predictions)


def expand(
    frame: pd.DataFrame, file: str, source_metric: str | None = None
) -> tuple[pd.DataFrame, list[Rejection]]:
    """One row per element of ``model_response.text`` (or ``predictions``)."""
    records = frame.to_dict("records")
    no_text = [_loglikelihood_only(r) for r in records]
    if records and all(no_text):
        out = pd.DataFrame(columns=READER_COLUMNS)
        out.attrs["skipped"] = _NO_TEXT
        return out, []
    unpacked = [(_unpack(r), r["source_line"]) for r in records]
    metrics = [_metrics(u[6]) for u, _ in unpacked]
    names = [n for m in metrics for n in m]
    chosen = choose_metric(names, source_metric)
    rows: list[dict] = []
    rejections: list[Rejection] = []
    for loglikelihood, ((doc_id, written, texts, prompt, gold, field, _), line), scores in zip(
        no_text, unpacked, metrics, strict=True
    ):
        if not texts or loglikelihood:
            reason = _NO_TEXT if loglikelihood else "no model_response.text responses"
            rejections.append(Rejection(file, line, reason))
            continue
        label = scores.get(chosen) if chosen and len(texts) == 1 else None
        for i, text in enumerate(texts):
            rows.append(
                {
                    "problem_id": doc_id if doc_id not in (None, "") else line,
                    "source_problem_id": written,
                    "sample_idx": i,
                    "prompt": prompt,
                    "response": text,
                    "gold": gold,
                    "gold_field": field,
                    "source_correct": label,
                    "source_metric": chosen if label is not None else None,
                    "source_scores": scores_json(scores),
                    "source_line": line,
                }
            )
    out = pd.DataFrame(rows, columns=READER_COLUMNS)
    if source_metric and chosen is None:
        out.attrs["notes"] = [missing_metric_note(source_metric, names)]
    return out, rejections
