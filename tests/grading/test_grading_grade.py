"""grade(): statuses, deduplication, the SQLite cache, deadlines, agreement with input labels."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from grading_helpers import deaf_worker, samples

from traceanalysis.engine.registry import get_stage
from traceanalysis.grading import agreement_summary, cohen_kappa, disagreements, grade
from traceanalysis.grading.cache_store import storable
from traceanalysis.grading.pool import VerifierPool
from traceanalysis.grading.verifier import Job


def _repeated() -> pd.DataFrame:
    answers = [
        r"\boxed{\frac{\sqrt{2}}{2}}",
        r"\boxed{\dfrac{\sqrt2}{2}}",
        r"\boxed{\frac{1}{\sqrt{2}}}",
        r"\boxed{\sqrt{2}}",
    ] * 5
    return samples(
        [
            {"problem_id": "p", "sample_idx": i, "response": a, "gold": r"\sqrt{2}/2"}
            for i, a in enumerate(answers)
        ]
    )


def test_duplicates_are_verified_once_and_rerun_verifies_nothing(
    monkeypatch, _private_cache: Path
) -> None:
    sent: list[Job] = []
    real_run = VerifierPool.run

    def counting_run(self, jobs, on_outcome):
        jobs = list(jobs)
        sent.extend(jobs)
        return real_run(self, jobs, on_outcome)

    monkeypatch.setattr(VerifierPool, "run", counting_run)
    df = _repeated()
    first = grade(df, workers=2)
    # 20 responses, 3 distinct answers: \dfrac{\sqrt2}{2} normalises to \frac{\sqrt{2}}{2}
    assert first.attrs["grading"]["n_unique"] == len(sent) == 3
    assert first["correct"].tolist() == [True, True, True, False] * 5
    assert set(first["grade_status"]) == {"ok"}
    sent.clear()
    second = grade(df, workers=2)
    assert sent == []
    assert second.attrs["grading"]["n_verified"] == 0
    assert second.attrs["grading"]["n_cached"] == 3
    pd.testing.assert_frame_equal(first, second)
    rows = sqlite3.connect(_private_cache).execute("SELECT COUNT(*) FROM grade_cache").fetchone()
    assert rows == (3,)


def test_cache_key_includes_options(monkeypatch) -> None:
    df = samples([{"response": r"\boxed{2}", "gold": "2, 3"}])
    assert bool(grade(df)["correct"].iloc[0]) is True
    strict = grade(df, strict_sets=True)
    assert strict.attrs["grading"]["n_verified"] == 1
    assert bool(strict["correct"].iloc[0]) is False


def test_statuses_and_nullability() -> None:
    df = samples(
        [
            {"response": r"\boxed{4}", "gold": "4"},
            {"response": r"\boxed{5}", "gold": "4"},
            {"response": "nothing to see", "gold": "4"},
            {"response": r"<think>\boxed{4}", "gold": "4"},
            {"response": r"\boxed{4}", "gold": "4", "truncated": True},
            {"response": r"\boxed{4}", "gold": None},
            {"response": r"\boxed{4}", "gold": "   "},
        ]
    )
    out = grade(df)
    assert out["grade_status"].tolist() == [
        "ok",
        "ok",
        "no_answer",
        "truncated",
        "truncated",
        "ungraded",
        "ungraded",
    ]
    assert out["correct"].tolist()[:5] == [True, False, False, False, False]
    assert out["correct"].iloc[5:].isna().all()
    assert str(out["correct"].dtype) == "boolean"
    assert str(out["extracted"].dtype).startswith("string")


def test_adversarial_latex_finishes_within_the_deadline() -> None:
    nested = "1"
    for _ in range(300):
        nested = r"\frac{1}{1+" + nested + "}"
    answers = [
        r"10^{10^{10^{10}}}",
        r"9^{9^{9^{9^{9}}}}",
        nested,
        r"\sqrt{" * 200 + "2" + "}" * 200,
        r"(x+1)^{100000} - (x-1)^{100000}",
        "{" * 500 + "1" + "}" * 500,
    ]
    df = samples([{"response": rf"\boxed{{{a}}}", "gold": "7"} for a in answers])
    start = time.monotonic()
    out = grade(df, workers=2, timeout=1.0)
    elapsed = time.monotonic() - start
    # 6 items, 2 workers, 1 s each plus the 1 s kill grace plus worker start-up
    assert elapsed < 20
    assert set(out["grade_status"]) <= {"timeout", "ok", "parse_error"}
    assert "timeout" in set(out["grade_status"])
    assert not out["correct"].fillna(False).any()
    timed_out = out["grade_status"] == "timeout"
    assert out.loc[timed_out, "correct"].isna().all()


def test_a_worker_that_ignores_its_alarm_is_killed_and_replaced() -> None:
    pool = VerifierPool(1, timeout=2.0, grace=1.0, target=deaf_worker)
    jobs = [Job("a", "hang", "1"), Job("b", "1", "1")]
    outcomes = {}
    start = time.monotonic()
    stats = pool.run(jobs, lambda o: outcomes.__setitem__(o.key, o))
    assert time.monotonic() - start < 15
    assert stats.killed == 1
    assert outcomes["a"].status == "timeout" and outcomes["a"].correct is None
    assert outcomes["b"].status == "ok" and outcomes["b"].correct is True
    # A kill on wall-clock time may come from the machine's load: never cached.
    assert not storable(outcomes["a"]) and storable(outcomes["b"])


def test_a_cached_timeout_is_retried_with_a_longer_deadline() -> None:
    df = samples([{"response": r"\boxed{(x+1)^{100000} - (x-1)^{100000}}", "gold": "7"}])
    assert grade(df, timeout=0.2)["grade_status"].iloc[0] == "timeout"
    again = grade(df, timeout=0.2)
    assert again.attrs["grading"]["n_verified"] == 0
    longer = grade(df, timeout=0.4)
    assert longer.attrs["grading"]["n_verified"] == 1


_KILLED_RUN = """
import sys
import pandas as pd
from traceanalysis.schema import coerce_core_dtypes
from traceanalysis.grading import grade
rows = [dict(run="r", problem_id=str(i), sample_idx=0,
             response=f"\\\\boxed{{{i}\\\\pi}}", gold=f"{i % 7}\\\\pi")
        for i in range(120)]
