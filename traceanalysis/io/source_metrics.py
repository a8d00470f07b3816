"""Which of an input's own metrics says whether a response is correct.

lm-eval, lighteval and inspect_ai store several metrics per document; only some of them
mean correctness. ``source_correct`` comes from the first metric of a file whose name is
in :data:`CORRECTNESS_METRICS` (or matches ``pass@1``), in the file's own order, unless
``--source-metric NAME`` picks one. Every numeric metric is kept in ``source_scores``.
A value only reads as a label when it is 0/1 (or a boolean); anything else (0.5, an
average over samples) is passed on raw and nulled, with a counted reason, by coercion.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

# The columns a reader of a per-document eval file (lm-eval, lighteval, SkyThought, Qwen
# eval JSONL) writes: identity, texts, the gold and where it came from, the source scores.
READER_COLUMNS: tuple[str, ...] = (
    "problem_id",
    "source_problem_id",
    "sample_idx",
    "prompt",
    "response",
    "gold",
    "gold_field",
    "source_correct",
    "source_metric",
    "source_scores",
    "source_line",
)

# Metric names whose per-document value is 1 for a correct answer and 0 otherwise.
CORRECTNESS_METRICS: tuple[str, ...] = (
    "exact_match",
    "em",
    "acc",
    "acc_norm",
    "accuracy",
    "correct",
    "is_correct",
    "correctness",
    "pass@1",
    "extractive_match",
    "quasi_exact_match",
    "prefix_exact_match",
    "prefix_quasi_exact_match",
    "loglikelihood_acc",
    "loglikelihood_acc_norm",
    "prompt_level_strict_acc",
    "prompt_level_loose_acc",
    # truthfulqa_gen: 1 when the answer is closer (BLEU) to a true than to a false answer;
    # it is the accuracy that task reports (bleu_max / bleu_diff are not).
    "bleu_acc",
)
_NAMES = frozenset(CORRECTNESS_METRICS)
# lighteval: math_pass@1:1_samples, gpqa_pass@1:4_samples, pass@k:k=1&n=1.
_PASS_AT_1 = re.compile(r"(?:[a-z0-9]+_)*pass@1(?::.*)?|(?:[a-z0-9]+_)*pass@k:k=1(?:&.*)?")


def base_name(name: str) -> str:
    """``exact_match`` from lm-eval's ``exact_match,strict-match``; lowercased."""
    return name.split(",", 1)[0].strip().lower()


def is_correctness_metric(name: str) -> bool:
    """True for a metric whose 0/1 value means correct/incorrect (the documented list)."""
    base = base_name(name)
    return base in _NAMES or bool(_PASS_AT_1.fullmatch(base))


def choose_metric(names: Iterable[str], requested: str | None = None) -> str | None:
    """The metric that becomes ``source_correct``: ``requested`` when given, else the
    first correctness metric of ``names`` (kept in their order); None when there is none.

    ``requested`` matches a name exactly, else the first name whose base name (before an
    lm-eval ``,filter``) is ``requested``: ``exact_match`` picks ``exact_match,strict-match``.
    """
    ordered = list(dict.fromkeys(names))
    if requested:
        if requested in ordered:
            return requested
        wanted = base_name(requested)
        return next((n for n in ordered if base_name(n) == wanted), None)
    return next((n for n in ordered if is_correctness_metric(n)), None)


def is_number(value: Any) -> bool:
    """A finite int/float/bool (numpy scalars included)."""
    if isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, (int, float, np.integer, np.floating)):
        return math.isfinite(float(value))
    return False


def plain(value: Any) -> Any:
    """numpy scalars as Python values, for JSON."""
    return value.item() if isinstance(value, np.generic) else value


def numeric_scores(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The numeric entries of ``metrics`` (strings, lists and NaN left out)."""
    return {str(k): plain(v) for k, v in metrics.items() if is_number(v)}


def scores_json(scores: Mapping[str, Any]) -> str | None:
    """``source_scores`` text: a JSON object, or None when there are no scores."""
    if not scores:
        return None
    return json.dumps({k: plain(v) for k, v in scores.items()}, ensure_ascii=False, default=str)


def missing_metric_note(requested: str, names: Iterable[str]) -> str:
    """Why a file has no source label under ``--source-metric``."""
    found = ", ".join(dict.fromkeys(names)) or "none"
    return f"--source-metric {requested}: not among this file's metrics ({found})"
