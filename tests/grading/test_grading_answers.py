"""Which answer a response gives, and its verdict: the defects of issue 12, item 13.

Every case runs through the real grader (real math-verify workers, a private SQLite cache).
"""

from __future__ import annotations

import pandas as pd
import pytest
from grading_helpers import samples

from traceanalysis.grading import grade
from traceanalysis.grading.final_answer import extract_final_answer

# (name, response, gold, extracted, status, correct)
CASES = [
    ("items are not thousands", r"\boxed{32, 349}", "32349", "32, 349", "ok", False),
    ("items are not thousands 2", r"\boxed{1, 200}", "1200", "1, 200", "ok", False),
    ("thousands separator", r"\boxed{1,200}", "1200", "1,200", "ok", True),
    ("thin-space thousands", r"\boxed{10\,455}", "10455", r"10\,455", "ok", True),
    ("MATH-style thousands", r"\boxed{10,\!455}", "10455", r"10,\!455", "ok", True),
    ("one root of a pm gold", r"\boxed{2021}", r"\pm 2021", "2021", "ok", False),
    ("both roots of a pm gold", r"\boxed{\pm 2021}", r"\pm 2021", r"\pm 2021", "ok", True),
    ("pm answer vs one gold", r"\boxed{\pm 2021}", "2021", r"\pm 2021", "ok", False),
    ("roots as a list", r"\boxed{2021, -2021}", r"\pm 2021", "2021, -2021", "ok", True),
    ("one item of a list gold", r"\boxed{1728}", "1331, 1728", "1728", "ok", True),
    ("one item of an and-list", r"\boxed{1728}", "1331 and 1728", "1728", "ok", True),
    ("not an item of a list gold", r"\boxed{1729}", "1331, 1728", "1729", "ok", False),
    (
        "three boxes one answer",
        r"The solutions are \boxed{1}, \boxed{2} and \boxed{3}.",
        r"1, 2, 3",
        "1, 2, 3",
        "ok",
        True,
    ),
    ("boxes with x =", r"So $x = \boxed{1}$ or $x = \boxed{2}$.", "1, 2", "1, 2", "ok", True),
    (
        "boxes in different sentences",
        "First \\boxed{3} is the width.\nSo the total is \\boxed{7}.",
        "7",
        "7",
        "ok",
        True,
    ),
    (
        "a later final answer beats a box",
        r"We get $x=\boxed{5}$ for the first part. Adding up, the final answer is $10,455$.",
        "10455",
        "10,455",
        "ok",
        True,
    ),
    ("Final Answer line", "So...\n\nFinal Answer: 17", "17", "17", "ok", True),
    (
        "The answer is after a box",
        "\\boxed{3} was a guess.\nThe answer is $\\frac{1}{2}$.",
        "0.5",
        r"\frac{1}{2}",
        "ok",
        True,
    ),
    ("bare algebra", "Integrating, the answer is x^2/2", r"\frac{x^2}{2}", "x^2/2", "ok", True),
    (
        "bare algebra wrong",
        "Integrating, the answer is x^2/3",
        r"\frac{x^2}{2}",
        "x^2/3",
        "ok",
        False,
    ),
    (
        "GSM8K A: with a continuation",
        "Natalia sold 48 clips... A: 51\n\nQ: Tom has 5 apples and",
        "51",
        "51",
        "ok",
        True,
    ),
    ("GSM8K ####", "She has 48 + 3 = 51 clips.\n#### 51", "51", "51", "ok", True),
    ("answer with a unit", "The answer is 18 dollars.", "18", "18", "ok", True),
    ("price answer", "The answer is $18.", "18", "18", "ok", True),
    (
        "cut-off trace",
        "Let me compute 3 + 4 = 7 and then we square the value of",
        "7",
        None,
        "no_answer",
        False,
    ),
    (
        "a statement on the way of a cut-off trace",
        "So the answer is 42? Wait, let me re-check the comput",
        "42",
        None,
        "no_answer",
        False,
    ),
    (
        "a statement then a finished check",
        "The answer is 42. Let me double check: 6 times 7 is 42.",
        "42",
        "42",
        "ok",
        True,
    ),
    ("chatty answer word", "This answer is consistent with 7.", "7", None, "no_answer", False),
    ("unclosed box", r"The answer is \boxed{\frac{7}{2}", r"\frac{7}{2}", None, "no_answer", False),
    (
        "unclosed box then a closed one",
        "\\boxed{\\frac{7}{2}\nso \\boxed{3}",
        "3",
        "3",
        "ok",
        True,
    ),
    ("a bare short answer", "51", "51", "51", "ok", True),
    ("a bare formula", r"$\frac{1}{2}$", "0.5", r"\frac{1}{2}", "ok", True),
    (
        "I hope it is correct",
        "Final Answer: The final answer is $28\\%$. I hope it is correct.",
        r"28\%",
        r"28\%",
        "ok",
        True,
    ),
    ("box in the statement", r"**Final Answer:** $\boxed{5}$", "5", "5", "ok", True),
]


def test_defect_cases() -> None:
    df = samples([{"response": c[1], "gold": c[2], "finish_reason": "stop"} for c in CASES])
    out = grade(df, workers=2, timeout=10.0)
    for case, (_, row) in zip(CASES, out.iterrows(), strict=True):
        got = (
            None if pd.isna(row["extracted"]) else row["extracted"],
            row["grade_status"],
            None if pd.isna(row["correct"]) else bool(row["correct"]),
        )
        assert got == case[3:], case[0]


def test_a_cut_off_trace_without_finish_reason_gets_no_credit() -> None:
    # what a Sky-T1 MATH500 cut-off looks like: long reasoning, numbers, no box, no end
    trace = "We need the sum. " + "Adding 12 and 30 gives 42, so the partial sum is 42. " * 40
    trace += "Now consider the case where n = 4, then the value of"
    df = samples([{"response": trace, "gold": "42"}])
    out = grade(df)
    assert out["grade_status"].tolist() == ["no_answer"]
    assert out["correct"].tolist() == [False]


@pytest.mark.parametrize(
    ("final", "answer", "source"),
    [
        (r"\boxed{1} and \boxed{2}", "1, 2", "box"),
        (r"\boxed{1}. Next, \boxed{2}", "2", "box"),
        (r"$\boxed{42}$ $\boxed{42}$", "42", "box"),
        ("The answer is: **42**", "42", "statement"),
        ("ANSWER: 12", "12", "statement"),
        ("The answers are $x=2$ and $x=3$.", "x=2, x=3", "statement"),
        ("The answer is 0.5 (or 1/2).", "0.5", "statement"),
        ("The answer is approximately 3.14.", "3.14", "statement"),
        ("the answer to part (a) is 12", "12", "statement"),
        ("The answer isn't 12", None, "none"),
        ("x = 5", "x = 5", "short"),
        ("The value is 5.", None, "none"),
    ],
)
def test_extract_final_answer(final: str, answer: str | None, source: str) -> None:
    found = extract_final_answer(final)
    assert (found.answer, found.source) == (answer, source)


def test_statements_count_only_near_the_end() -> None:
    early = "The answer is 3.\n" + "More reasoning without a conclusion. " * 100
    assert extract_final_answer(early).answer is None
