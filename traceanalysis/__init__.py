"""traceanalysis: accuracy vs capability, trace language and cognitive behaviours of
reasoning language models.

The curated public API (imported lazily so ``import traceanalysis`` stays light):

- :func:`load_runs` — a runs folder -> the samples table (``df.attrs["rejections"]``)
- :func:`grade` — add ``extracted``, ``correct``, ``grade_status``
- :func:`pass_at_k`, :func:`accuracy_table`, :func:`difficulty_table` — metrics
- :func:`count_lexicons` — lexicon counts, presence and rates per 1k tokens
- :func:`tag_behaviors` — rule-tagged cognitive behaviours
- :func:`judge_behaviors`, :func:`behaviors_table` — LLM-judged behaviours, the behaviors table
- :func:`audit` — does length / keyword use predict correctness
- :func:`analyze`, :func:`build_report` — the whole pipeline
- :func:`generate_run` — sample a run from a causal LM (:class:`GenerationSpec`)
- :func:`stage`, :func:`table` — register an outside stage or table (a plugin: ``--plugin``)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_runs": "traceanalysis.io",
    "validate_samples": "traceanalysis.schema",
    "RunInfo": "traceanalysis.schema",
    "Rejection": "traceanalysis.schema",
    "grade": "traceanalysis.grading",
    "pass_at_k": "traceanalysis.metrics",
    "accuracy_table": "traceanalysis.metrics",
    "difficulty_table": "traceanalysis.metrics",
    "assign_difficulty": "traceanalysis.metrics",
    "choose_reference": "traceanalysis.metrics",
    "count_lexicons": "traceanalysis.lexical",
    "load_lexicons": "traceanalysis.lexical",
    "tag_behaviors": "traceanalysis.behaviors",
    "judge_behaviors": "traceanalysis.behaviors",
    "behaviors_table": "traceanalysis.behaviors",
    "audit": "traceanalysis.audit",
    "analyze": "traceanalysis.pipeline",
    "build_report": "traceanalysis.pipeline",
    "ReportOptions": "traceanalysis.pipeline",
    "generate_run": "traceanalysis.generate",
    "GenerationSpec": "traceanalysis.generate",
    "get_stage": "traceanalysis.engine.registry",
    "list_stages": "traceanalysis.engine.registry",
    "stage": "traceanalysis.engine.registry",
    "table": "traceanalysis.engine.registry",
    "grader": "traceanalysis.grading.registry",
    "judge_backend": "traceanalysis.behaviors.judge_registry",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'traceanalysis' has no attribute {name!r}")
