"""Patterns made faster with the same matches: a prefix tree, else a first-character guard.

Python's ``re`` tries every branch of an alternation at every position of the text.
:func:`fast` rebuilds a pattern as a tree of literal prefixes
(:mod:`traceanalysis.text.prefixtree`); a pattern the rewrite cannot handle
(back-references, inline flags) gets :func:`guarded` instead: the pattern behind a
lookahead for its possible first characters, derived from its parse tree (when they
cannot be listed exactly, e.g. ``\\w``, ``.``, a negated class, the pattern is used as it
is). A position whose character is not in that set cannot start a match, so the matches
are the same.
"""

from __future__ import annotations

import re
from functools import lru_cache

from traceanalysis.text.prefixtree import REPEATS, UnsupportedPattern, class_chars, prefix_tree

# The parser behind re.compile (private, but the only parser of Python's regex syntax).
_parser = re._parser  # type: ignore[attr-defined]
_c = re._constants  # type: ignore[attr-defined]
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}


def _first_of_sequence(items: list) -> tuple[set[str], bool]:  # type: ignore[type-arg]
    """(characters a match of ``items`` may begin with, whether it may be empty)."""
    chars: set[str] = set()
    for op, av in items:
        first, nullable = _first_of_item(op, av)
        chars |= first
        if not nullable:
            return chars, False
    return chars, True


def _first_of_item(op, av) -> tuple[set[str], bool]:  # type: ignore[no-untyped-def]
    if op in _ZERO_WIDTH:
        return set(), True
    if op is _c.LITERAL:
        return {chr(av)}, False
    if op is _c.IN:
        return class_chars(av), False
    if op is _c.SUBPATTERN:
        return _first_of_sequence(av[-1])
    if op is _c.ATOMIC_GROUP:
        return _first_of_sequence(av)
    if op is _c.BRANCH:
        chars, nullable = set(), False
        for branch in av[1]:
            first, empty = _first_of_sequence(branch)
            chars |= first
            nullable = nullable or empty
        return chars, nullable
    if op in REPEATS:
        first, nullable = _first_of_sequence(av[2])
        return first, nullable or av[0] == 0
    raise UnsupportedPattern


@lru_cache(maxsize=64)
def guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` behind a lookahead for its possible first characters (same matches)."""
    try:
        chars, nullable = _first_of_sequence(list(_parser.parse(pattern.pattern, pattern.flags)))
    except UnsupportedPattern:
        return pattern
    if nullable or not chars or pattern.flags & re.IGNORECASE:
        return pattern
    guard = "".join(re.escape(c) for c in sorted(chars))
    try:
        return re.compile(f"(?=[{guard}])(?:{pattern.pattern})", pattern.flags)
    except re.error:  # e.g. inline global flags, which must stay at the very start
        return pattern


@lru_cache(maxsize=64)
def fast(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` as a prefix tree, else :func:`guarded` (same matches either way)."""
    try:
        return prefix_tree(pattern)
    except (UnsupportedPattern, re.error, RecursionError):
        return guarded(pattern)
