"""The lexical pass spread over worker processes, for machines with many cores.

Python's ``re`` holds the GIL, so in one process the word and lexicon scans run on one
core while tokenisation uses the others. With ``processes=P`` the rows are cut into P
contiguous shards of about equal size; forked workers (which inherit the texts, the
compiled matcher and the loaded tokenizer, nothing is pickled on the way in) each run
the ordinary pass on their shard with ``threads`` tokenizer threads, and the parent
concatenates the per-row arrays and sums the frequency counts. Results are identical to
one process.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from traceanalysis.lexical.counting import PassResult, TextSource, lexical_pass
from traceanalysis.lexical.matcher import LexiconMatcher
from traceanalysis.lexical.tokenizers import ReferenceTokenizer

_SHARED: dict[str, Any] = {}  # set in the parent just before forking


class _Window:
    """Rows a..b of a text source, indexed from 0."""

    def __init__(self, texts: Sequence[str] | TextSource, a: int, b: int):
        self.texts, self.a, self.b = texts, a, b

    def __len__(self) -> int:
        return self.b - self.a

    def __getitem__(self, window: slice) -> list[str]:
        start, stop, _ = window.indices(len(self))
        return list(self.texts[self.a + start : self.a + stop])


def shard_bounds(sizes: np.ndarray, shards: int) -> list[tuple[int, int]]:
    """Contiguous (a, b) row ranges holding about equal numbers of characters."""
    if len(sizes) == 0:
        return []
    cumulative = np.cumsum(sizes, dtype=np.float64)
    targets = cumulative[-1] * np.arange(1, shards) / shards
    cuts = np.searchsorted(cumulative, targets, side="right")
    edges = sorted({0, *cuts.tolist(), len(sizes)})
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def _run_shard(bounds: tuple[int, int]) -> PassResult:
    a, b = bounds
    s = _SHARED
    return lexical_pass(
        _Window(s["texts"], a, b),
        s["matcher"],
        s["tokenizer"],
        sizes=s["sizes"][a:b],
        groups=s["groups"][a:b],
        **s["options"],
    )


def parallel_lexical_pass(
    texts: Sequence[str] | TextSource,
    matcher: LexiconMatcher,
    tokenizer: ReferenceTokenizer,
    *,
    processes: int,
    sizes: np.ndarray,
    groups: np.ndarray,
    n_groups: int = 1,
    word_freq: bool = False,
    token_freq: bool = False,
    threads: int = 1,
    spans: bool = False,
) -> PassResult:
    """:func:`~traceanalysis.lexical.counting.lexical_pass` over ``processes`` forked
    workers (``fork``, Linux); the same result as the one-process pass."""
    shards = shard_bounds(sizes, processes)
    options = {
        "n_groups": n_groups,
        "word_freq": word_freq,
        "token_freq": token_freq,
        "threads": threads,
        "spans": spans,
    }
    _SHARED.update(
        texts=texts,
        matcher=matcher,
        tokenizer=tokenizer,
        sizes=sizes,
        groups=groups,
        options=options,
    )
    try:
        with multiprocessing.get_context("fork").Pool(len(shards)) as pool:
            parts = pool.map(_run_shard, shards)
    finally:
        _SHARED.clear()
    merged = PassResult(
        n_tokens=np.concatenate([p.n_tokens for p in parts]),
        n_words=np.concatenate([p.n_words for p in parts]),
        n_chars=np.concatenate([p.n_chars for p in parts]),
        counts=np.concatenate([p.counts for p in parts]),
        spans=[s for p in parts for s in p.spans],
    )
    if word_freq:
        merged.word_counts = [
            sum((p.word_counts[g] for p in parts), Counter()) for g in range(n_groups)
        ]
    if token_freq:
        merged.token_counts = [sum(p.token_counts[g] for p in parts) for g in range(n_groups)]
    return merged