if __name__ == "__main__":
    grade(coerce_core_dtypes(pd.DataFrame(rows)), workers=1, cache_path=sys.argv[1])
"""


def test_a_killed_run_resumes(tmp_path: Path) -> None:
    script = tmp_path / "killed_run.py"
    script.write_text(_KILLED_RUN, encoding="utf-8")
    cache = tmp_path / "killed.sqlite"
    proc = subprocess.Popen([sys.executable, str(script), str(cache)])
    done = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            if cache.exists():
                try:
                    done = (
                        sqlite3.connect(cache)
                        .execute("SELECT COUNT(*) FROM grade_cache")
                        .fetchone()[0]
                    )
                except sqlite3.OperationalError:
                    continue
                if done >= 8:
                    break
    finally:
        proc.kill()
        proc.wait()
    assert 8 <= done < 120, "the run should have been killed part-way"
    kept = sqlite3.connect(cache).execute("SELECT COUNT(*) FROM grade_cache").fetchone()[0]
    rows = [
        {"problem_id": str(i), "response": f"\\boxed{{{i}\\pi}}", "gold": f"{i % 7}\\pi"}
        for i in range(120)
    ]
    resumed = grade(samples(rows), workers=2, cache_path=cache)
    info = resumed.attrs["grading"]
    assert info["n_cached"] == kept
    # i < 7 equals its gold as a string and needs no math-verify call: 113 unique jobs
    assert info["n_unique"] == 113
    assert info["n_verified"] == 113 - kept
    expected = [i == i % 7 for i in range(120)]
    assert resumed["correct"].tolist() == expected


def test_grade_is_a_registered_stage() -> None:
    from traceanalysis.grading.stages import grade_rows

    stage = get_stage("grade")
    assert stage.func is grade_rows and stage.needs == ("graders",)
    assert set(stage.adds) == {"extracted", "correct", "grade_status", "grader"}


def test_agreement_with_source_labels() -> None:
    df = samples(
        [
            {"response": r"\boxed{2}", "gold": "2", "source_correct": True},
            {"response": r"\boxed{3}", "gold": "2", "source_correct": False},
            {"response": r"\boxed{2.0}", "gold": "2", "source_correct": False},
            {"response": r"\boxed{5}", "gold": "2", "source_correct": True},
            {"response": r"\boxed{5}", "gold": None, "source_correct": True},
        ]
    )
    out = grade(df)
    summary = agreement_summary(out)
    assert summary["n_both"].tolist() == [4]
    assert summary["agreement"].tolist() == [0.5]
    listed = disagreements(out)
    assert listed["problem_id"].tolist() == ["2", "3"]
    # kappa by hand: p_o = 0.5, ours 50% True, theirs 50% True -> p_e = 0.5 -> kappa 0
    assert summary["kappa"].iloc[0] == 0.0


def test_cohen_kappa_matches_the_two_by_two_closed_form() -> None:
    import numpy as np

    rng = np.random.default_rng(3)
    a = rng.random(200) < 0.6
    b = np.where(rng.random(200) < 0.8, a, ~a)
    tp, fn = int((a & b).sum()), int((a & ~b).sum())
    fp, tn = int((~a & b).sum()), int((~a & ~b).sum())
    closed = 2 * (tp * tn - fn * fp) / ((tp + fp) * (fp + tn) + (tp + fn) * (fn + tn))
    assert abs(cohen_kappa(a, b) - closed) < 1e-12


def test_grading_a_text_run_never_loads_math_verify() -> None:
    """The registry's promise: math-verify is imported only when the math grader runs."""
    import subprocess
    import sys

    code = (
        "import sys, pandas as pd\n"
        "from traceanalysis.grading import grade\n"
        "df = pd.DataFrame({'run': ['r'] * 2, 'problem_id': ['a', 'b'],\n"
        "                   'response': ['Answer: Yes', 'No'], 'gold': ['Yes', 'No']})\n"
        "out = grade(df)\n"
        "print(sorted(set(out['grader'])), 'math_verify' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[0] == "['text'] False"
