"""The matcher's span scan, done fast: candidate starts from bytes, each checked by regex.

:class:`SpanScan` returns exactly ``spans.findall(text)`` for the matcher's span regex
(non-overlapping phrase matches, left to right). Python's ``re`` tries that regex at
every position of the text, and every attempt costs a call into the engine. Here:

- a phrase that begins with a word character can only start where the text has the
  phrase's *head* (its leading run of word characters) right after a character that is
  neither a word character nor a backslash, and right before a non-word character. In
  an ASCII text, mapping every other ASCII character to a space makes that "a space,
  the head, then no word character", which a bytes regex with a literal first character
  finds with ``re``'s fast literal search;
- a phrase that begins with punctuation (``$i$``) can only start where it occurs;
  those occurrences (overlapping ones included) are found by a plain search;
- position 0 is always a candidate.

Bytes of non-ASCII characters become spaces too: then a head after an em dash is a
candidate, and one after a non-ASCII letter is a candidate that the check rejects. In
a text with non-ASCII characters, byte offsets are turned into character offsets.

Walking the candidates in order, trying the span regex at each one not already inside
the previous match, gives the same matches as the full scan, since no match can start
anywhere else."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from traceanalysis.lexical.patterns import trie_regex

_HEAD = re.compile(r"\w*")
# Only ASCII word characters and backslashes (before which no phrase starts) stay.
_KEEP = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_\\")
_TO_SPACE = bytes(b if b in _KEEP else 32 for b in range(256))


class SpanScan:
    """``spans.findall(text)`` by candidate positions (see the module docstring)."""

    def __init__(self, spans: re.Pattern[str], phrases: Iterable[str]):
        self._spans = spans
        heads: set[str] = set()
        others: set[str] = set()
        for phrase in phrases:
            head = _HEAD.match(phrase).group()  # type: ignore[union-attr]
            if head:
                heads.add(head)
            else:
                others.add(phrase)
        # A head with a non-ASCII character is found by the full scan in any text.
        self._full_scan = any(not h.isascii() for h in heads)
        self._heads = None
        if heads and not self._full_scan:
            self._heads = re.compile((" " + trie_regex(sorted(heads)) + r"(?!\w)").encode())
        self._others = re.compile(trie_regex(sorted(others))) if others else None

    def _head_starts(self, text: str, data: bytes) -> list[int]:
        spaced = data.translate(_TO_SPACE)
        found = [m.start() + 1 for m in self._heads.finditer(spaced)]  # type: ignore[union-attr]
        if len(data) == len(text) or not found:
            return found
        codes = np.frombuffer(data, dtype=np.uint8)
        char_starts = np.flatnonzero((codes & 0xC0) != 0x80)  # byte offset of each character
        return np.searchsorted(char_starts, found).tolist()

    def _candidates(self, text: str, data: bytes) -> list[int]:
        starts = [0]
        if self._heads is not None:
            starts += self._head_starts(text, data)
        if self._others is not None:
            found = []
            m = self._others.search(text)
            while m is not None:
                found.append(m.start())
                m = self._others.search(text, m.start() + 1)
            if found:
                starts = sorted(set(starts).union(found))
        return starts

    def findall(self, text: str) -> list[str]:
        """The span regex's non-overlapping matches in ``text`` (normalised), in order."""
        if self._full_scan:
            return self._spans.findall(text)
        data = text.encode("utf-8", "surrogatepass")
        out = []
        end = 0
        match = self._spans.match
        for start in self._candidates(text, data):
            if start < end:
                continue
            m = match(text, start)
            if m is not None:
                out.append(m.group())
                end = m.end()
        return out
