"""The golden grading suite: every case in tests/grading/cases/*.json graded for real.

Each case states the verdict the SPEC (issue 12, docs/grading.md) requires; see
tests/grading/cases/README.md for the format. One ``grade`` call per grader grades every
case of that grader together; each case is its own run, so the grader that ``grade``
picks from the golds is picked from that case's gold alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from grading_helpers import samples

from traceanalysis.grading import grade

_CASES_DIR = Path(__file__).parent / "cases"
sys.path.insert(0, str(_CASES_DIR))  # worker processes import refresh_direct by name
import refresh_direct as refresh  # noqa: E402

CASES = refresh.load_cases(_CASES_DIR)


def _table(cases: list[dict]) -> pd.DataFrame:
    rows = [
        {
            "run": case["id"],
            "problem_id": "p",
            "sample_idx": 0,
            "response": case["response"],
            "gold": case["gold"],
            "finish_reason": case.get("finish_reason"),
        }
        for case in cases
    ]
    return samples(rows)


GROUPS: dict[str | None, list[dict]] = {}
for _case in CASES:
    GROUPS.setdefault(_case.get("grader"), []).append(_case)


def _graded(cases: list[dict], grader: str | None, tmp_path: Path) -> dict[str, dict]:
    """Grade ``cases`` in one ``grade`` call; the outcome of each case by id."""
    out = grade(_table(cases), grader=grader, cache_path=tmp_path / "golden.sqlite", workers=2)
    outcomes: dict[str, dict] = {}
    for case, (_, row) in zip(cases, out.iterrows(), strict=True):
        assert row["run"] == case["id"]
        outcomes[case["id"]] = {
            "status": row["grade_status"],
            "correct": None if pd.isna(row["correct"]) else bool(row["correct"]),
            "extracted": None if pd.isna(row["extracted"]) else str(row["extracted"]),
        }
    return outcomes


def _mismatch(case: dict, got: dict) -> str | None:
    """A one-line description of how ``got`` differs from what ``case`` expects, else None."""
    want = case["expected"]
    problems = []
    if got["status"] != want["status"]:
        problems.append(f"status {got['status']!r} != expected {want['status']!r}")
    if got["correct"] != want["correct"]:
        problems.append(f"correct {got['correct']} != expected {want['correct']}")
    if "extracted" in case and got["extracted"] != case["extracted"]:
        problems.append(f"extracted {got['extracted']!r} != expected {case['extracted']!r}")
    if not problems:
        return None
    return f"{case['_file']}:{case['id']}: " + "; ".join(problems)


def test_suite_is_big_enough_and_covers_every_grader() -> None:
    assert len(CASES) >= 300
    graders = {case.get("grader") for case in CASES}
    assert {None, "math", "text", "choice"} <= graders
    assert {case["expected"]["status"] for case in CASES} >= {
        "ok",
        "no_answer",
        "truncated",
        "ungraded",
        "parse_error",
    }


@pytest.mark.parametrize("grader", sorted(GROUPS, key=str), ids=lambda g: g or "auto")
def test_every_golden_case_gets_its_expected_verdict(grader: str | None, tmp_path: Path) -> None:
    cases = GROUPS[grader]
    outcomes = _graded(cases, grader, tmp_path)
    failures = [
        message for case in cases if (message := _mismatch(case, outcomes[case["id"]])) is not None
    ]
    assert not failures, f"{len(failures)} of {len(cases)} golden cases fail:\n" + "\n".join(
        failures
    )


@pytest.mark.timeout(600)
def test_math_verify_direct_fields_are_current_and_every_difference_has_a_why() -> None:
    direct = refresh.direct_verdicts(CASES, "default", workers=2)
    stale = [
        f"{c['id']}: stored {c.get('math_verify_direct', 'missing')}, math-verify says {d}"
        for c, d in zip(CASES, direct, strict=True)
        if c.get("math_verify_direct", "missing") != d
    ]
    assert not stale, "run tests/grading/cases/refresh_direct.py:\n" + "\n".join(stale)
    missing_why = [
        c["id"]
        for c, d in zip(CASES, direct, strict=True)
        if c["expected"]["correct"] != d and not c.get("why", "").strip()
    ]
    assert not missing_why, "cases that differ from math-verify without a why: " + ", ".join(
        missing_why
    )
