"""The one pass over all responses: reference tokens, words, lexicon counts, frequencies.

Tokenisation runs in a thread pool (tiktoken releases the GIL) on chunks of responses,
while the main thread scans the same chunks for words and lexicon phrases; token ids are
reduced to counts chunk by chunk, so memory stays a small multiple of one chunk.
"""

from __future__ import annotations

import os
import re
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from traceanalysis.lexical.matcher import LexiconMatcher
from traceanalysis.lexical.patterns import WORD_PATTERN, normalize_text
from traceanalysis.lexical.tokenizers import ReferenceTokenizer

_WORD = re.compile(WORD_PATTERN)
CHUNK_CHARS = 1 << 20


@dataclass
class PassResult:
    """Per-response arrays (row order of the input) and per-group frequency counts."""

    n_tokens: np.ndarray
    n_words: np.ndarray
    n_chars: np.ndarray
    counts: np.ndarray  # (n_rows, n_lexicons)
    word_counts: list[Counter[str]] = field(default_factory=list)
    token_counts: list[np.ndarray] = field(default_factory=list)


def _chunks(texts: Sequence[str], limit: int) -> Iterator[tuple[int, int]]:
    start, size = 0, 0
    for i, text in enumerate(texts):
        size += len(text)
        if size >= limit:
            yield start, i + 1
            start, size = i + 1, 0
    if start < len(texts):
        yield start, len(texts)


def _tokenize_chunk(
    tokenizer: ReferenceTokenizer,
    texts: Sequence[str],
    groups: np.ndarray | None,
    token_freq: bool,
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    arrays = tokenizer.encode(texts)
    lengths = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
    freq: dict[int, np.ndarray] = {}
    if token_freq and arrays:
        codes = groups if groups is not None else np.zeros(len(arrays), dtype=np.int64)
        for g in np.unique(codes):
            ids = np.concatenate([a for a, c in zip(arrays, codes, strict=True) if c == g])
            freq[int(g)] = np.bincount(ids, minlength=tokenizer.vocab_size)
    return lengths, freq


def lexical_pass(
    texts: Sequence[str],
    matcher: LexiconMatcher,
    tokenizer: ReferenceTokenizer,
    *,
    groups: np.ndarray | None = None,
    n_groups: int = 1,
    word_freq: bool = False,
    token_freq: bool = False,
    threads: int | None = None,
    chunk_chars: int = CHUNK_CHARS,
) -> PassResult:
    """Count tokens, words, characters and every lexicon in ``texts``, in one pass.

    ``groups`` (int codes 0..n_groups-1, one per text) selects which frequency table a
    text adds to when ``word_freq``/``token_freq`` are on.
    """
    n = len(texts)
    threads = threads or os.cpu_count() or 1
    result = PassResult(
        n_tokens=np.zeros(n, dtype=np.int64),
        n_words=np.zeros(n, dtype=np.int64),
        n_chars=np.fromiter(map(len, texts), dtype=np.int64, count=n),
        counts=np.zeros((n, len(matcher.names)), dtype=np.int64),
        word_counts=[Counter() for _ in range(n_groups)] if word_freq else [],
        token_counts=[np.zeros(tokenizer.vocab_size, dtype=np.int64) for _ in range(n_groups)]
        if token_freq
        else [],
    )
    codes = groups if groups is not None else np.zeros(n, dtype=np.int64)
    chunks = list(_chunks(texts, chunk_chars))
    workers = threads if tokenizer.parallel_threads else 1
    pending: deque[tuple[int, int, Future]] = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:

        def submit(k: int) -> None:
            a, b = chunks[k]
            part_groups = codes[a:b] if token_freq else None
            fut = pool.submit(_tokenize_chunk, tokenizer, texts[a:b], part_groups, token_freq)
            pending.append((a, b, fut))

        ahead = 2 * workers  # chunks tokenised ahead of the main thread
        for k in range(min(ahead, len(chunks))):
            submit(k)
        for k, (a, b) in enumerate(chunks):
            _scan_chunk(texts, a, b, matcher, result, codes, word_freq)
            if k + ahead < len(chunks):
                submit(k + ahead)
            while pending and (pending[0][2].done() or pending[0][0] <= a):
                _collect(pending.popleft(), result)
        while pending:
            _collect(pending.popleft(), result)
    return result


def _scan_chunk(
    texts: Sequence[str],
    a: int,
    b: int,
    matcher: LexiconMatcher,
    result: PassResult,
    codes: np.ndarray,
    word_freq: bool,
) -> None:
    findall = _WORD.findall
    count = matcher.count_normalized
    for row in range(a, b):
        norm = normalize_text(texts[row])
        words = findall(norm)
        result.n_words[row] = len(words)
        if word_freq:
            result.word_counts[codes[row]].update(words)
        result.counts[row] = count(norm)


def _collect(item: tuple[int, int, Future], result: PassResult) -> None:
    a, b, fut = item
    lengths, freq = fut.result()
    result.n_tokens[a:b] = lengths
    for g, counts in freq.items():
        result.token_counts[g] += counts
