"""The lab's task family, teacher and reward."""

from __future__ import annotations

import random
import re

import pytest

from traceanalysis.lab.tasks import (
    HELD_OUT_KEYS,
    LEVELS,
    Problem,
    answers_match,
    apply_op,
    extract_boxed,
    held_out_problems,
    reward,
    terse_solution,
    training_problem,
)
from traceanalysis.lab.teacher import teacher_trace


@pytest.mark.parametrize(
    ("op", "state", "expected"),
    [
        ("inc", "0919", "1020"),
        ("dbl", "1596", "2082"),
        ("neg", "0137", "0973"),
        ("rev", "1234", "4321"),
        ("swp", "1234", "4231"),
        ("rot", "1234", "2341"),
    ],
)
def test_operations_by_hand(op: str, state: str, expected: str) -> None:
    assert apply_op(state, op) == expected


def test_unknown_operation_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown operation"):
        apply_op("1234", "mul")


def test_problem_prompt_and_answer() -> None:
    p = Problem("4821", ("rev", "inc", "dbl"))
    assert p.prompt == "Apply rev, inc, dbl to 4821."
    assert p.states() == ["4821", "1284", "2395", "4680"]
    assert p.answer == "4680"
    assert (
        terse_solution(p, random.Random(0))
        == "4821 rev>1284\n1284 inc>2395\n2395 dbl>4680\n\\boxed{4680}"
    )


def test_test_problems_are_seeded_distinct_and_held_out() -> None:
    a, b = held_out_problems(20), held_out_problems(20)
    assert [p.key for p in a] == [p.key for p in b]
    assert len({p.key for p in a}) == 20 * len(LEVELS)
    assert {p.level for p in a} == set(LEVELS)
    assert all(p.key in HELD_OUT_KEYS for p in a)
    new = [p for p in a if p.level == "new3"]
    assert all("rot" in p.ops for p in new)
    rng = random.Random(5)
    assert not any(training_problem(rng, 1, 1).key in HELD_OUT_KEYS for _ in range(500))


def test_reward_is_integer_comparison_of_last_box() -> None:
    assert reward("x \\boxed{1111} y \\boxed{0482}", "0482") == 1.0
    assert reward("\\boxed{482}", "0482") == 1.0  # math-verify reads both as 482
    assert reward("\\boxed{0483}", "0482") == 0.0
    assert reward("no box", "0482") == 0.0
    assert extract_boxed("\\boxed{ 12 }") == "12"
    assert not answers_match("12a", "0012")


def test_reward_agrees_with_math_verify() -> None:
    from math_verify import parse, verify

    rng = random.Random(1)
    for _ in range(30):
        gold = "".join(str(rng.randrange(10)) for _ in range(4))
        answer = gold if rng.random() < 0.5 else "".join(str(rng.randrange(10)) for _ in range(4))
        expected = verify(parse(f"\\boxed{{{gold}}}"), parse(f"\\boxed{{{answer}}}"))
        assert bool(reward(f"\\boxed{{{answer}}}", gold)) == bool(expected)


def test_teacher_traces_are_correct_and_reflective() -> None:
    rng = random.Random(0)
    traces = []
    for _ in range(200):
        p = training_problem(rng, 1, 7, ("inc", "rev", "swp", "dbl", "neg", "rot"))
        t = teacher_trace(p, rng)
        assert reward(t, p.answer) == 1.0
        traces.append(t)
        # the steps are exactly the correct terse solution; reflection follows the answer
        steps, tail = t.rsplit("\n", 1)
        assert steps == terse_solution(p, random.Random(0))
        assert "\\boxed" not in tail and not re.search(r"\d", re.sub(r"step \d", "", tail))
    text = "\n".join(traces)
    for phrase in (
        "Wait, let me check",
        "at first I thought",
        "Alternatively",
        "I must be careful",
    ):
        assert phrase in text
