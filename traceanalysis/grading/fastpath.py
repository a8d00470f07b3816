"""Exact verdicts without math-verify for answers that are plain rational numbers.

Most benchmark answers are integers or simple fractions. When both the normalised answer
and the gold are such literals (``-12``, ``\\frac{3}{4}``, ``3/4``), math-verify compares
them as exact sympy rationals; comparing ``fractions.Fraction`` values gives the same
verdict for a fraction of the cost and without a worker process. Anything else —
decimals (math-verify rounds those), percentages, units, leading zeros, sets — goes to
math-verify. tests/grading checks the two agree on thousands of random pairs.
"""

from __future__ import annotations

import re
from fractions import Fraction

_INT = r"-?(?:0|[1-9]\d*)"
_PLAIN_INT = re.compile(rf"^({_INT})$")
_SLASH = re.compile(rf"^({_INT})/([1-9]\d*)$")
_FRAC = re.compile(rf"^(-?)\\frac\{{({_INT})\}}\{{({_INT})\}}$")


MAX_LITERAL = 1000  # longer literals go to the workers (Python's int-from-string limit is 4300)


def rational_value(text: str) -> Fraction | None:
    """The exact value of an integer or fraction literal (normalised), else None.

    Literals longer than ``MAX_LITERAL`` characters are left to math-verify in the
    workers, under the per-item deadline (``int()`` of a long digit string is quadratic
    and refused past 4,300 digits)."""
    if len(text) > MAX_LITERAL:
        return None
    m = _PLAIN_INT.match(text)
    if m:
        return Fraction(int(m.group(1)))
    m = _SLASH.match(text)
    if m:
        return Fraction(int(m.group(1)), int(m.group(2)))
    m = _FRAC.match(text)
    if m and int(m.group(3)) != 0:
        value = Fraction(int(m.group(2)), int(m.group(3)))
        return -value if m.group(1) else value
    return None


def fast_verdict(answer: str, gold: str) -> bool | None:
    """True/False when both are rational literals (normalised strings), else None."""
    a = rational_value(answer)
    if a is None:
        return None
    g = rational_value(gold)
    if g is None:
        return None
    return a == g
