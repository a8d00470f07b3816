"""The native format: one row per response, columns named as in the samples table.

Files: ``samples.jsonl`` / ``.parquet`` / ``.csv`` (any name). Required: ``problem_id``
and ``response``; ``sample_idx`` is numbered in file order within each problem when
absent. A correctness label may come as ``source_correct``, ``correct``, ``is_correct`` or
``score`` (the first present; its name goes to ``source_metric``). A value that is not a
label (``"0.5"``) leaves ``source_correct`` null and is kept in ``source_scores``. A
``run`` column is honoured for bare files (one file holding several runs).
"""

from __future__ import annotations

import pandas as pd

from traceanalysis.schema import Rejection

NAME = "native"

# Columns that carry the input's own correctness label, in order of preference.
LABEL_COLUMNS = ("source_correct", "correct", "is_correct", "score")
PASSTHROUGH = (
    "run",
    "model",
    "problem_id",
    "sample_idx",
    "prompt",
    "response",
    "reasoning",
    "gold",
    "finish_reason",
    "step",
    "truncated",
)


def sniff(columns: set[str], first: dict) -> bool:
    """Native when the rows name ``problem_id`` and ``response`` directly."""
    return {"problem_id", "response"} <= columns


def expand(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Rejection]]:
    """Select and rename the native columns; number samples when ``sample_idx`` is absent."""
    out = pd.DataFrame(index=frame.index)
    for column in PASSTHROUGH:
        if column in frame.columns:
            out[column] = frame[column]
    if "gold" not in out.columns and "answer" in frame.columns:
        out["gold"] = frame["answer"]
    for column in LABEL_COLUMNS:
        if column in frame.columns:
            out["source_correct"] = frame[column]
            out["source_metric"] = pd.Series(column, index=frame.index, dtype="string")
            break
    if "sample_idx" not in out.columns:
        out["_auto_idx"] = True
    out["source_line"] = frame["source_line"]
    return out, []
