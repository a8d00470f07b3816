"""The plan's grading stages: each run's grader, every response's verdict, the agreement
of our grade with the input's own scores."""

from __future__ import annotations

from typing import Any

import pandas as pd

from traceanalysis.engine.registry import stage, table
from traceanalysis.grading.agreement import agreement_summary, disagreements
from traceanalysis.grading.grade import _READS, grade

AGREEMENT_TABLE = "agreement"
DISAGREEMENTS_TABLE = "disagreements"


@stage(
    "grade",
    "3",
    reads=_READS,
    adds=("extracted", "correct", "grade_status", "grader"),
    options=("grader", "grade_timeout"),
    runtime=("workers", "cache", "quiet"),
    executor="own",  # math-verify's per-item deadline pool
    batch_rows=0,  # one call: each run's grader is chosen from all its golds
)
def grade_rows(
    df: pd.DataFrame,
    *,
    grader: Any = None,
    grade_timeout: float = 5.0,
    workers: int | None = None,
    cache: str | None = None,
    quiet: bool = True,
) -> pd.DataFrame:
    """Grade every response (each run by its grader; math-verify verdicts cached in SQLite)."""
    return grade(
        df, grader=grader, workers=workers, timeout=grade_timeout, cache_path=cache,
        progress=not quiet,
    )  # fmt: skip


@table("agreement_tables")
def agreement_tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Our grade against the input's own scores (where the input carries scores)."""
    if df["correct"].notna().sum() == 0:
        return {}
    agreement = agreement_summary(df)
    if not len(agreement):
        return {}
    return {AGREEMENT_TABLE: agreement, DISAGREEMENTS_TABLE: disagreements(df)}
