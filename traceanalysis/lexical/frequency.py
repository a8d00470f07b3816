"""Frequency tables of words and reference-tokenizer tokens, with rates per 10,000."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np
import pandas as pd

from traceanalysis.lexical.tokenizers import ReferenceTokenizer


def frequency_table(
    counts: Mapping[str, int], *, top: int | None = None, min_count: int = 1
) -> pd.DataFrame:
    """The ``word_freq_<run>`` table: token, count, per_10k (per 10,000 words of the run),
    sorted by count (ties alphabetically); ``top`` keeps the first rows."""
    total = sum(counts.values())
    items = sorted(
        ((w, c) for w, c in counts.items() if c >= min_count), key=lambda x: (-x[1], x[0])
    )
    if top is not None:
        items = items[:top]
    table = pd.DataFrame(items, columns=["token", "count"])
    table["count"] = table["count"].astype(np.int64)
    table["per_10k"] = table["count"] * 10_000 / total if total else np.nan
    return table


def token_frequency_table(
    counts: np.ndarray,
    tokenizer: ReferenceTokenizer,
    *,
    top: int | None = None,
    min_count: int = 1,
) -> pd.DataFrame:
    """The ``token_freq_<run>`` table of reference-tokenizer tokens: token (its text),
    token_id, count, per_10k (per 10,000 tokens), sorted by count."""
    total = int(counts.sum())
    ids = np.flatnonzero(counts >= max(min_count, 1))
    order = np.lexsort((ids, -counts[ids]))
    ids = ids[order][:top] if top is not None else ids[order]
    return pd.DataFrame(
        {
            "token": [tokenizer.token_text(int(i)) for i in ids],
            "token_id": ids.astype(np.int64),
            "count": counts[ids].astype(np.int64),
            "per_10k": counts[ids] * 10_000 / total if total else np.nan,
        }
    )


def token_counter(counts: np.ndarray, tokenizer: ReferenceTokenizer) -> Counter[str]:
    """Token counts keyed by a readable, unique label, for log-odds between corpora.

    The label is the token's text, plus ``#<id>`` when the text holds U+FFFD (a partial
    UTF-8 sequence: hundreds of tokens print the same) so that the label of a token does
    not depend on which other tokens a corpus holds; any other clash also gets the id.
    """
    ids = np.flatnonzero(counts)
    labels: Counter[str] = Counter()
    seen: dict[str, int] = {}
    for i in ids:
        text = tokenizer.token_text(int(i))
        unique = "\ufffd" not in text and seen.setdefault(text, int(i)) == int(i)
        labels[text if unique else f"{text}#{int(i)}"] += int(counts[i])
    return labels


def merge_counts(counters: list[Counter[str]]) -> Counter[str]:
    """Sum several word counters (e.g. all runs of one role)."""
    total: Counter[str] = Counter()
    for c in counters:
        total.update(c)
    return total
