"""The one text matcher: named rules compiled once, ``(start, end, name)`` spans out.

A :class:`Rule` is a regex (Python syntax) whose ``finditer`` matches count for its name,
less those its exclusion vetoes:

- ``veto="start"``: a match is dropped when the exclusion regex matches at its start (the
  lexicons: the rule's regex tries the exclusions first, so that a match *is* an exclusion
  exactly when the exclusion matches where it starts);
- ``veto="overlap"``: a match is dropped when it overlaps a match of the exclusion regex
  (the behaviour cues).

:func:`reference_spans` is the definition: plain ``re.finditer`` per rule.
:class:`Matcher` returns the same spans faster. Each regex is distributed into branches
that begin with a literal prefix (:func:`~traceanalysis.text.prefixtree.branches`); a
match can only start where one of the prefixes occurs, so trying the regex (``match``)
only at those positions, in order and skipping those inside the previous match, gives
``finditer``'s matches (every match is non-empty: it begins with a literal). The
positions come from C-level searches, one per regex:

- a prefix that begins with an ASCII word character behind a test that forbids a word
  character before it (``\\b``, ``(?<!\\w)``, the lexicons' lead) can only start right
  after a non-word character. In the text's UTF-8 bytes with every byte other than
  ``[A-Za-z0-9_]`` mapped to a space (and one space put in front, made once per text for
  every regex), that is "a space, then the prefix's leading word characters" (and, when
  the branch rules out a word character after them, no more word characters): a bytes
  regex with a literal first character finds those; byte offsets become character
  offsets in a non-ASCII text. Bytes of non-ASCII letters become spaces too, so a word
  after one is a candidate that ``match`` rejects;
- any other prefix is searched for everywhere, overlapping occurrences included.

A regex the distribution cannot handle (back-references, inline flags, ``IGNORECASE``, a
branch that begins with a class such as ``\\w``) is run with ``finditer`` on its
:func:`~traceanalysis.text.guard.fast` form, which has the same matches.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from traceanalysis.text.guard import fast, no_word_next
from traceanalysis.text.patterns import trie_regex
from traceanalysis.text.prefixtree import Branch, UnsupportedPattern, branches

_parser = re._parser  # type: ignore[attr-defined]

Span = tuple[int, int]
NamedSpan = tuple[int, int, str]

_ASCII_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_TO_SPACE = bytes(b if b in _ASCII_WORD else 32 for b in range(256))
_HEAD = re.compile(r"[A-Za-z0-9_]*")
_MAX_WORDS = 200_000  # distinct words remembered per matcher
_Accepts = Callable[[bytes], tuple[int, ...]]


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


class Prepared:
    """One text, prepared once for every pattern of a :class:`Matcher`: where the words
    that may start a match begin, grouped by the patterns they may start (one bytes scan)."""

    def __init__(self, text: str, words: re.Pattern[bytes] | None, accepts: _Accepts):
        """``words`` finds the candidate words in the spaced bytes; ``accepts(word)``: the
        indexes of the patterns that word may start a match of."""
        self.text = text
        self.groups: dict[tuple[int, ...], list[int]] = {}
        if words is None:
            return
        data = text.encode("utf-8", "surrogatepass")
        groups = self.groups
        # the leading space: a match's start is its word's start in ``data``
        for m in words.finditer(b" " + data.translate(_TO_SPACE)):
            ks = accepts(m.group(1))
            found = groups.get(ks)
            if found is None:
                groups[ks] = [m.start()]
            else:
                found.append(m.start())
        if groups and len(data) != len(text):  # byte offsets -> character offsets
            codes = np.frombuffer(data, dtype=np.uint8)
            char_starts = np.flatnonzero((codes & 0xC0) != 0x80)
            for ks, found in groups.items():
                groups[ks] = np.searchsorted(char_starts, found).tolist()

    def starts(self, index: int) -> list[int]:
        """The candidate starts of the pattern ``index``, in order."""
        found = [g for ks, g in self.groups.items() if index in ks]
        if len(found) < 2:
            return found[0] if found else []
        return sorted(itertools.chain.from_iterable(found))


class Pattern:
    """One compiled regex whose :meth:`spans` are exactly ``[m.span() for m in
    regex.finditer(text)]``, found by candidate positions (see the module docstring)."""

    def __init__(self, source: str, flags: int = 0, index: int = 0):
        self.regex = re.compile(source, flags)
        self.index = index  # its number in :meth:`Prepared.starts`
        self.heads: dict[str, bool] = {}  # head: whether no word character may follow it
        self._others: re.Pattern[str] | None = None
        self._scan: re.Pattern[str] | None = None  # set when there are no candidates
        try:
            parts = branches(self.regex)
        except (UnsupportedPattern, RecursionError, re.error):
            parts = []
        if not parts or any(not b.prefix for b in parts):
            self._scan = fast(self.regex)
            return
        others = set()
        for b in parts:
            head = _HEAD.match(b.prefix).group()  # type: ignore[union-attr]
            if b.word_lead and head:
                ends = _word_ends(b, head, self.regex.flags)
                self.heads[head] = self.heads.get(head, True) and ends
            else:
                others.add(b.prefix)
        if others:  # every occurrence, overlapping ones too (spaces become \s+: a superset)
            self._others = re.compile(f"(?=(?:{trie_regex(sorted(others))}))")

    def accepts(self, word: str) -> bool:
        """Whether a word (a run of ``[A-Za-z0-9_]`` after any other character) may
        start a match."""
        return any(
            word.startswith(h) and (not ends or len(word) == len(h))
            for h, ends in self.heads.items()
        )

    def _candidates(self, prepared: Prepared) -> list[int]:
        starts = prepared.starts(self.index)
        if self._others is not None:  # every occurrence, overlapping ones too
            text, search = prepared.text, self._others.search
            found, m = [], search(text)
            while m is not None:
                found.append(m.start())
                m = search(text, m.start() + 1)
            if found:
                starts = sorted(set(starts).union(found)) if starts else found
        return starts

    def spans(self, prepared: Prepared) -> list[Span]:
        """Every match's ``(start, end)``, left to right, as ``finditer`` gives them
        (``prepared`` by the :class:`Matcher` holding this pattern)."""
        text = prepared.text
        if self._scan is not None:
            return [m.span() for m in self._scan.finditer(text)]
        out: list[Span] = []
        end = 0
        match = self.regex.match
        for start in self._candidates(prepared):
            if start < end:
                continue
            m = match(text, start)
            if m is not None:
                end = m.end()
                out.append((start, end))
        return out


class Matcher:
    """Rules compiled once; :meth:`spans` and :meth:`counts` equal :func:`reference_spans`."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules = tuple(rules)
        self.names = [r.name for r in self.rules]
        patterns: list[Pattern] = []

        def compiled(source: str | None, flags: int) -> Pattern | None:
            if source is None:
                return None
            patterns.append(Pattern(source, flags, len(patterns)))
            return patterns[-1]

        self._compiled = [
            (r, compiled(r.pattern, r.flags), compiled(r.exclusion, r.flags)) for r in self.rules
        ]
        self._patterns = [p for p in patterns if p.heads]
        whole = {h for p in self._patterns for h, ends in p.heads.items() if ends}
        partial = {h for p in self._patterns for h, ends in p.heads.items() if not ends}
        # One scan for every pattern: each word (after a space) that may start a match.
        alternatives = [f"(?:{trie_regex(sorted(whole - partial))})(?![A-Za-z0-9_])"] * bool(
            whole - partial
        ) + [trie_regex(sorted(partial))] * bool(partial)
        self._words = (
            re.compile(f" (?={'|'.join(alternatives)})([A-Za-z0-9_]+)".encode())
            if alternatives
            else None
        )
        self._accepted = _Accepted(self._patterns)

    def rule_spans(self, text: str) -> list[list[Span]]:
        """Per rule (in order), the ``(start, end)`` of its counted matches."""
        prepared = Prepared(text, self._words, self._accepted.__getitem__)
        out = []
        for rule, pattern, exclusion in self._compiled:
            found = pattern.spans(prepared)  # type: ignore[union-attr]
            if found and exclusion is not None:
                if rule.veto == "start":
                    at = exclusion.regex.match
                    found = [s for s in found if at(text, s[0]) is None]
                else:
                    found = _outside(found, exclusion.spans(prepared))
            out.append(found)
        return out

    def spans(self, text: str) -> list[NamedSpan]:
        """``(start, end, name)`` of every counted match of every rule, sorted."""
        return named_spans(self.names, self.rule_spans(text))

    def counts(self, text: str) -> list[int]:
        """Counted matches per rule (in order)."""
        return [len(s) for s in self.rule_spans(text)]


class _Accepted(dict):  # type: ignore[type-arg]
    """{word: the indexes of the patterns it may start a match of}, filled on first use."""

    def __init__(self, patterns: list[Pattern]):
        super().__init__()
        self._patterns = patterns

    def __missing__(self, word: bytes) -> tuple[int, ...]:
        if len(self) > _MAX_WORDS:
            self.clear()
        text = word.decode("ascii")
        found = self[word] = tuple(p.index for p in self._patterns if p.accepts(text))
        return found


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
