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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from traceanalysis.text.guard import fast

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


class Matcher:
    """Rules compiled once; :meth:`spans` and :meth:`counts` equal :func:`reference_spans`."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules = tuple(rules)
        self.names = [r.name for r in self.rules]
        self._compiled = [
            (
                r,
                fast(re.compile(r.pattern, r.flags)),
                None if r.exclusion is None else fast(re.compile(r.exclusion, r.flags)),
            )
            for r in self.rules
        ]

    def rule_spans(self, text: str) -> list[list[Span]]:
        """Per rule (in order), the ``(start, end)`` of its counted matches."""
        out = []
        for rule, pattern, exclusion in self._compiled:
            found = [m.span() for m in pattern.finditer(text)]
            if found and exclusion is not None:
                if rule.veto == "start":
                    at = exclusion.match
                    found = [s for s in found if at(text, s[0]) is None]
                else:
                    found = _outside(found, [m.span() for m in exclusion.finditer(text)])
            out.append(found)
        return out

    def spans(self, text: str) -> list[NamedSpan]:
        """``(start, end, name)`` of every counted match of every rule, sorted."""
        return named_spans(self.names, self.rule_spans(text))

    def counts(self, text: str) -> list[int]:
        """Counted matches per rule (in order)."""
        return [len(s) for s in self.rule_spans(text)]


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
