"""The ``source`` grader: the input's own correctness label (``source_correct``) is the verdict.

For runs whose tool already scored each response (inspect_ai scorers, lm-eval metrics, a
``score`` field) and whose answers none of our graders reads. ``correct`` is the label,
``grade_status`` is ``ok`` where there is one and ``ungraded`` where there is not (also
for every row when the input carries no labels at all); ``extracted`` stays null: nothing
was extracted. The report names the grader per run, so such numbers are never presented
as our own grading.
"""

from __future__ import annotations

import pandas as pd

from traceanalysis.grading.registry import grader, grading_attrs

VERSION = "source-1"


@grader("source", version=VERSION)
def grade_source(df: pd.DataFrame) -> pd.DataFrame:
    """Trust the input's own scores: ``correct`` = ``source_correct``."""
    if "source_correct" in df.columns:
        labels = df["source_correct"].astype("boolean").reset_index(drop=True)
    else:
        labels = pd.Series(pd.NA, index=range(len(df)), dtype="boolean")
    out = df.copy()
    out["extracted"] = pd.array([None] * len(df), dtype="string")
    out["correct"] = pd.array(labels.tolist(), dtype="boolean")
    out["grade_status"] = pd.array(
        ["ungraded" if pd.isna(v) else "ok" for v in labels.tolist()], dtype="string"
    )
    out.attrs["grading"] = grading_attrs(
        "source", VERSION, n_responses=len(df), n_unique=int(labels.notna().sum())
    )
    return out
