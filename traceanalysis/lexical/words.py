"""Fast exact word counting: byte-level splitting, then the word regex per distinct piece.

The text (already normalised) is encoded to UTF-8 and every ASCII byte that can neither be
part of a word nor affect a word boundary (whitespace and punctuation other than ``'``,
``-``, ``_``, ``\\``) becomes a space; splitting there gives raw pieces. Word matches never
cross such a byte and only look one character back, which is never such a byte inside a
piece, so the words of the text are exactly the words of its pieces. The word regex
(:data:`~traceanalysis.text.patterns.WORD_PATTERN`) then runs once per *distinct* piece
(cached), not once per occurrence: almost every piece is a plain word.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import islice, repeat

from traceanalysis.text.patterns import WORD_PATTERN

_WORD = re.compile(WORD_PATTERN)
_KEEP = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_\\'-")
_TABLE = bytes(b if (b in _KEEP or b >= 128) else 32 for b in range(256))


class WordCounter:
    """Counts words per text and accumulates raw pieces per group for frequency tables."""

    def __init__(self, n_groups: int = 1, *, keep_frequencies: bool = False):
        self._words: dict[bytes, tuple[str, ...]] = {}
        self._extra: dict[bytes, int] = {}  # pieces with other than exactly one word
        self.pieces: list[Counter[bytes]] = (
            [Counter() for _ in range(n_groups)] if keep_frequencies else []
        )

    def _learn(self, pieces: Iterable[bytes]) -> None:
        for piece in pieces:
            words = tuple(_WORD.findall(piece.decode("utf-8", "surrogatepass")))
            self._words[piece] = words
            if len(words) != 1:
                self._extra[piece] = len(words) - 1

    def count(self, normalized: str, group: int = 0) -> int:
        """Number of words in ``normalized`` text; adds its pieces to ``group``'s counts."""
        raw = normalized.encode("utf-8", "surrogatepass").translate(_TABLE).split()
        if self.pieces:
            tally = self.pieces[group]
            before = len(tally)
            tally.update(raw)
            # A dict keeps insertion order, so the pieces new to this group are its last
            # keys: no set of the text's pieces is needed to find the unseen ones.
            new = islice(reversed(tally), len(tally) - before)
            unseen: Iterable[bytes] = [p for p in new if p not in self._words]
        else:
            unseen = set(raw).difference(self._words)  # iterates the small set, not the dict
        if unseen:
            self._learn(unseen)
        return len(raw) + sum(map(self._extra.get, raw, repeat(0)))

    def frequencies(self, group: int = 0) -> Counter[str]:
        """Word counts of ``group`` (expanded from its distinct pieces)."""
        out: Counter[str] = Counter()
        words = self._words
        for piece, n in self.pieces[group].items():
            for word in words[piece]:
                out[word] += n
        return out
