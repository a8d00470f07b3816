"""Metrics: pass@k, accuracy vs capability, maj@k, answer entropy, bootstrap CIs,
difficulty bins and transitions (arXiv 2505.14216). See docs/metrics.md."""

from __future__ import annotations

from traceanalysis.metrics.answers import answer_entropy, entropy_bits, majority_at_k
from traceanalysis.metrics.bootstrap import bootstrap_ci
from traceanalysis.metrics.crossing import Crossing, crossing_table, passk_crossing
from traceanalysis.metrics.difficulty import (
    COARSE_BINS,
    DIFFICULTY_BINS,
    assign_difficulty,
    difficulty_table,
    entropy_table,
    transition_table,
)
from traceanalysis.metrics.paired import comparisons_table, paired_bootstrap_ci, sign_flip_p
from traceanalysis.metrics.passk import (
    accuracy_capability,
    counted_rows,
    parse_ks,
    pass_at_k,
    pass_curve,
    problem_counts,
)
from traceanalysis.metrics.ragged import ragged_runs, ragged_sentences
from traceanalysis.metrics.reference import choose_reference
from traceanalysis.metrics.support import bh_qvalues, out_of_reach_bound, support_table
from traceanalysis.metrics.tables import accuracy_table, complete_ks, passk_table, status_rates

__all__ = [
    "COARSE_BINS",
    "DIFFICULTY_BINS",
    "Crossing",
    "accuracy_capability",
    "accuracy_table",
    "answer_entropy",
    "assign_difficulty",
    "bh_qvalues",
    "bootstrap_ci",
    "choose_reference",
    "comparisons_table",
    "complete_ks",
    "counted_rows",
    "crossing_table",
    "difficulty_table",
    "entropy_bits",
    "entropy_table",
    "majority_at_k",
    "out_of_reach_bound",
    "paired_bootstrap_ci",
    "parse_ks",
    "pass_at_k",
    "pass_curve",
    "passk_crossing",
    "passk_table",
    "problem_counts",
    "ragged_runs",
    "ragged_sentences",
    "sign_flip_p",
    "status_rates",
    "support_table",
    "transition_table",
]
