"""Lexicon counting on the one text matcher (:mod:`traceanalysis.text`).

Each lexicon is one :class:`~traceanalysis.text.matching.Rule` over the normalised text
(:func:`~traceanalysis.text.patterns.normalize_text`): scan left to right; at each
position an exclusion that matches wins (what it covers is not counted), else the
longest entry that matches with word boundaries is counted; matches never overlap. As a
regex: ``(?:EXCLUSIONS|ENTRIES)TAIL``, whose match is an exclusion exactly when
``(?:EXCLUSIONS)TAIL`` matches where it starts (``veto="start"``).

:meth:`LexiconMatcher.count_reference` is that definition run with plain ``re.finditer``
per lexicon (:func:`~traceanalysis.text.matching.reference_rule_spans`); :meth:`count`,
:meth:`spans` and :meth:`scan_normalized` get the same matches from
:class:`~traceanalysis.text.matching.Matcher` (all lexicons, one prepared text).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from traceanalysis.lexical.lexicons import Lexicon
from traceanalysis.text.matching import (
    Matcher,
    NamedSpan,
    Rule,
    named_spans,
    reference_rule_spans,
)
from traceanalysis.text.patterns import TAIL, normalize_text, phrase_alternation, regex_alternation


def _alternation(entries: Sequence) -> str | None:  # type: ignore[type-arg]
    """One regex for a lexicon's phrases and regex forms (lead boundary, no tail)."""
    parts = [
        x
        for x in (
            phrase_alternation([e.phrase for e in entries if e.phrase is not None]),
            regex_alternation([e.regex for e in entries if e.regex is not None]),
        )
        if x is not None
    ]
    return "(?:" + "|".join(parts) + ")" if parts else None


def lexicon_rule(lexicon: Lexicon) -> Rule:
    """The :class:`~traceanalysis.text.matching.Rule` that counts ``lexicon`` in
    normalised text (see the module docstring)."""
    excluded = _alternation(lexicon.exclusions)
    counted = _alternation(lexicon.entries)
    branches = [x for x in (excluded, counted) if x is not None]
    return Rule(
        name=lexicon.name,
        pattern="(?:" + "|".join(branches) + ")" + TAIL,
        exclusion=None if excluded is None else excluded + TAIL,
        veto="start",
    )


def spans_json(spans: Sequence[NamedSpan]) -> str:
    """``[[start, end, "name"], ...]``: the text of a ``*_spans`` column cell (the same
    text as ``json.dumps([list(s) for s in spans])``)."""
    return "[" + ", ".join(f"[{s}, {e}, {_quoted(name)}]" for s, e, name in spans) + "]"


@lru_cache(maxsize=256)
def _quoted(name: str) -> str:
    return json.dumps(name)


class LexiconMatcher:
    """Counts every lexicon's entries in a text, exactly and in one pass.

    ``names`` gives the column order of :meth:`count` and :meth:`count_many`.
    """

    def __init__(self, lexicons: Sequence[Lexicon]):
        names = [lex.name for lex in lexicons]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate lexicon names: {names}")
        self.lexicons = tuple(lexicons)
        self.names = names
        self.rules = tuple(lexicon_rule(lex) for lex in lexicons)
        self._matcher = Matcher(self.rules, candidates=True)

    def versions(self) -> dict[str, str]:
        """{lexicon name: version}, for manifests and ``df.attrs``."""
        return {lex.name: lex.version for lex in self.lexicons}

    def count_normalized(self, text: str) -> list[int]:
        """Counts per lexicon (in ``names`` order) in text already normalised."""
        return self._matcher.counts(text)

    def scan_normalized(self, text: str) -> tuple[list[int], list[NamedSpan]]:
        """Counts per lexicon and the sorted ``(start, end, name)`` spans of every
        counted match, in text already normalised (offsets index it)."""
        per_rule = self._matcher.rule_spans(text)
        counts = [len(s) for s in per_rule]
        return counts, named_spans(self.names, per_rule)

    def count(self, text: str) -> list[int]:
        """Counts per lexicon (in ``names`` order) in ``text``."""
        return self.count_normalized(normalize_text(text))

    def count_many(self, texts: Sequence[str]) -> np.ndarray:
        """An (n_texts, n_lexicons) int64 array of counts."""
        out = np.zeros((len(texts), len(self.names)), dtype=np.int64)
        for row, text in enumerate(texts):
            out[row] = self.count(text)
        return out

    def count_reference(self, text: str) -> list[int]:
        """Counts from scanning for each lexicon separately with ``re.finditer``: the
        definition that :meth:`count` equals (used by tests and for auditing)."""
        return [len(s) for s in reference_rule_spans(self.rules, normalize_text(text))]

    def spans(self, text: str) -> list[NamedSpan]:
        """(start, end, lexicon name) of every counted match, sorted; offsets index ``text``
        (normalising keeps the length)."""
        return self._matcher.spans(normalize_text(text))


@lru_cache(maxsize=16)
def _compile_cached(lexicons: tuple[Lexicon, ...]) -> LexiconMatcher:
    return LexiconMatcher(lexicons)


def compile_lexicons(lexicons: Sequence[Lexicon] | None = None) -> LexiconMatcher:
    """A (cached) :class:`LexiconMatcher` for ``lexicons`` (default: the shipped ones)."""
    if lexicons is None:
        from traceanalysis.lexical.lexicons import load_lexicons

        lexicons = load_lexicons()
    return _compile_cached(tuple(lexicons))
