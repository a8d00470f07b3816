"""A statement counts only as a conclusion: words that carry the sentence on are no unit
(issue 12 item 13, a cut-off trace gets no credit)."""

from __future__ import annotations

import pytest
from grading_helpers import samples

from traceanalysis.grading import grade
from traceanalysis.grading.final_answer import extract_final_answer


@pytest.mark.parametrize(
    "text",
    [
        "So the answer is 7 because",  # cut off by the token limit, no finish_reason
        "Thus the answer is 7 and the",
        "The answer is 7 per",
        "the answer is 7 so we",
    ],
)
def test_a_statement_cut_off_mid_sentence_is_no_answer(text: str) -> None:
    assert extract_final_answer(text).answer is None
    out = grade(samples([{"response": text, "gold": "7"}]), grader="math")
    assert out["grade_status"].tolist() == ["no_answer"]
    assert out["correct"].tolist() == [False]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("The answer is 2,500 dollars", "2,500"),
        ("The answer is 12 square meters", "12"),
        ("So the answer is 4 apples", "4"),
    ],
)
def test_a_unit_after_the_answer_still_ends_the_statement(text: str, answer: str) -> None:
    assert extract_final_answer(text).answer == answer
