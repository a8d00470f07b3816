"""Hostile answers (issue 12, item 14): huge numbers, thousands of unclosed boxes.

What runs in the main process on a response — ``split_think``, the box scan, answer
statements, normalisation, the gold's items, the rational fast path, hashing — must be
linear and cheap; everything else runs in the workers under the per-item deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from grading_helpers import samples

from traceanalysis.grading import grade
from traceanalysis.grading.extract import find_boxes, normalize_answer, written_items
from traceanalysis.grading.fastpath import fast_verdict
from traceanalysis.grading.final_answer import extract_final_answer
from traceanalysis.metrics.answers import majority_vote

BIG = "9" * 5000


def test_a_5000_digit_box_is_graded_not_a_crash() -> None:
    df = samples(
        [
            {"response": rf"\boxed{{{BIG}}}", "gold": BIG},
            {"response": rf"\boxed{{{BIG}}}", "gold": "7"},
            {"response": rf"\boxed{{{BIG}1}}", "gold": BIG + "2"},
            {"response": rf"\boxed{{{BIG}1}}", "gold": BIG + "1.0"},
        ]
    )
    out = grade(df, workers=2)
    assert out["grade_status"].tolist() == ["ok"] * 4
    assert out["correct"].tolist() == [True, False, False, True]
    assert fast_verdict(BIG, BIG + "0") is None  # too long for the fast path: a worker's job
    assert majority_vote([normalize_answer(BIG)] * 2, [True, True]) is True


def _seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


HOSTILE: dict[str, Callable[[int], str]] = {
    "unclosed boxes": lambda n: "\\boxed{" * n,
    "unclosed boxes with text": lambda n: "so \\boxed{\\frac{7}{2} " * n,
    "open braces": lambda n: "{" * n + "\\boxed{1}",
    "nested boxes": lambda n: "\\boxed{" * n + "1" + "}" * n,
    "many boxes in a row": lambda n: "\\boxed{1}, " * n,
    "answer statements": lambda n: "The answer is 5. " * n,
    "spaces": lambda n: " " * (10 * n) + "\\boxed{1 ,  2}",
    "backslashes": lambda n: "\\" * (2 * n) + "{",
    "dollars": lambda n: "The answer is $" + "$" * n,
    "digit groups": lambda n: "\\boxed{1" + " 222" * n + ".5}",
    "text commands": lambda n: "The answer is \\text{" * n,
    "think tags": lambda n: "<think>" * n + "</think>" * n + "\\boxed{1}",
    "answer and spaces": lambda n: "The answer" + " " * (10 * n) + "x",
    "heading and spaces": lambda n: "Final answer" + " " * (10 * n) + "x",
    "open parens": lambda n: "The answer is therefore " + "\\(" * n,
    "answer tags": lambda n: "<answer>" * n + "</answer>",
    "statements on one line": lambda n: "The answer is not. " * n,
    "formulas joined": lambda n: "The answer is " + "$1$ and " * n,
    "asides": lambda n: "The answer is 1" + " (or" * n,
}


def _main_process_steps(text: str) -> None:
    found = extract_final_answer(text)
    if found.answer is not None:
        normalize_answer(found.answer)
        written_items(found.answer)
    normalize_answer(text)
    written_items(text)


@pytest.mark.parametrize("shape", HOSTILE)
def test_main_process_steps_are_linear(shape: str) -> None:
    make = HOSTILE[shape]
    small, large = make(10_000), make(100_000)
    _main_process_steps(small)  # warm up the regex caches
    t_small = min(_seconds(lambda: _main_process_steps(small)) for _ in range(3))
    t_large = min(_seconds(lambda: _main_process_steps(large)) for _ in range(2))
    # linear is 10x, quadratic 100x; 40x leaves room for a loaded 2-core machine
    assert t_large < max(40 * t_small, 0.2), (shape, t_small, t_large)
    assert t_large < 5.0, (shape, t_large)


def test_grading_100k_unclosed_boxes_is_fast_and_no_answer() -> None:
    df = samples([{"response": "\\boxed{" * 100_000, "gold": "1"}] * 3)
    elapsed = _seconds(lambda: grade(df))
    out = grade(df)
    assert out["grade_status"].tolist() == ["no_answer"] * 3
    assert elapsed < 5.0


def test_the_box_scan_finds_what_it_should() -> None:
    boxes, unclosed = find_boxes("\\boxed{" * 1000 + "\\boxed{2}")
    assert [b.content for b in boxes] == ["2"] and unclosed == 1000
