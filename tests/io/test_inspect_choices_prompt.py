"""An inspect_ai multiple-choice sample's prompt holds its options (real inspect_ai logs)."""

from __future__ import annotations

import shutil
from pathlib import Path

from traceanalysis.io import load_runs

LOGS = Path(__file__).parents[1] / "fixtures" / "real" / "out" / "inspect" / "eval"


def test_the_choice_log_prompt_lists_its_options() -> None:
    (log,) = LOGS.glob("*lab-choice*.eval")
    df = load_runs(log)
    first = df.sort_values("source_problem_id").iloc[0]
    # sample 1: input "Apply dbl to 1019.", choices 2928 / 2028 / 2008 / 5028
    assert first["prompt"] == "Apply dbl to 1019.\n\nA) 2928\nB) 2028\nC) 2008\nD) 5028"
    open_logs = load_runs(next(LOGS.glob("*lab-math*.eval")))
    assert "\nA) " not in "".join(open_logs["prompt"].tolist())  # no choices: unchanged


def test_an_open_question_and_its_multiple_choice_form_are_not_one_problem(
    tmp_path: Path,
) -> None:
    # The math and the choice task ask the same questions ("Apply dbl to 1019."): as two
    # runs they must not be matched by prompt (their golds are 2028 and "B").
    for log in [*LOGS.glob("*lab-math*.eval"), *LOGS.glob("*lab-choice*.eval")]:
        shutil.copy(log, tmp_path / log.name)
    df = load_runs(tmp_path)
    report = df.attrs["problem_match"]
    assert report["counts"] == {}
    assert len(report["unmatched"]) == report["n_problems"] == 8 + 6
    assert df.groupby("problem_id")["run"].nunique().max() == 1
