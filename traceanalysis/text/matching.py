"""The one text matcher: named rules compiled once, ``(start, end, name)`` spans out.

A :class:`Rule` is a regex (Python syntax) whose ``finditer`` matches count for its name,
less those its exclusion vetoes:

- ``veto="start"``: a match is dropped when the exclusion regex matches at its start (the
  lexicons: the rule's regex tries the exclusions first, so that a match *is* an exclusion
  exactly when the exclusion matches where it starts);
- ``veto="overlap"``: a match is dropped when it overlaps a match of the exclusion regex
  (the behaviour cues).

:func:`reference_spans` is the definition: plain ``re.finditer`` per rule.
:class:`Matcher` returns the same spans faster: each regex is compiled once in its
:func:`~traceanalysis.text.guard.fast` form, rebuilt as a tree of literal prefixes
(:mod:`traceanalysis.text.prefixtree`: ``re`` then skips, in C, every position whose
character cannot begin a match and tests one character per branch) or, where the rewrite
cannot go, behind a lookahead for its first characters. Both have exactly the original's
matches, so ``finditer`` gives the same spans.

With ``candidates=True`` (the lexicons: many rules over the same words) the rules share
one scan for the places where a match may start, and each regex is tried (``match``)
only there, in order, skipping places inside its previous match: the same matches as
``finditer`` whenever no match can start elsewhere. A branch of a regex begins with a
literal prefix (:func:`~traceanalysis.text.prefixtree.branches`); one that begins with an
ASCII word character behind a test that forbids a word character before it (``\\b``,
``(?<!\\w)``, the lexicons' lead) can only start right after a non-word character. In the
text's UTF-8 bytes with every byte other than ``[A-Za-z0-9_]`` mapped to a space (and one
space put in front), that is "a space, then the prefix's leading word characters" (and no
more word characters when the branch rules one out after them): one bytes regex with a
literal first character finds those places for every rule (byte offsets become character
offsets in a non-ASCII text; a word after a non-ASCII letter is a place ``match``
rejects). Any other prefix is searched for everywhere, overlapping occurrences included.
A regex whose branches cannot all be listed so (a back-reference, ``IGNORECASE``, a
branch that begins with ``\\w``) runs ``finditer`` as above.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from traceanalysis.text.guard import fast, no_word_next
from traceanalysis.text.patterns import trie_regex
from traceanalysis.text.prefixtree import Branch, UnsupportedPattern, branches

_parser = re._parser  # type: ignore[attr-defined]
_TO_SPACE = bytes(
    b if chr(b).isascii() and (chr(b).isalnum() or b == 95) else 32 for b in range(256)
)
_HEAD = re.compile(r"[A-Za-z0-9_]*")

Span = tuple[int, int]
NamedSpan = tuple[int, int, str]


@dataclass(frozen=True)
class Rule:
    """Matches of ``pattern`` counted as ``name``, less those ``exclusion`` vetoes (see the
    module docstring for ``veto``: "start" or "overlap")."""

    name: str
    pattern: str
    exclusion: str | None = None
    veto: str = "start"
    flags: int = 0

    def __post_init__(self) -> None:
        if self.veto not in ("start", "overlap"):
            raise ValueError(f"veto must be 'start' or 'overlap', got {self.veto!r}")


class _Compiled:
    """One regex: its fast form, and where its matches may start (None: anywhere)."""

    def __init__(self, source: str, flags: int):
        self.regex = re.compile(source, flags)
        self.tree = fast(self.regex)
        self.heads: dict[str, bool] | None = {}  # head: whether no word character follows
        self.others: set[str] = set()
        try:
            parts = branches(self.regex)
        except (UnsupportedPattern, RecursionError, re.error):
            parts = []
        if not parts or any(not b.prefix for b in parts):
            self.heads = None
            return
        for b in parts:
            head = _HEAD.match(b.prefix).group()  # type: ignore[union-attr]
            if b.word_lead and head:
                ends = _word_ends(b, head, self.regex.flags)
                self.heads[head] = self.heads.get(head, True) and ends
            else:
                self.others.add(b.prefix)

    def spans(self, text: str, starts: list[int] | None) -> list[Span]:
        """``[m.span() for m in regex.finditer(text)]``, trying only ``starts`` if given."""
        if starts is None or self.heads is None:
            return [m.span() for m in self.tree.finditer(text)]
        out: list[Span] = []
        end = 0
        match = self.regex.match
        for start in starts:
            if start >= end:
                m = match(text, start)
                if m is not None:
                    end = m.end()
                    out.append((start, end))
        return out


class Matcher:
    """Rules compiled once; :meth:`spans` and :meth:`counts` equal :func:`reference_spans`.

    ``candidates``: the rules share one scan for where their matches may start (see the
    module docstring); faster for many rules over the same words (the lexicons).
    """

    def __init__(self, rules: Iterable[Rule], *, candidates: bool = False):
        self.rules = tuple(rules)
        self.names = [r.name for r in self.rules]
        self._compiled = [
            (
                r,
                _Compiled(r.pattern, r.flags),
                None if r.exclusion is None else _Compiled(r.exclusion, r.flags),
            )
            for r in self.rules
        ]
        self._words: re.Pattern[bytes] | None = None
        self._others: re.Pattern[str] | None = None
        if candidates:
            self._scans(
                [
                    c
                    for _, *cs in self._compiled
                    for c in cs
                    if c is not None and c.heads is not None
                ]
            )

    def _scans(self, compiled: list[_Compiled]) -> None:
        heads: dict[str, bool] = {}
        for c in compiled:
            for head, ends in (c.heads or {}).items():
                heads[head] = heads.get(head, True) and ends
        whole = sorted(h for h, ends in heads.items() if ends)
        partial = sorted(h for h, ends in heads.items() if not ends)
        alternatives = [f"(?:{trie_regex(whole)})(?![A-Za-z0-9_])"] * bool(whole)
        alternatives += [trie_regex(partial)] * bool(partial)
        if alternatives:
            self._words = re.compile(f" (?:{'|'.join(alternatives)})".encode())
        others = {o for c in compiled for o in c.others}
        if others:  # spaces become \\s+: a superset
            self._others = re.compile(trie_regex(sorted(others)))

    def _starts(self, text: str) -> list[int] | None:
        """Every place where a match of a candidate-scanned regex may start, in order."""
        if self._words is None and self._others is None:
            return None
        starts: list[int] = []
        if self._words is not None:
            data = text.encode("utf-8", "surrogatepass")
            # the leading space: a match's start is its word's start in ``data``
            starts = [m.start() for m in self._words.finditer(b" " + data.translate(_TO_SPACE))]
            if starts and len(data) != len(text):  # byte offsets -> character offsets
                codes = np.frombuffer(data, dtype=np.uint8)
                starts = np.searchsorted(np.flatnonzero((codes & 0xC0) != 0x80), starts).tolist()
        if self._others is not None:  # every occurrence, overlapping ones too
            search, found = self._others.search, []
            m = search(text)
            while m is not None:
                found.append(m.start())
                m = search(text, m.start() + 1)
            if found:
                starts = sorted(set(starts).union(found))
        return starts

    def rule_spans(self, text: str) -> list[list[Span]]:
        """Per rule (in order), the ``(start, end)`` of its counted matches."""
        starts = self._starts(text)
        out = []
        for rule, pattern, exclusion in self._compiled:
            found = pattern.spans(text, starts)
            if found and exclusion is not None:
                if rule.veto == "start":
                    at = exclusion.regex.match
                    found = [s for s in found if at(text, s[0]) is None]
                else:
                    found = _outside(found, exclusion.spans(text, starts))
            out.append(found)
        return out

    def spans(self, text: str) -> list[NamedSpan]:
        """``(start, end, name)`` of every counted match of every rule, sorted."""
        return named_spans(self.names, self.rule_spans(text))

    def counts(self, text: str) -> list[int]:
        """Counted matches per rule (in order)."""
        return [len(s) for s in self.rule_spans(text)]


def _word_ends(branch: Branch, head: str, flags: int) -> bool:
    """Whether, in every match of ``branch``, the character after ``head`` (its prefix's
    leading ASCII word characters) is not an ASCII word character."""
    if len(branch.prefix) > len(head):
        return True  # the prefix goes on with a character outside [A-Za-z0-9_]
    try:
        return no_word_next(list(_parser.parse(branch.rest, flags)))
    except re.error:
        return False


def _outside(spans: list[Span], excluded: list[Span]) -> list[Span]:
    """The spans that overlap none of ``excluded``."""
    if not excluded:
        return spans
    return [s for s in spans if not any(s[0] < e1 and e0 < s[1] for e0, e1 in excluded)]


def named_spans(names: Sequence[str], per_rule: Sequence[Sequence[Span]]) -> list[NamedSpan]:
    """Per-rule spans (as :meth:`Matcher.rule_spans` gives them) as ``(start, end, name)``
    triples, sorted."""
    found = [(s, e, n) for n, spans in zip(names, per_rule, strict=True) for s, e in spans]
    return sorted(found)


def reference_rule_spans(rules: Sequence[Rule], text: str) -> list[list[Span]]:
    """Per rule, its counted matches by the definition: ``re.finditer``, vetoed ones dropped."""
    out = []
    for rule in rules:
        found = [m.span() for m in re.finditer(rule.pattern, text, rule.flags)]
        if rule.exclusion is not None and found:
            exclusion = re.compile(rule.exclusion, rule.flags)
            if rule.veto == "start":
                found = [s for s in found if exclusion.match(text, s[0]) is None]
            else:
                found = _outside(found, [m.span() for m in exclusion.finditer(text)])
        out.append(found)
    return out


def reference_spans(rules: Sequence[Rule], text: str) -> list[NamedSpan]:
    """The definition :class:`Matcher` follows: ``re.finditer`` per rule, vetoed matches
    dropped, every rule's spans together, sorted."""
    return named_spans([r.name for r in rules], reference_rule_spans(rules, text))
