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


_WORD_CLASS = (_c.IN, [(_c.CATEGORY, _c.CATEGORY_WORD)])
_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_NOT_WORD_CATEGORIES = {_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD}


def _no_ascii_word(av: list) -> bool:  # type: ignore[type-arg]
    """Whether the class ``[...]`` (parse items ``av``) holds no ASCII word character."""
    for kind, value in av:
        if kind is _c.LITERAL and chr(value) in _ASCII_WORD:
            return False
        if kind is _c.RANGE and any(chr(c) in _ASCII_WORD for c in range(value[0], value[1] + 1)):
            return False
        if kind is _c.NEGATE or (kind is _c.CATEGORY and value not in _NOT_WORD_CATEGORIES):
            return False
    return True


def _forbids_word(assertion: list) -> bool:  # type: ignore[type-arg]
    """Whether the negative lookahead ``(?!assertion)`` rules out a word character next."""
    if assertion == [_WORD_CLASS]:
        return True
    return (
        len(assertion) == 1
        and assertion[0][0] is _c.BRANCH
        and any(list(b) == [_WORD_CLASS] for b in assertion[0][1][1])
    )


def no_word_next(items: list) -> bool:  # type: ignore[type-arg]
    """Whether every match of the parsed sequence ``items``, right after a word character,
    is followed by something other than an ASCII word character (or the end). ``False``
    when that cannot be shown from the first items."""
    for i, (op, av) in enumerate(items):
        rest = items[i + 1 :]
        if op in (_c.ASSERT, _c.ASSERT_NOT) and av[0] == -1:
            if op is _c.ASSERT_NOT and list(av[1]) == [_WORD_CLASS]:
                return True  # never holds right after a word character: no match here
            continue
        if op is _c.AT:
            return av in (_c.AT_BOUNDARY, _c.AT_END, _c.AT_END_STRING)
        if op is _c.ASSERT_NOT:
            return _forbids_word(list(av[1]))
        if op is _c.ASSERT:
            return no_word_next(list(av[1]))
        if op is _c.SUBPATTERN:
            return no_word_next(list(av[-1]) + rest)
        if op is _c.BRANCH:
            return all(no_word_next(list(b) + rest) for b in av[1])
        if op is _c.LITERAL:
            return chr(av) not in _ASCII_WORD
        if op is _c.IN:
            return _no_ascii_word(av)
        if op in REPEATS:
            first = no_word_next(list(av[2]))
            return first if av[0] >= 1 else first and no_word_next(rest)
        return False
    return False  # the match may end here, before anything
