"""maj@k and answer entropy against hand counts and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from metrics_helpers import graded
from scipy.stats import entropy

from traceanalysis.metrics import answer_entropy, entropy_bits, majority_at_k
from traceanalysis.metrics.answers import majority_vote


def _rows(answers: list[str | None], gold: str, pid: str = "p", run: str = "m") -> list[dict]:
    return [
        {
            "run": run,
            "problem_id": pid,
            "sample_idx": i,
            "extracted": a,
            "correct": (a == gold) if a is not None else False,
            "grade_status": "ok" if a is not None else "no_answer",
        }
        for i, a in enumerate(answers)
    ]


def test_majority_and_ties_go_to_the_first_seen_answer() -> None:
    assert majority_vote(["3", "4", "4"], [False, True, True]) is True
    assert majority_vote(["3", "4", "4", "3"], [False, True, True, False]) is False
    assert majority_vote(["4", "3", "3", "4"], [True, False, False, True]) is True
    assert majority_vote([], []) is False


def test_majority_at_k_uses_the_first_k_samples_and_normalised_answers() -> None:
    rows = _rows([r"\frac{1}{2}", r"\dfrac{1}{2}", "3", "3", "3"], r"\frac{1}{2}")
    rows[1]["correct"] = True  # same value as the gold
    df = graded(rows)
    assert majority_at_k(df, 2)["maj"].tolist() == [1.0]
    assert majority_at_k(df, 4)["maj"].tolist() == [1.0]  # 2 vs 2: \frac{1}{2} seen first
    assert majority_at_k(df)["maj"].tolist() == [0.0]
    assert majority_at_k(df, 6).empty  # fewer than 6 samples


def test_no_answer_rows_do_not_vote() -> None:
    df = graded(_rows([None, None, None, "2"], "2"))
    assert majority_at_k(df)["maj"].tolist() == [1.0]
    assert majority_at_k(graded(_rows([None, None], "2")))["maj"].tolist() == [0.0]


def test_entropy_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    answers = [str(x) for x in rng.integers(0, 5, size=64)]
    _, counts = np.unique(answers, return_counts=True)
    assert entropy_bits(answers) == pytest.approx(entropy(counts, base=2))
    assert entropy_bits(["7"] * 9) == 0.0
    assert np.isnan(entropy_bits([]))


def test_answer_entropy_per_problem() -> None:
    df = graded(_rows(["1", "1", "2", "3"], "1", pid="a") + _rows([None, None], "1", pid="b"))
    table = answer_entropy(df).set_index("problem_id")
    assert table.loc["a", "entropy"] == pytest.approx(entropy([2, 1, 1], base=2))
    assert table.loc["a", "n_answers"] == 4
    assert np.isnan(table.loc["b", "entropy"]) and table.loc["b", "n_answers"] == 0
