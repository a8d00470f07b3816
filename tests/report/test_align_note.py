"""The data section's note when no problem is in every run says only what the data shows."""

from __future__ import annotations

import pandas as pd

from traceanalysis.io.align import align_problems


def _frame(problems: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(run, p) for run, ps in problems.items() for p in ps]
    return pd.DataFrame(rows, columns=["run", "problem_id"])


def test_two_of_three_runs_sharing_problems_is_not_called_sharing_none() -> None:
    df = _frame({"a": ["1", "2"], "b": ["1", "2"], "c": ["9"]})
    out, record = align_problems(df)
    assert len(out) == len(df)  # nothing dropped
    (note,) = record["notes"]
    assert "share no problem" not in note
    assert note.startswith("No problem is in every run")


def test_runs_that_share_nothing_are_said_to_share_nothing() -> None:
    df = _frame({"a": ["1"], "b": ["2"], "c": ["3"]})
    out, record = align_problems(df)
    assert len(out) == len(df)
    assert record["notes"] == [
        "The runs share no problem: each run is analysed on its own problems."
    ]
