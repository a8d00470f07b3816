"""The rational fast path must give math-verify's verdict wherever it answers at all."""

from __future__ import annotations

import random
from fractions import Fraction

from math_verify import parse, verify

from traceanalysis.grading.extract import normalize_answer
from traceanalysis.grading.fastpath import fast_verdict, rational_value


def _literal(rng: random.Random) -> str:
    a, b = rng.randint(-30, 30), rng.randint(1, 12)
    return rng.choice(
        [
            str(a),
            f"{a}/{b}",
            rf"\frac{{{a}}}{{{b}}}",
            rf"-\frac{{{abs(a)}}}{{{b}}}",
            rf"\dfrac{{{a}}}{{{b}}}",
            rf"\frac{abs(a) % 10}{b % 10 or 1}",
        ]
    )


def test_fast_verdicts_agree_with_math_verify() -> None:
    rng = random.Random(0)
    checked = 0
    for _ in range(300):
        gold, answer = _literal(rng), _literal(rng)
        if rng.random() < 0.3:
            answer = gold
        fast = fast_verdict(normalize_answer(answer), normalize_answer(gold))
        assert fast is not None, (gold, answer)
        slow = verify(
            parse("\\boxed{" + gold + "}"), parse("\\boxed{" + answer + "}"), timeout_seconds=None
        )
        assert fast == slow, (gold, answer)
        checked += 1
    assert checked == 300


def test_only_exact_rationals_take_the_fast_path() -> None:
    assert rational_value("-12") == -12
    assert rational_value(r"\frac{3}{-4}") == Fraction(-3, 4)
    for text in ["0.5", "007", "12\\%", "1,000", r"\frac{1}{0}", "2\\sqrt{3}", "x=3", "1/0"]:
        assert rational_value(text) is None, text
    assert fast_verdict("0.5", "1/2") is None
