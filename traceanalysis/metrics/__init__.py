"""Metrics: pass@k, accuracy vs capability, maj@k, answer entropy, bootstrap CIs,
difficulty bins and transitions (arXiv 2505.14216). See docs/metrics.md."""

from __future__ import annotations

from traceanalysis.metrics.answers import answer_entropy, entropy_bits, majority_at_k
from traceanalysis.metrics.bootstrap import bootstrap_ci
from traceanalysis.metrics.crossing import Crossing, passk_crossing
from traceanalysis.metrics.difficulty import (
    COARSE_BINS,
    DIFFICULTY_BINS,
    assign_difficulty,
    difficulty_table,
    entropy_table,
    transition_table,
)
from traceanalysis.metrics.passk import (
    accuracy_capability,
    pass_at_k,
    pass_curve,
    problem_counts,
)
from traceanalysis.metrics.reference import choose_reference
from traceanalysis.metrics.tables import accuracy_table, passk_table, status_rates

__all__ = [
    "COARSE_BINS",
    "DIFFICULTY_BINS",
    "Crossing",
    "accuracy_capability",
    "accuracy_table",
    "answer_entropy",
    "assign_difficulty",
    "bootstrap_ci",
    "choose_reference",
    "difficulty_table",
    "entropy_bits",
    "entropy_table",
    "majority_at_k",
    "pass_at_k",
    "pass_curve",
    "passk_crossing",
    "passk_table",
    "problem_counts",
    "status_rates",
    "transition_table",
]
