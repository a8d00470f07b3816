"""Grading: answer extraction, math-verify in worker processes, status codes, cache.

``grade(df, ...)`` is the registered stage ``"grade"``; see docs/grading.md.
"""

from __future__ import annotations

from traceanalysis.grading.agreement import agreement_summary, cohen_kappa, disagreements
from traceanalysis.grading.extract import last_boxed, normalize_answer
from traceanalysis.grading.grade import grade
from traceanalysis.grading.verifier import GRADER_VERSION

__all__ = [
    "GRADER_VERSION",
    "agreement_summary",
    "cohen_kappa",
    "disagreements",
    "grade",
    "last_boxed",
    "normalize_answer",
]
