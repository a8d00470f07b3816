"""Grading: a registry of graders (math-verify, text, multiple choice, the source's labels).

``grade(df, ...)`` is the registered stage ``"grade"``; it picks a grader per run (see
:mod:`traceanalysis.grading.selection`); see docs/grading.md.
"""

from __future__ import annotations

from traceanalysis.grading.agreement import agreement_summary, cohen_kappa, disagreements
from traceanalysis.grading.extract import last_boxed, normalize_answer
from traceanalysis.grading.grade import GRADE_STAGE_VERSION, grade
from traceanalysis.grading.math_version import GRADER_VERSION
from traceanalysis.grading.registry import (
    UnknownGrader,
    get_grader,
    grader,
    grader_names,
    grading_attrs,
)
from traceanalysis.grading.selection import auto_grader, choose_graders, gold_kind

__all__ = [
    "GRADER_VERSION",
    "GRADE_STAGE_VERSION",
    "UnknownGrader",
    "agreement_summary",
    "auto_grader",
    "choose_graders",
    "cohen_kappa",
    "disagreements",
    "get_grader",
    "gold_kind",
    "grade",
    "grader",
    "grader_names",
    "grading_attrs",
    "last_boxed",
    "normalize_answer",
]
