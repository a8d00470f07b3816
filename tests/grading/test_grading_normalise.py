"""normalize_answer never changes the value math-verify reads (issue 12, item 13).

Each rule and its neighbours: the normalised string must parse to the same thing as the
original. Where we read a value on purpose differently from math-verify (digit groups
of three apart by a space or thin space are one number), the test says so.
"""

from __future__ import annotations

import random

import pytest
from math_verify import LatexExtractionConfig, parse

from traceanalysis.grading.extract import normalize_answer

_BOXED = [LatexExtractionConfig(boxed_match_priority=0)]


def _value(answer: str) -> str | None:
    """What math-verify reads in ``\\boxed{answer}``; None when it reads no expression."""
    parsed = parse("\\boxed{" + answer + "}", extraction_config=_BOXED, parsing_timeout=None)
    return None if not parsed or isinstance(parsed[0], str) else str(parsed[0])


# Every rule of normalize_answer, with the neighbours that a careless rule would change.
SAME_VALUE = [
    # comma and space: items, not thousands
    "32, 349",
    "1, 200",
    "1, 200, 300",
    "-1, 200",
    "1 , 200",
    "32,349",
    "1,200,300",
    "1, 2",
    "1,22",
    "1, 22",
    "1, 2222",
    "(1, 200)",
    "\\{1, 200\\}",
    "x = 1, 200",
    "3.5, 6",
    "1,000.5",
    "10,\\!455",
    "1{,}222",
    # bare fractions and roots
    "\\frac12",
    "\\frac12x",
    "\\frac123",
    "\\sqrt3",
    "\\sqrt32",
    "5 \\sqrt3",
    "\\dfrac{1}{2}",
    "\\tfrac{3}{4}",
    "\\cfrac{3}{4}",
    # scripts
    "x^{2}",
    "x^{2}y",
    "2^{1}0",
    "x^{10}",
    "a_{1}",
    "a_{1}b",
    # layout
    "\\left( \\frac{1}{2}, 3 \\right)",
    "x \\, = \\! 5",
    "\\sin\\,x",
    "\\pi\\,r^2",
    "2\\,x",
    "\\displaystyle \\frac{1}{2}",
    "x=1\\quad y=2",
    "1\\,5",
    "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
    "\\begin{pmatrix}1\\\\ 2\\end{pmatrix}",
    # periods, dollars, operators, commands
    "5.",
    "1,2,...",
    "3.",
    "$5$",
    "5\\$",
    "x \\rightarrow \\leftarrow",
    "2 \\cdot 3",
    "1 - 2",
    "\\text{ cm}",
    "10 \\text{ cm}",
    "1 \\text{ and } 2",
    "(-\\infty, 3]",
    "3 \\pm \\sqrt{2}",
    "\\pm 2021",
    "12\\%",
]


@pytest.mark.parametrize("answer", SAME_VALUE)
def test_normalisation_keeps_math_verifys_value(answer: str) -> None:
    original = _value(answer)
    assert original is not None or answer in MADE_READABLE, answer
    assert _value(normalize_answer(answer)) == original or answer in MADE_READABLE


# math-verify reads no expression in these; their normal form is the obvious reading
MADE_READABLE = {"5.": "5", "3.": "3", "x \\rightarrow \\leftarrow": None, "1,2,...": None}


@pytest.mark.parametrize(("answer", "value"), MADE_READABLE.items())
def test_sentence_punctuation_is_not_part_of_the_answer(answer: str, value: str | None) -> None:
    assert _value(answer) is None
    assert _value(normalize_answer(answer)) == value


@pytest.mark.parametrize(
    ("answer", "number"),
    [("10\\,455", "10455"), ("1 222", "1222"), ("12~345~678", "12345678"), ("1\\ 000", "1000")],
)
def test_spaced_digit_groups_are_one_number(answer: str, number: str) -> None:
    # math-verify reads "1 222" as the mixed number 1 + 222 = 223; SI style is 1222
    assert normalize_answer(answer) == number


@pytest.mark.parametrize("answer", ["x^2 000", "2^{10} 000", "0.5 000", "1 22", "1 2222"])
def test_other_spaced_digits_are_left_alone(answer: str) -> None:
    assert _value(normalize_answer(answer)) == _value(answer)


def test_comma_space_before_three_digits_stays() -> None:
    assert normalize_answer("32, 349") == "32, 349"
    assert normalize_answer(r"\boxed{1 ,  200}".removeprefix(r"\boxed{")[:-1]) == "1, 200"
    assert normalize_answer("1, 2, 3") == "1,2,3"  # no thousands reading possible


def test_keys_still_merge_layout_variants() -> None:
    assert normalize_answer(r" \left( \dfrac{1}{2} , 3 \right) . ") == r"(\frac{1}{2},3)"
    assert normalize_answer(r"$x \, = \! 5$") == "x=5"
    assert normalize_answer(r"5 \sqrt3 x^{2}") == r"5\sqrt{3}x^2"
    assert normalize_answer(r"\frac12") == normalize_answer(r"\tfrac{1}{2}") == r"\frac{1}{2}"


_PIECES = [
    "1",
    "22",
    "333",
    "4444",
    ", ",
    ",",
    " , ",
    "x",
    "^{2}",
    "\\frac12",
    "(",
    ")",
    "-",
    "+",
    ".5",
    "\\!",
    "\\left(",
    "\\right)",
    "\\sqrt3",
    "_{1}",
    "=",
    "\\pi",
    "0",
]


def test_random_neighbours_keep_their_value() -> None:
    rng = random.Random(12)
    checked = 0
    for _ in range(400):
        answer = "".join(rng.choice(_PIECES) for _ in range(rng.randint(2, 6)))
        original = _value(answer)
        if original is None:
            continue
        assert _value(normalize_answer(answer)) == original, (answer, normalize_answer(answer))
        checked += 1
    assert checked > 40
