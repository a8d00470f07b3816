"""Shared by the executor tests: a real Parquet corpus and a real stage function."""

from __future__ import annotations

import os
import time
from functools import partial
from pathlib import Path

import pandas as pd

from traceanalysis.behaviors import tag_behaviors
from traceanalysis.engine import store
from traceanalysis.engine.runner import apply_rows

SENTENCES = [
    "Wait, that doesn't look right.",
    "Let me think about this step by step.",
    "Hmm, maybe I made a mistake in the previous step.",
    "Let me verify: substitute back and check that $2(3) + 1 = 7$.",
    "Alternatively, we could factor the polynomial directly.",
    "So the answer is $\\boxed{12}$.",
    "Actually, the area is half of the base times the height.",
    "First, we need to find the roots. Then we sum them.",
]


def corpus(tmp: Path, rows: int = 300, row_group_rows: int = 40) -> Path:
    """A Parquet file of ``rows`` responses (deterministic) in row groups."""
    texts = [
        " ".join(SENTENCES[(i * k) % len(SENTENCES)] for k in range(1, 2 + i % 6))
        for i in range(rows)
    ]
    frame = pd.DataFrame(
        {
            "run": pd.array([f"r{i % 3}" for i in range(rows)], "string[pyarrow]"),
            "response": pd.array(texts, "string[pyarrow]"),
        }
    )
    path = tmp / "text.parquet"
    parts = [frame.iloc[a : a + row_group_rows] for a in range(0, rows, row_group_rows)]
    store.write_batches(path, parts, row_group_rows)
    return path


def _count_runs(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    tagged = tag_behaviors(df)
    return tagged, df["run"].value_counts().to_dict()


TAG = partial(apply_rows, tag_behaviors, {}, False)  # the runner's task for the tagger
TAG_COMBINE = partial(apply_rows, _count_runs, {}, True)


def mark_and_sleep(marks: str, seconds: float, df: pd.DataFrame) -> int:
    """Leave a file per call in ``marks`` (its pid), sleep, return the batch's rows."""
    Path(marks, f"{os.getpid()}-{time.monotonic_ns()}").touch()
    time.sleep(seconds)
    return len(df)


def fail_on_boom(df: pd.DataFrame) -> int:
    """Raise on a batch whose text contains "boom"."""
    if df["response"].str.contains("boom").any():
        raise ValueError("boom in a worker")
    return len(df)
