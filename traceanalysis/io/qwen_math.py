"""Qwen2.5-Math / SimpleRL evaluation JSONL: one line per question.

Shape (``evaluation/math_eval.py`` of QwenLM/Qwen2.5-Math, reused by SimpleRL-Zoo)::

    {"idx": 0, "question": "...", "gt": "4", "prompt": "...",
     "code": ["response 0", "response 1"], "pred": ["4", "5"], "score": [true, false]}

``code[i]`` is sample ``i``; ``score[i]`` becomes ``source_correct`` (``source_metric``
``score``, kept in ``source_scores``); the prompt is ``prompt`` when saved (``math_eval.py``
drops it before writing), else ``question``/``problem``; ``source_problem_id`` is ``idx``.

Gold: ``math_eval.py`` copies the dataset's own ``answer`` beside its parsed ``gt``, and
``gt`` is damaged where its ``strip_string`` rewrites the answer (MATH500 idx 102: ``gt``
``(+5)(b+2)``, ``answer`` ``(a+5)(b+2)``; matrix row separators ``\\`` dropped; empty for some
problems). So the gold is :func:`dataset_gold`: the dataset's answer when there is one,
else ``gt``; ``gold_field`` records which.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from traceanalysis.io.source_metrics import READER_COLUMNS, is_number, plain, scores_json
from traceanalysis.io.util import as_list, first_present, is_missing, solution_tail
from traceanalysis.schema import Rejection

NAME = "qwen_math"


def sniff(columns: set[str], first: dict) -> bool:
    """A ``code`` list plus ``pred``/``score`` and ``idx``/``gt``."""
    return (
        "code" in columns
        and isinstance(first.get("code"), (list, tuple, np.ndarray))
        and bool({"pred", "score"} & columns)
        and bool({"idx", "gt"} & columns)
    )


_LETTERS = {"A", "B", "C", "D", "E"}


def dataset_gold(record: Mapping) -> tuple[Any, str | None]:
    """``(gold, field)``: the dataset's own answer when present, else the tool's ``gt``.

    In order: a non-empty ``choice_answer`` (gaokao2024_mix: the letter of a choice
    question); ``answer`` as text, GSM8K's worked solution cut to its ``#### N`` tail; a
    numeric ``answer``, except an index into ``choices`` (mmlu_stem writes ``answer`` 2 and
    ``gt`` ``C``: then ``gt``); else ``gt``. ``(None, None)`` when none is set.
    """
    choice = record.get("choice_answer")
    if isinstance(choice, str) and choice.strip():
        return choice, "choice_answer"
    answer = record.get("answer")
    gt = record.get("gt")
    if isinstance(answer, str) and answer.strip():
        return solution_tail(answer), "answer"
    is_index = isinstance(gt, str) and gt.strip() in _LETTERS
    if is_number(answer) and not isinstance(answer, bool) and not is_index:
        return plain(answer), "answer"
    if not is_missing(gt):
        return gt, "gt"
    return None, None


def expand(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Rejection]]:
    """One row per element of ``code``."""
    rows: list[dict] = []
    rejections: list[Rejection] = []
    for record in frame.to_dict("records"):
        line = record["source_line"]
        codes = as_list(record.get("code"))
        pid = first_present(record, ("idx", "id", "unique_id"))
        if pid is None:
            rejections.append(Rejection(file, line, "missing required field 'idx'"))
            continue
        if not codes:
            rejections.append(Rejection(file, line, "field 'code' holds no responses"))
            continue
        scores = as_list(record.get("score"))
        prompt = first_present(record, ("prompt", "question", "problem"))
        gold, gold_field = dataset_gold(record)
        for i, code in enumerate(codes):
            score = plain(scores[i]) if i < len(scores) else None
            rows.append(
                {
                    "problem_id": pid,
                    "source_problem_id": pid,
                    "sample_idx": i,
                    "prompt": prompt,
                    "response": code,
                    "gold": gold,
                    "gold_field": gold_field,
                    "source_correct": score,
                    "source_metric": "score" if score is not None else None,
                    "source_scores": scores_json({"score": score}) if score is not None else None,
                    "finish_reason": record.get("finish_reason"),
                    "source_line": line,
                }
            )
    return pd.DataFrame(rows, columns=_COLUMNS), rejections


_COLUMNS = [*READER_COLUMNS[:-1], "finish_reason", "source_line"]
