"""The one pass over all responses: reference tokens, words, lexicon counts, frequencies.

Tokenisation runs in a thread pool (tiktoken releases the GIL) on chunks of responses,
while the main thread scans the same chunks for words and lexicon phrases; token ids are
reduced to counts chunk by chunk, so memory stays a small multiple of one chunk.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from traceanalysis.lexical.matcher import LexiconMatcher, spans_json
from traceanalysis.lexical.tokenizers import ReferenceTokenizer
from traceanalysis.lexical.words import WordCounter
from traceanalysis.text.patterns import normalize_text

CHUNK_CHARS = 1 << 20


@dataclass
class PassResult:
    """Per-response arrays (row order of the input) and per-group frequency counts."""

    n_tokens: np.ndarray
    n_words: np.ndarray
    n_chars: np.ndarray
    counts: np.ndarray  # (n_rows, n_lexicons)
    spans: list[str] = field(default_factory=list)  # per row, with ``spans=True``
    word_counts: list[Counter[str]] = field(default_factory=list)
    token_counts: list[np.ndarray] = field(default_factory=list)


class TextSource(Protocol):
    """Texts that are materialised chunk by chunk: ``len()`` and ``source[a:b]`` -> list."""

    def __len__(self) -> int: ...

    def __getitem__(self, window: slice) -> list[str]: ...


def _chunks(sizes: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Consecutive (start, stop) windows of about ``limit`` characters."""
    bounds, start, size = [], 0, 0
    for i, n in enumerate(sizes.tolist()):
        size += n
        if size >= limit:
            bounds.append((start, i + 1))
            start, size = i + 1, 0
    if start < len(sizes):
        bounds.append((start, len(sizes)))
    return bounds


def _behind_the_scan() -> None:
    """Run this tokenizer thread at a lower priority (nice +5) than the scan.

    The main thread's word and lexicon scan is the critical path: with two tokenizer
    threads at the same priority it gets only two thirds of a core on two cores, while
    tokenisation has slack (it finishes early and waits). Linux applies ``setpriority``
    to the one thread given by its id; elsewhere that would renice the whole process,
    so nothing is done there.
    """
    if sys.platform != "linux":
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + 5)
    except OSError:  # e.g. a seccomp profile that forbids it: same results, default priority
        pass


def _tokenize_chunk(
    tokenizer: ReferenceTokenizer,
    texts: Sequence[str],
    groups: np.ndarray | None,
    token_freq: bool,
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    lengths, ids = tokenizer.encode_chunk(texts)
    freq: dict[int, np.ndarray] = {}
    if token_freq and len(texts):
        codes = groups if groups is not None else np.zeros(len(texts), dtype=np.int64)
        groups_present = np.unique(codes)
        for g in groups_present:
            part = ids if len(groups_present) == 1 else ids[np.repeat(codes == g, lengths)]
            freq[int(g)] = np.bincount(part, minlength=tokenizer.vocab_size)
    return lengths.astype(np.int64), freq


def lexical_pass(
    texts: Sequence[str] | TextSource,
    matcher: LexiconMatcher,
    tokenizer: ReferenceTokenizer,
    *,
    sizes: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    n_groups: int = 1,
    word_freq: bool = False,
    token_freq: bool = False,
    threads: int | None = None,
    chunk_chars: int = CHUNK_CHARS,
    spans: bool = False,
) -> PassResult:
    """Count tokens, words, characters and every lexicon in ``texts``, in one pass.

    ``texts`` may be a list or a :class:`TextSource` that materialises windows on demand
    (then pass ``sizes``, approximate lengths used to cut chunks). ``groups`` (int codes
    0..n_groups-1, one per text) selects the frequency table a text adds to when
    ``word_freq``/``token_freq`` are on.
    """
    n = len(texts)
    threads = threads or os.cpu_count() or 1
    if sizes is None:
        sizes = np.fromiter(map(len, texts), dtype=np.int64, count=n)  # type: ignore[arg-type]
    result = PassResult(
        n_tokens=np.zeros(n, dtype=np.int64),
        n_words=np.zeros(n, dtype=np.int64),
        n_chars=np.zeros(n, dtype=np.int64),
        counts=np.zeros((n, len(matcher.names)), dtype=np.int64),
        token_counts=[np.zeros(tokenizer.vocab_size, dtype=np.int64) for _ in range(n_groups)]
        if token_freq
        else [],
    )
    codes = groups if groups is not None else np.zeros(n, dtype=np.int64)
    words = WordCounter(n_groups, keep_frequencies=word_freq)
    chunks = _chunks(sizes, chunk_chars)
    workers = threads if tokenizer.parallel_threads else 1
    pending: dict[int, tuple[list[str], Future]] = {}
    # Only tiktoken's threads are lowered: a Hugging Face tokenizer may start its own
    # thread pool from the calling thread, which would then keep the lower priority.
    lower = _behind_the_scan if tokenizer.kind == "tiktoken" else None
    with ThreadPoolExecutor(max_workers=workers, initializer=lower) as pool:

        def submit(k: int) -> None:
            a, b = chunks[k]
            window = list(texts[a:b])
            part_groups = codes[a:b] if token_freq else None
            fut = pool.submit(_tokenize_chunk, tokenizer, window, part_groups, token_freq)
            pending[k] = (window, fut)

        ahead = 2 * workers  # chunks materialised and tokenised ahead of the scan
        for k in range(min(ahead, len(chunks))):
            submit(k)
        for k, (a, b) in enumerate(chunks):
            window, fut = pending.pop(k)
            _scan_chunk(window, a, matcher, words, result, codes, spans)
            del window
            if k + ahead < len(chunks):
                submit(k + ahead)
            lengths, freq = fut.result()
            result.n_tokens[a:b] = lengths
            for g, counts in freq.items():
                result.token_counts[g] += counts
    if word_freq:
        result.word_counts = [words.frequencies(g) for g in range(n_groups)]
    return result


def _scan_chunk(
    window: list[str],
    a: int,
    matcher: LexiconMatcher,
    words: WordCounter,
    result: PassResult,
    codes: np.ndarray,
    spans: bool = False,
) -> None:
    count, scan = matcher.count_normalized, matcher.scan_normalized
    for row, text in enumerate(window, start=a):
        norm = normalize_text(text)
        result.n_chars[row] = len(text)
        result.n_words[row] = words.count(norm, codes[row])
        if spans:
            result.counts[row], found = scan(norm)
            result.spans.append(spans_json(found))
        else:
            result.counts[row] = count(norm)
