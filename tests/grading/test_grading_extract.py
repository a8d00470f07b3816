"""Golden extraction cases (tests/fixtures/grading/extraction_cases.json) and the box parser."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from grading_helpers import samples

from traceanalysis.grading import grade, last_boxed, normalize_answer
from traceanalysis.grading.extract import find_boxes, written_items

CASES = json.loads(
    (Path(__file__).parents[1] / "fixtures/grading/extraction_cases.json").read_text("utf-8")
)


@pytest.mark.parametrize("strict", [False, True])
def test_golden_cases(strict: bool) -> None:
    cases = [c for c in CASES if c.get("strict_sets", False) == strict]
    df = samples(
        [
            {
                "response": c["response"],
                "gold": c["gold"],
                "finish_reason": c.get("finish_reason", "stop"),
            }
            for c in cases
        ]
    )
    out = grade(df, strict_sets=strict, timeout=10.0)
    for case, (_, row) in zip(cases, out.iterrows(), strict=True):
        got = {
            "extracted": None if pd.isna(row["extracted"]) else row["extracted"],
            "grade_status": row["grade_status"],
            "correct": None if pd.isna(row["correct"]) else bool(row["correct"]),
        }
        expected = {k: case[k] for k in ("extracted", "grade_status", "correct")}
        assert got == expected, case["name"]


def test_cases_cover_the_required_kinds() -> None:
    names = " ".join(c["name"] for c in CASES)
    for kind in (
        "nested",
        "multiple boxes",
        "text",
        "units",
        "percentage",
        "interval",
        "set",
        "matrix",
        "think",
        "truncated",
    ):
        assert kind in names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\boxed{a{b}c} and \boxed{d}", "d"),
        (r"\boxed{\{1,2\}}", r"\{1,2\}"),
        (r"\fbox{1} then \boxed{2} then \fbox{3}", "3"),
        (r"\boxed{3", None),
        (r"\boxedfoo{3}", None),
        (r"\boxed 42$ end", "42"),
        (r"\boxed{\begin{pmatrix}1\\2\end{pmatrix}}", r"\begin{pmatrix}1\\2\end{pmatrix}"),
        ("no box", None),
        (r"\boxed{\boxed{5}}", "5"),
        (r"\boxed{\frac{7}{2}", None),
        (r"\boxed{\frac{7}{2} and later \boxed{3}", "3"),
        (r"\boxed{a \} b}", r"a \} b"),
        (r"} stray \boxed{1}", "1"),
    ],
)
def test_last_boxed(text: str, expected: str | None) -> None:
    assert last_boxed(text) == expected


def test_normalize_answer_only_removes_layout() -> None:
    assert normalize_answer(r" \left( \dfrac{1}{2} , 3 \right) . ") == r"(\frac{1}{2},3)"
    assert normalize_answer(r"$x \, = \! 5$") == "x=5"
    assert normalize_answer(r"\sqrt{2}") == r"\sqrt{2}"
    assert normalize_answer(r"5 \sqrt3 x^{2}") == r"5\sqrt{3}x^2"
    assert normalize_answer(r"\frac12") == normalize_answer(r"\tfrac{1}{2}") == r"\frac{1}{2}"
    assert normalize_answer(r"x \rightarrow \leftarrow") == r"x\rightarrow\leftarrow"
    assert normalize_answer("1, 2, ...") == "1,2,..."


def test_find_boxes_returns_top_level_boxes_and_counts_unclosed() -> None:
    boxes, unclosed = find_boxes(r"\boxed{1} x \fbox{\boxed{2}+1} \boxed{3")
    assert [(b.content, b.start) for b in boxes] == [("1", 0), (r"\boxed{2}+1", 12)]
    assert unclosed == 1


@pytest.mark.parametrize(
    ("gold", "items"),
    [
        ("1331, 1728", ("1331", "1728")),
        ("1331 and 1728", ("1331", "1728")),
        (r"\{1, 2\}", ("1", "2")),
        ("1,728", ()),
        (r"\pm 2021", ()),
        ("(1, 2)", ()),
        (r"2 \pm 1; 5", (r"2\pm 1", "5")),
    ],
)
def test_written_items(gold: str, items: tuple[str, ...]) -> None:
    assert written_items(gold) == items
