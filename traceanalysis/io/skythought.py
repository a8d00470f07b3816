"""SkyThought evaluation results (``skythought evaluate``, ``inference_and_check``).

One JSON object keyed by problem, each value the dataset's own row plus what the tool
added (``skythought/evals/inference_and_check.py``, file ``results.json`` beside
``summary.json``)::

    {"0": {"problem": "...", "answer": "(a+5)(b+2)", "unique_id": "test/algebra/1.json",
           "prompt": "...", "input_conversation": [...],
           "responses": [{"content": "...", "correctness": true, "reason": "..."}, ...],
           "token_usages": [{"completion_tokens": 812, "prompt_tokens": 97}, ...]}, ...}

Earlier releases (``skythought_evals``, ``tools/inference_and_check.py``) keyed the object
by the problem text and ``responses`` by temperature: ``{"0.7": [{...}, ...]}`` or
``{"0.7": {...}}`` (one response per temperature). All three are read.

problem_id is the key (``source_problem_id`` too); when the key is the problem text
itself, the dataset's ``unique_id``/``id``/``idx`` is the problem id when present, else a
hash of the text. Responses are numbered in order (temperatures in file order, then
position). ``content`` is the response, ``correctness`` the tool's own verdict
(``source_correct``, ``source_metric`` ``correctness``). The gold is the dataset's own
``answer`` (GSM8K's ``#### N`` tail), else ``gt``/``final_answer`` (``gold_field`` says
which); the prompt is ``prompt`` (the user turn the tool sent), else ``problem``/``question``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from traceanalysis.io.source_metrics import READER_COLUMNS, plain, scores_json
from traceanalysis.io.util import as_list, first_present, is_missing, solution_tail, text_id
from traceanalysis.schema import Rejection

NAME = "skythought"
_ID_FIELDS = ("unique_id", "id", "idx", "problem_id")
_QUESTION_FIELDS = ("problem", "question", "Question", "prompt")


def _is_entry(value: object) -> bool:
    return isinstance(value, Mapping) and "content" in value


def _entries(responses: object) -> list[object] | None:
    """The response entries in order, or None when ``responses`` has neither shape."""
    if isinstance(responses, list):
        return list(responses)
    if isinstance(responses, Mapping):  # keyed by temperature
        found: list[object] = []
        for per_temperature in responses.values():
            found.extend(
                [per_temperature] if _is_entry(per_temperature) else as_list(per_temperature)
            )
        return found
    return None


def is_results(obj: object) -> bool:
    """A JSON object whose values all hold ``responses``, entries with ``content``."""
    if not isinstance(obj, Mapping) or not obj:
        return False
    values = list(obj.values())
    if not all(isinstance(v, Mapping) and "responses" in v for v in values):
        return False
    for value in values:  # the first problem that has responses says what they are
        entries = _entries(value.get("responses"))
        if entries:
            return all(_is_entry(e) for e in entries[:3])
    return False


def _gold(record: Mapping) -> tuple[Any, str | None]:
    for field in ("answer", "gt", "final_answer"):
        value = record.get(field)
        if isinstance(value, list) and len(value) == 1:  # olympiadbench: ["$4$"]
            value = value[0]
        if not is_missing(value) and not isinstance(value, (list, Mapping)):
            return solution_tail(plain(value)), field
    return None, None


def _problem_id(key: str, record: Mapping) -> object:
    question = first_present(record, ("problem", "question", "Question"))
    if isinstance(question, str) and key.strip() == question.strip():
        own = first_present(record, _ID_FIELDS)
        return plain(own) if own is not None else text_id(key)
    return key


def read_results(obj: Mapping, file: str) -> tuple[pd.DataFrame, list[Rejection]]:
    """One row per response; ``source_line`` is the 0-based position of the problem."""
    rows: list[dict] = []
    rejections: list[Rejection] = []
    for position, (key, record) in enumerate(obj.items()):
        entries = _entries(record.get("responses")) if isinstance(record, Mapping) else None
        if not entries:
            reason = "field 'responses' holds no responses"
            rejections.append(Rejection(file, position, f"problem {key!r}: {reason}"))
            continue
        gold, gold_field = _gold(record)
        prompt = first_present(record, ("prompt",) + _QUESTION_FIELDS)
        pid = _problem_id(str(key), record)
        for i, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                where = f"problem {key!r} response {i}"
                rejections.append(Rejection(file, position, f"{where}: not a JSON object"))
                continue
            correct = plain(entry.get("correctness"))
            rows.append(
                {
                    "problem_id": pid,
                    "source_problem_id": str(key),
                    "sample_idx": i,
                    "prompt": prompt,
                    "response": entry.get("content"),
                    "gold": gold,
                    "gold_field": gold_field,
                    "source_correct": correct,
                    "source_metric": "correctness" if correct is not None else None,
                    "source_scores": scores_json({"correctness": correct})
                    if correct is not None
                    else None,
                    "source_line": position,
                }
            )
    return pd.DataFrame(rows, columns=READER_COLUMNS), rejections
