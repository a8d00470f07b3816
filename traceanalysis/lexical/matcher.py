"""One compiled matcher for many lexicons: exact whole-word counts in a single scan.

Each lexicon on its own has a reference meaning (:meth:`LexiconMatcher.count_reference`):
scan the normalised text left to right; at each position an exclusion that matches wins
(what it covers is not counted), else the longest entry that matches with word
boundaries is counted; matches never overlap.

:class:`LexiconMatcher` gets the same counts for all phrase-only lexicons in one scan: a
trie-shaped regex over every phrase of every lexicon reports non-overlapping spans (the
longest phrase at each start). A span inside which a longer phrase could start
("let me think" / "think again") is "risky"; only when the text really continues that
way are such spans merged with the phrases that start inside them into regions
(:meth:`LexiconMatcher._regions`). No lexicon's match crosses a region's edge, so each
lexicon is counted inside each distinct region text once (cached). A lexicon with regex
forms gets its own scan.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from traceanalysis.lexical.lexicons import Lexicon
from traceanalysis.lexical.patterns import (
    TAIL,
    normalize_text,
    phrase_alternation,
    regex_alternation,
    risky_offsets,
    trie_regex,
)
from traceanalysis.lexical.spanscan import SpanScan


class LexiconPattern:
    """The reference scanner of one lexicon: exclusions first, then the longest entry."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        ex_phrases = [e.phrase for e in lexicon.exclusions if e.phrase is not None]
        ex_regexes = [e.regex for e in lexicon.exclusions if e.regex is not None]
        en_phrases = [e.phrase for e in lexicon.entries if e.phrase is not None]
        en_regexes = [e.regex for e in lexicon.entries if e.regex is not None]
        self.has_regex = bool(ex_regexes or en_regexes)
        self.phrases = set(ex_phrases) | set(en_phrases)
        excluded = [
            x
            for x in (phrase_alternation(ex_phrases), regex_alternation(ex_regexes))
            if x is not None
        ]
        counted = [
            x
            for x in (phrase_alternation(en_phrases), regex_alternation(en_regexes))
            if x is not None
        ]
        if excluded:
            counted.insert(0, "(?P<excluded>" + "|".join(excluded) + ")")
        self.pattern = re.compile("(?:" + "|".join(counted) + ")" + TAIL)
        self.has_exclusions = "excluded" in self.pattern.groupindex

    def count(self, text: str) -> int:
        """Counted (non-excluded) matches in normalised ``text``."""
        if not self.has_exclusions:
            return len(self.pattern.findall(text))
        return sum(1 for m in self.pattern.finditer(text) if m.group("excluded") is None)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every counted match in normalised ``text``."""
        return [
            m.span()
            for m in self.pattern.finditer(text)
            if not self.has_exclusions or m.group("excluded") is None
        ]


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
        self._patterns = [LexiconPattern(lex) for lex in lexicons]
        self._literal = [i for i, p in enumerate(self._patterns) if not p.has_regex]
        self._separate = [i for i, p in enumerate(self._patterns) if p.has_regex]
        phrases: set[str] = set()
        for i in self._literal:
            phrases |= self._patterns[i].phrases
        # Non-overlapping spans, the longest phrase at each start. A span is a region
        # (no lexicon's match crosses its edge) unless a longer phrase could start inside
        # it ("risky"); responses with such spans take the slow path (_regions).
        alternation = phrase_alternation(phrases)
        self._spans = re.compile("(?:" + alternation + ")" + TAIL) if alternation else None
        self._scan = SpanScan(self._spans, phrases) if self._spans is not None else None
        self._prefixes = {p[:j] for p in phrases for j in range(1, len(p))}
        self._phrases = sorted(phrases)
        self._risk: dict[str, tuple[int, ...]] = {}
        self._extension: dict[str, re.Pattern[str]] = {}
        self._region_cache: dict[str, tuple[tuple[int, int], ...]] = {}

    def versions(self) -> dict[str, str]:
        """{lexicon name: version}, for manifests and ``df.attrs``."""
        return {lex.name: lex.version for lex in self.lexicons}

    def _risky(self, span: str) -> tuple[int, ...]:
        offsets = self._risk.get(span)
        if offsets is None:
            offsets = self._risk[span] = risky_offsets(span, self._prefixes)
        return offsets

    def _extends(self, span: str, text: str) -> bool:
        """Whether a longer phrase may start inside ``span`` somewhere in ``text``: a
        quick literal-prefixed search for ``span`` followed by such a phrase's rest."""
        if not self._risky(span):
            return False
        pattern = self._extension.get(span)
        if pattern is None:
            norm = " ".join(span.split())
            merged = {
                span[:k] + phrase
                for k in self._risky(span)
                for phrase in self._phrases
                if phrase.startswith(" ".join(span[k:].split()))
                and len(phrase) > len(" ".join(span[k:].split()))
            }
            merged = {" ".join(m.split()) for m in merged} or {norm}
            pattern = self._extension[span] = re.compile(trie_regex(sorted(merged)))
        return pattern.search(text) is not None

    def _regions(self, text: str) -> list[str]:
        """Spans merged with every longer phrase that starts inside them: no lexicon's
        match crosses a region's edge, so counting inside each region alone is exact."""
        regions = []
        start = end = -1
        span_at = self._spans.match  # type: ignore[union-attr]
        for m in self._spans.finditer(text):  # type: ignore[union-attr]
            s, e = m.span()
            if s >= end:
                if end > 0:
                    regions.append(text[start:end])
                start = s
            end = max(end, e)
            pending = [s + k for k in self._risky(m.group())]
            while pending:
                inner = span_at(text, pending.pop())
                if inner is not None and inner.end() > end:
                    end = inner.end()
                    pending.extend(inner.start() + k for k in self._risky(inner.group()))
        if end > 0:
            regions.append(text[start:end])
        return regions

    def _region_counts(self, region: str) -> tuple[tuple[int, int], ...]:
        counts = []
        for i in self._literal:
            n = self._patterns[i].count(region)
            if n:
                counts.append((i, n))
        result = tuple(counts)
        if len(self._region_cache) < 200_000:
            self._region_cache[region] = result
        return result

    def count_normalized(self, text: str) -> list[int]:
        """Counts per lexicon (in ``names`` order) in text already normalised."""
        counts = [0] * len(self._patterns)
        if self._scan is not None:
            spans = Counter(self._scan.findall(text))
            if any(self._extends(span, text) for span in spans):
                spans = Counter(self._regions(text))
            cache = self._region_cache
            for region, times in spans.items():
                hits = cache.get(region)
                if hits is None:
                    hits = self._region_counts(region)
                for i, n in hits:
                    counts[i] += n * times
        for i in self._separate:
            counts[i] = self._patterns[i].count(text)
        return counts

    def count(self, text: str) -> list[int]:
        """Counts per lexicon (in ``names`` order) in ``text``."""
        return self.count_normalized(normalize_text(text))

    def count_many(self, texts: Sequence[str]) -> np.ndarray:
        """An (n_texts, n_lexicons) int64 array of counts."""
        out = np.zeros((len(texts), len(self._patterns)), dtype=np.int64)
        for row, text in enumerate(texts):
            out[row] = self.count(text)
        return out

    def count_reference(self, text: str) -> list[int]:
        """Counts from scanning for each lexicon separately: the definition that
        :meth:`count` equals (used by tests and for auditing)."""
        norm = normalize_text(text)
        return [p.count(norm) for p in self._patterns]

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, lexicon name) of every counted match, sorted; offsets index ``text``."""
        norm = normalize_text(text)
        found = [(s, e, p.lexicon.name) for p in self._patterns for s, e in p.spans(norm)]
        return sorted(found)


@lru_cache(maxsize=16)
def _compile_cached(lexicons: tuple[Lexicon, ...]) -> LexiconMatcher:
    return LexiconMatcher(lexicons)


def compile_lexicons(lexicons: Sequence[Lexicon] | None = None) -> LexiconMatcher:
    """A (cached) :class:`LexiconMatcher` for ``lexicons`` (default: the shipped ones)."""
    if lexicons is None:
        from traceanalysis.lexical.lexicons import load_lexicons

        lexicons = load_lexicons()
    return _compile_cached(tuple(lexicons))
