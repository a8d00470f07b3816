"""Qwen2.5-Math / SimpleRL evaluation JSONL: one line per question.

Shape (``evaluation/math_eval.py`` of QwenLM/Qwen2.5-Math, reused by SimpleRL-Zoo)::

    {"idx": 0, "question": "...", "gt": "4", "prompt": "...",
     "code": ["response 0", "response 1"], "pred": ["4", "5"], "score": [true, false]}

``code[i]`` is sample ``i``; ``score[i]`` becomes ``source_correct``; ``gt`` is the gold
answer; the prompt is ``prompt`` when saved (``math_eval.py`` drops it before writing),
else ``question``/``problem``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceanalysis.io.util import as_list, first_present
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
        gold = first_present(record, ("gt", "answer"))
        for i, code in enumerate(codes):
            rows.append(
                {
                    "problem_id": pid,
                    "sample_idx": i,
                    "prompt": prompt,
                    "response": code,
                    "gold": gold,
                    "source_correct": scores[i] if i < len(scores) else None,
                    "finish_reason": record.get("finish_reason"),
                    "source_line": line,
                }
            )
    return pd.DataFrame(rows, columns=_COLUMNS), rejections


_COLUMNS = [
    "problem_id",
    "sample_idx",
    "prompt",
    "response",
    "gold",
    "source_correct",
    "finish_reason",
    "source_line",
]
