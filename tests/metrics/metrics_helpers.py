"""Graded samples tables built by hand for the metric tests (no readers, no grader)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceanalysis.schema import coerce_core_dtypes


def graded(rows: list[dict]) -> pd.DataFrame:
    """A graded samples table: rows need run, problem_id, sample_idx, correct; extracted optional."""
    df = pd.DataFrame(rows)
    if "response" not in df.columns:
        df["response"] = "text"
    default_answer = pd.Series(np.where(df["correct"].eq(True), "1", "0"), index=df.index)
    if "extracted" not in df.columns:
        df["extracted"] = default_answer
    else:  # rows that did not name their answer get "1" when correct, else "0"
        unnamed = df["extracted"].isna() & df.get("grade_status", pd.Series(index=df.index)).isna()
        df["extracted"] = df["extracted"].where(~unnamed, default_answer)
    df["grade_status"] = df["grade_status"].fillna("ok") if "grade_status" in df else "ok"
    out = coerce_core_dtypes(df)
    out["correct"] = out["correct"].astype("boolean")
    out["extracted"] = out["extracted"].astype("string")
    out["grade_status"] = out["grade_status"].astype("string")
    return out


def from_counts(run: str, counts: dict[str, tuple[int, int]], role: str = "other") -> list[dict]:
    """Rows for ``run`` with problem -> (n, c): the first c samples correct."""
    return [
        {"run": run, "role": role, "problem_id": pid, "sample_idx": i, "correct": i < c}
        for pid, (n, c) in counts.items()
        for i in range(n)
    ]
