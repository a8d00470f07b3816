"""The ``grade`` stage: every response gets ``extracted``, ``correct`` and ``grade_status``."""

from __future__ import annotations

import os

import pandas as pd

from traceanalysis.grading.math_grade import grade_math
from traceanalysis.grading.verifier import GRADER_VERSION
from traceanalysis.stages import stage


@stage(
    "grade",
    GRADER_VERSION,
    reads=("response", "gold", "finish_reason", "truncated"),
    adds=("extracted", "correct", "grade_status"),
)
def grade(
    df: pd.DataFrame,
    *,
    workers: int | None = None,
    timeout: float = 5.0,
    strict_sets: bool = False,
    cache_path: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Add ``extracted``, ``correct`` and ``grade_status`` to the samples table.

    ``workers`` processes (default: CPU count) run math-verify with a budget of ``timeout``
    CPU seconds per unique (answer, gold) pair; ``strict_sets`` requires the whole set for
    "find all" answers. Verdicts are cached in the SQLite file ``cache_path`` (default
    :func:`traceanalysis.cache.default_cache_path`). ``out.attrs["grading"]`` reports counts:
    responses, unique pairs, cache hits, newly verified, timeouts, killed workers.
    """
    return grade_math(
        df,
        workers=workers,
        timeout=timeout,
        strict_sets=strict_sets,
        cache_path=cache_path,
        progress=progress,
    )
