"""maj@k of samples judged by the input's own labels (grader ``source``) is undefined.

The source grader extracts no answer, so its samples cannot vote: maj@k must be NaN, not
0% (which is what counting "no vote" as wrong would state).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceanalysis.metrics.answers import majority_at_k
from traceanalysis.metrics.paired import comparisons_table
from traceanalysis.metrics.tables import accuracy_table


def _rows(run: str, grader: str, correct: list[list[bool]], answers: bool) -> list[dict]:
    rows = []
    for p, flags in enumerate(correct):
        for i, ok in enumerate(flags):
            rows.append(
                {
                    "run": run,
                    "role": "base" if run == "a" else "rl",
                    "problem_id": f"q{p}",
                    "sample_idx": i,
                    "extracted": ("1" if ok else "2") if answers else None,
                    "correct": ok,
                    "grade_status": "ok",
                    "grader": grader,
                }
            )
    return rows


def _table() -> pd.DataFrame:
    flags = [[True, True, False], [False, False, True], [True, True, True]]
    rows = _rows("a", "math", flags, answers=True) + _rows("b", "source", flags, answers=False)
    df = pd.DataFrame(rows)
    df["correct"] = df["correct"].astype("boolean")
    df["sample_idx"] = df["sample_idx"].astype("Int64")
    return df


def test_source_graded_problems_have_no_majority_vote():
    maj = majority_at_k(_table())
    a = maj.loc[maj["run"] == "a", "maj"].tolist()
    assert a == [1.0, 0.0, 1.0]  # brute force: answer "1" wins on q0 and q2, "2" on q1
    assert maj.loc[maj["run"] == "b", "maj"].isna().all()


def test_accuracy_table_states_no_maj_for_source_runs_but_pass1():
    table = accuracy_table(_table(), n_boot=50).set_index("run")
    assert np.isnan(table.loc["b", "maj@3"])
    assert table.loc["a", "maj@3"] == 2 / 3
    assert table.loc["b", "pass@1"] == table.loc["a", "pass@1"] == (2 / 3 + 1 / 3 + 1) / 3


def test_comparisons_skip_maj_when_a_side_cannot_vote():
    table = comparisons_table(_table(), [("b", "a")], n_boot=50, n_perm=100)
    assert "pass@1" in set(table["metric"])
    assert not any(m.startswith("maj@") for m in table["metric"])
