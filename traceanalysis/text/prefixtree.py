"""Regex alternations (behaviour cues, lexicon tries) rebuilt as a tree of literal prefixes,
with the same matches.

Python's ``re`` tries every branch of an alternation at every position of the text, and a
cue set is an alternation of ~20 branches that each begin with ``\\b``.
:func:`prefix_tree` rewrites a pattern (from its parse tree) so that every branch begins
with a literal character:

1. leading groups, alternations and optional groups are distributed
   (``\\b(?:a|b)(?:x )?c`` -> ``\\bax c|\\bac|\\bbx c|\\bbc``, same order of trial);
2. word boundaries and lookbehinds before a branch's literal prefix ``L`` move after it as
   lookbehinds that include it (``\\bwait`` -> ``wait(?<!\\wwait)``, ``(?<!x)L`` ->
   ``L(?<!xL)``), which test the same characters;
3. branches are merged into a tree by literal prefix (``let(?:'s ...|\\s+me ...)``). A branch
   moves ahead of earlier ones only past branches that begin with another character (at a
   given position at most one of them can match), so the first branch that matches is the
   same as before.

At each position the search then sees the same first successful branch, hence the same
match, so ``finditer`` yields the same spans. ``re`` also scans for the set of first
characters in C, and each branch test is one character comparison.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# The parser behind re.compile (private, but the only parser of Python's regex syntax).
_parser = re._parser  # type: ignore[attr-defined]
_c = re._constants  # type: ignore[attr-defined]
_MAX_RANGE = 512
REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT}
_MAX_BRANCHES = 2000  # distribution stops growing the tree beyond this many branches
_MAX_CLASS = 8  # a leading character class of at most this many characters is distributed
_AT = {
    _c.AT_BEGINNING: "^",
    _c.AT_BEGINNING_STRING: r"\A",
    _c.AT_END: "$",
    _c.AT_END_STRING: r"\Z",
    _c.AT_BOUNDARY: r"\b",
    _c.AT_NON_BOUNDARY: r"\B",
}
_CATEGORY = {
    _c.CATEGORY_DIGIT: r"\d",
    _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w",
    _c.CATEGORY_NOT_WORD: r"\W",
}


class Branch(NamedTuple):
    """One alternative of a distributed pattern: its literal prefix, the regex source of
    the rest, and whether a test before the prefix forbids a word character before it."""

    prefix: str
    rest: str
    word_lead: bool


class UnsupportedPattern(Exception):
    """The pattern uses something the rewrite (or the first-character guard) cannot handle."""


def class_chars(av: list) -> set[str]:  # type: ignore[type-arg]
    """The characters of a parsed character class ``[...]`` (its parse-tree items ``av``);
    raises :class:`UnsupportedPattern` for categories, negation and wide ranges."""
    chars: set[str] = set()
    for kind, value in av:
        if kind is _c.LITERAL:
            chars.add(chr(value))
        elif kind is _c.RANGE and value[1] - value[0] <= _MAX_RANGE:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        else:
            raise UnsupportedPattern
    return chars


def _char(code: int) -> str:
    """One character as regex source, valid inside and outside a class."""
    ch = chr(code)
    if ch.isascii() and ch.isalnum():
        return ch
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def _source(items) -> str:  # type: ignore[no-untyped-def]
    """Regex source for a parsed sequence (capturing groups become non-capturing)."""
    return "".join(_item_source(op, av) for op, av in items)


def _item_source(op, av) -> str:  # type: ignore[no-untyped-def]
    if op is _c.LITERAL:
        return _char(av)
    if op is _c.NOT_LITERAL:
        return f"[^{_char(av)}]"
    if op is _c.ANY:
        return "."
    if op is _c.IN:
        parts = []
        for kind, value in av:
            if kind is _c.NEGATE:
                parts.append("^")
            elif kind is _c.LITERAL:
                parts.append(_char(value))
            elif kind is _c.RANGE:
                parts.append(f"{_char(value[0])}-{_char(value[1])}")
            elif kind is _c.CATEGORY and value in _CATEGORY:
                parts.append(_CATEGORY[value])
            else:
                raise UnsupportedPattern
        return f"[{''.join(parts)}]"
    if op is _c.AT and av in _AT:
        return _AT[av]
    if op is _c.BRANCH:
        return "(?:" + "|".join(_source(b) for b in av[1]) + ")"
    if op is _c.SUBPATTERN and not av[1] and not av[2]:
        return f"(?:{_source(av[3])})"
    if op is _c.ATOMIC_GROUP:
        return f"(?>{_source(av)})"
    if op in REPEATS:
        low, high, item = av
        count = f"{{{low},{'' if high == _c.MAXREPEAT else high}}}"
        lazy = {_c.MAX_REPEAT: "", _c.MIN_REPEAT: "?", _c.POSSESSIVE_REPEAT: "+"}[op]
        return f"(?:{_source(item)}){count}{lazy}"
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        direction, item = av
        kind = (
            ("=" if op is _c.ASSERT else "!")
            if direction == 1
            else ("<=" if op is _c.ASSERT else "<!")
        )
        return f"(?{kind}{_source(item)})"
    raise UnsupportedPattern  # back-references (groups are renumbered), conditionals, inline flags


def _is_word(ch: str, flags: int) -> bool:
    return re.match(r"\w", ch, flags & re.ASCII) is not None


def _moved(op, av, prefix: str, flags: int):  # type: ignore[no-untyped-def]
    """The zero-width test ``(op, av)`` at the start of ``prefix``, as a lookbehind after it."""
    literal = [(_c.LITERAL, ord(ch)) for ch in prefix]
    if op is _c.AT:
        word_before = [(_c.IN, [(_c.CATEGORY, _c.CATEGORY_WORD)])] + literal
        # \b before a word character: no word character before it; before another: one.
        boundary_needs_word = not _is_word(prefix[0], flags)
        needs_word = boundary_needs_word if av is _c.AT_BOUNDARY else not boundary_needs_word
        return (_c.ASSERT if needs_word else _c.ASSERT_NOT, (-1, word_before))
    return (op, (-1, list(av[1]) + literal))


def _movable(op, av) -> bool:  # type: ignore[no-untyped-def]
    if op is _c.AT:
        return av in (_c.AT_BOUNDARY, _c.AT_NON_BOUNDARY)
    return op in (_c.ASSERT, _c.ASSERT_NOT) and av[0] == -1


def _no_word_before(op, av, prefix: str, flags: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether the zero-width test ``(op, av)`` before ``prefix`` forbids a word character
    right before it (``\\b`` before a word character, ``(?<!\\w)``, ``(?<![\\w...])``)."""
    if not prefix or not _is_word(prefix[0], flags):
        return False
    if op is _c.AT:
        return av is _c.AT_BOUNDARY
    if op is not _c.ASSERT_NOT or av[0] != -1 or len(av[1]) != 1:
        return False
    kind, items = av[1][0]
    return kind is _c.IN and (_c.CATEGORY, _c.CATEGORY_WORD) in items


