"""The plan's grading stages: each run's grader, every response's verdict, the agreement
of our grade with the input's own scores."""

from __future__ import annotations

from typing import Any

import pandas as pd

from traceanalysis.engine.registry import stage, table
from traceanalysis.grading.agreement import agreement_summary, disagreements
from traceanalysis.grading.grade import (
    _READS,
    GRADE_STAGE_VERSION,
    choose_run_graders,
    combine_grading,
    grade,
)

# Rows per call: one grading pool for up to this many responses (its start costs ~1 s),
# so the text held while grading stays bounded as the corpus grows.
GRADE_BATCH_ROWS = 65536
AGREEMENT_TABLE = "agreement"
DISAGREEMENTS_TABLE = "disagreements"


def _graders_key(options: dict[str, Any]) -> dict[str, Any]:
    # every registered grader's version (a plugin's too: --plugin may add one), so a
    # grader whose output changes invalidates the grades it gave
    from traceanalysis.grading.registry import get_grader, grader_names

    return {**options, "versions": {n: get_grader(n).version for n in grader_names()}}


@stage(
    "graders",
    "1",
    kind="corpus",
    reads=("run", "gold", "source_file", "source_correct"),
    options=("grader",),
    key=_graders_key,
)
def run_graders(df: pd.DataFrame, *, grader: Any = None) -> dict[str, dict[str, object]]:
    """Each run's grader (math, text, choice, source), chosen from all its golds, and why."""
    return choose_run_graders(df, grader)


@stage(
    "grade",
    GRADE_STAGE_VERSION,  # the graders' versions, math-verify's included
    reads=_READS,
    adds=("extracted", "correct", "grade_status", "grader"),
    options=("grade_timeout", "strict_sets"),
    needs=("graders",),
    runtime=("workers", "cache", "quiet"),
    combine=combine_grading,
    executor="own",  # math-verify's per-item deadline pool
    batch_rows=GRADE_BATCH_ROWS,
)
def grade_rows(
    df: pd.DataFrame,
    *,
    graders: dict[str, dict[str, object]],
    grade_timeout: float = 5.0,
    strict_sets: bool = False,
    workers: int | None = None,
    cache: str | None = None,
    quiet: bool = True,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Grade every response (each run by its grader; math-verify verdicts cached in SQLite)."""
    out = grade(
        df, workers=workers, timeout=grade_timeout, strict_sets=strict_sets, cache_path=cache,
        progress=not quiet, chosen=graders,
    )  # fmt: skip
    return out, dict(out.attrs.get("grading", {}))


@table("agreement_tables")
def agreement_tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Our grade against the input's own scores (where the input carries scores)."""
    if df["correct"].notna().sum() == 0:
        return {}
    agreement = agreement_summary(df)
    if not len(agreement):
        return {}
    return {AGREEMENT_TABLE: agreement, DISAGREEMENTS_TABLE: disagreements(df)}
