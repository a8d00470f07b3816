"""An unmatched problem's reason is true: a prompt that another run holds several times is
not 'no problem with the same prompt' (real inspect_ai and lm-eval outputs)."""

from __future__ import annotations

import shutil
from pathlib import Path

from traceanalysis.io import load_runs

REAL = Path(__file__).parents[1] / "fixtures" / "real" / "out"


def test_a_prompt_crowded_in_another_run_is_named_as_the_reason(tmp_path: Path) -> None:
    # lm-eval asks each question in three tasks (lab_math_gen/_len/_maj): its prompts cannot
    # be told apart there, so inspect's lab_math problems stay unmatched for that reason.
    shutil.copytree(REAL / "inspect" / "eval", tmp_path / "lab-inspect")
    shutil.copytree(REAL / "lm_eval" / "lab-rlvr", tmp_path / "lab-lm-eval")
    df = load_runs(tmp_path)
    report = df.attrs["problem_match"]
    assert sum(report["counts"].values()) + len(report["unmatched"]) == report["n_problems"]
    reasons = {(u["run"], u["problem_id"]): u["reason"] for u in report["unmatched"]}
    assert (
        reasons[("lab-inspect", "lab_math/ops1-0")]
        == "its prompt is shared by several problems of run lab-lm-eval"
    )
    # lab_yesno asks other questions: nothing anywhere has its prompt
    assert reasons[("lab-inspect", "lab_yesno/1")] == (
        "no problem with the same id or the same prompt in another run"
    )
    assert reasons[("lab-lm-eval", "lab_math_gen/0")].startswith(
        "its prompt is shared by 3 problems of this run"
    )
