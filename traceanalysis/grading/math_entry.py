"""The ``math`` entry of the grader registry: :func:`traceanalysis.grading.math_grade.grade_math`."""

from __future__ import annotations

import os

import pandas as pd

from traceanalysis.grading.math_grade import grade_math
from traceanalysis.grading.registry import grader, grading_attrs
from traceanalysis.grading.verifier import GRADER_VERSION


@grader("math", version=GRADER_VERSION)
def grade_math_answers(
    df: pd.DataFrame,
    *,
    workers: int | None = None,
    timeout: float = 5.0,
    strict_sets: bool = False,
    cache_path: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """math-verify: last box or plain-text extraction, verified against the gold (docs/grading.md)."""
    out = grade_math(
        df,
        workers=workers,
        timeout=timeout,
        strict_sets=strict_sets,
        cache_path=cache_path,
        progress=progress,
    )
    info = dict(out.attrs.get("grading", {}))
    base = grading_attrs(
        "math",
        GRADER_VERSION,
        n_responses=int(info.get("n_responses", len(df))),
        n_unique=int(info.get("n_unique", 0)),
    )
    out.attrs["grading"] = {**base, **info, "grader": "math"}
    return out