def _expand(tests: list, prefix: str, items: list, out: list, flags: int) -> None:  # type: ignore[type-arg]
    """Append the :class:`Branch` es of ``tests + prefix + items`` to ``out``, in order."""
    i = 0
    while i < len(items):
        op, av = items[i]
        rest = items[i + 1 :]
        if op is _c.LITERAL:
            prefix += chr(av)
        elif not prefix and _movable(op, av):
            tests = [*tests, (op, av)]
        elif op is _c.SUBPATTERN and not av[1] and not av[2]:
            items, i = list(av[3]) + rest, 0
            continue
        elif op is _c.BRANCH and len(out) < _MAX_BRANCHES:
            for branch in av[1]:
                _expand(tests, prefix, list(branch) + rest, out, flags)
            return
        elif (
            op in (_c.MAX_REPEAT, _c.MIN_REPEAT)
            and (av[0], av[1]) == (0, 1)
            and len(out) < _MAX_BRANCHES
        ):
            taken, skipped = list(av[2]) + rest, rest
            for seq in (taken, skipped) if op is _c.MAX_REPEAT else (skipped, taken):
                _expand(tests, prefix, seq, out, flags)
            return
        elif op is _c.IN and len(out) < _MAX_BRANCHES and _small_class(av):
            for ch in sorted(class_chars(av)):  # distinct characters: any order
                _expand(tests, prefix + ch, rest, out, flags)
            return
        else:
            break
        i += 1
    if prefix:
        moved = [_moved(op, av, prefix, flags) for op, av in tests]
        lead = any(_no_word_before(op, av, prefix, flags) for op, av in tests)
        out.append(Branch(prefix, _source(moved) + _source(items[i:]), lead))
    else:
        out.append(Branch("", _source(tests) + _source(items[i:]), False))


def _small_class(av: list) -> bool:  # type: ignore[type-arg]
    try:
        return len(class_chars(av)) <= _MAX_CLASS and av[0][0] is not _c.NEGATE
    except UnsupportedPattern:
        return False


def _tree(pairs: list[tuple[str, str]]) -> list[str]:
    """Alternatives (regex sources) trying the (prefix, rest) ``pairs`` in an order with the
    same first match."""
    groups: list[tuple[str | None, list[tuple[str, str]]]] = []
    for prefix, rest in pairs:
        key = prefix[0] if prefix else None
        target = None
        if key is not None:
            for group_key, members in reversed(groups):
                if group_key == key:
                    target = members
                    break
                if group_key is None:  # may match wherever this branch matches: keep order
                    break
        if target is None:
            groups.append((key, [(prefix, rest)]))
        else:
            target.append((prefix, rest))
    parts = []
    for key, members in groups:
        if key is None or len(members) == 1:
            parts.append("".join(_char(ord(ch)) for ch in members[0][0]) + members[0][1])
            continue
        common = members[0][0]
        for prefix, _ in members[1:]:
            while not prefix.startswith(common):
                common = common[:-1]
        inner = _tree([(prefix[len(common) :], rest) for prefix, rest in members])
        head = "".join(_char(ord(ch)) for ch in common)
        parts.append(head + (inner[0] if len(inner) == 1 else f"(?:{'|'.join(inner)})"))
    return parts


def branches(pattern: re.Pattern[str]) -> list[Branch]:
    """``pattern`` distributed into branches, in order of trial; raises
    :class:`UnsupportedPattern` when it uses something the rewrite does not handle."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE | re.LOCALE):
        raise UnsupportedPattern
    out: list[Branch] = []
    _expand([], "", list(_parser.parse(pattern.pattern, pattern.flags)), out, pattern.flags)
    return out


def prefix_tree(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` rebuilt as a tree of literal prefixes (same matches); raises
    :class:`UnsupportedPattern` or ``re.error`` when it uses something the rewrite does not handle."""
    pairs = [(b.prefix, b.rest) for b in branches(pattern)]
    return re.compile("|".join(_tree(pairs)), pattern.flags)
