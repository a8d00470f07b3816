"""The ``lexical`` stage: per-response token, word and lexicon counts as new columns."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from traceanalysis.errors import InputError
from traceanalysis.lexical.counting import lexical_pass
from traceanalysis.lexical.lexicons import Lexicon, load_lexicons, shipped_lexicon_dir
from traceanalysis.lexical.matcher import LexiconMatcher, compile_lexicons, spans_json
from traceanalysis.lexical.tokenizers import ReferenceTokenizer, get_tokenizer
from traceanalysis.text.patterns import normalize_text

PARTS = ("all", "reasoning", "final")
SPANS_COLUMN = "lexicon_spans"

LexiconsArg = LexiconMatcher | Sequence[Lexicon] | str | Path | None
TokenizerArg = ReferenceTokenizer | str | None


def lexical_columns(lexicon_names: Iterable[str]) -> list[str]:
    """The columns the lexical stage adds for these lexicons, in order."""
    columns = ["n_tokens", "n_words", "n_chars"]
    for name in lexicon_names:
        columns += [f"{name}_count", f"{name}_present", f"{name}_per_1k"]
    return columns


def resolve_matcher(lexicons: LexiconsArg) -> LexiconMatcher:
    """A matcher from a matcher, a list of lexicons, a user folder (added to the shipped
    lexicons) or None (the shipped lexicons)."""
    if isinstance(lexicons, LexiconMatcher):
        return lexicons
    if isinstance(lexicons, (str, Path)):
        return compile_lexicons(load_lexicons(lexicons))
    return compile_lexicons(list(lexicons) if lexicons is not None else None)


def resolve_tokenizer(tokenizer: TokenizerArg) -> ReferenceTokenizer:
    """A tokenizer object from an object, a name/path, or None (the default)."""
    if isinstance(tokenizer, ReferenceTokenizer):
        return tokenizer
    return get_tokenizer(tokenizer)


class ResponseParts:
    """The selected part of each response, materialised window by window."""

    def __init__(self, responses: pd.Series, part: str):
        if part not in PARTS:
            raise InputError(f"part must be one of {', '.join(PARTS)}, got {part!r}")
        self.responses = responses
        self.part = part

    def __len__(self) -> int:
        return len(self.responses)

    def __getitem__(self, window: slice) -> list[str]:
        return select_part(self.responses.iloc[window], self.part)

    def sizes(self) -> np.ndarray:
        """Characters of each whole response (to cut chunks; 0 for nulls)."""
        lengths = self.responses.astype("string").str.len()
        return lengths.fillna(0).to_numpy(dtype=np.int64)


def select_part(responses: pd.Series, part: str) -> list[str]:
    """The text counted for each response: all of it, the ``<think>`` reasoning only
    (empty when there is no think block), or the final part after ``</think>``."""
    if part not in PARTS:
        raise InputError(f"part must be one of {', '.join(PARTS)}, got {part!r}")
    texts = [t if isinstance(t, str) else "" for t in responses.astype(object).tolist()]
    if part == "all":
        return texts
    from traceanalysis.io.think import split_think

    index = 0 if part == "reasoning" else 1
    return [split_think(t)[index] or "" for t in texts]


@dataclass
class LexicalResult:
    """The samples table with lexical columns, plus frequency counts per group."""

    samples: pd.DataFrame
    groups: list[str]
    word_counts: dict[str, Counter[str]]
    token_counts: dict[str, np.ndarray]
    tokenizer: ReferenceTokenizer
    matcher: LexiconMatcher


def analyze_lexical(
    df: pd.DataFrame,
    *,
    lexicons: LexiconsArg = None,
    tokenizer: TokenizerArg = None,
    part: str = "all",
    group_by: str | None = "run",
    word_freq: bool = True,
    token_freq: bool = True,
    threads: int | None = None,
    spans: bool = False,
) -> LexicalResult:
    """One pass: lexical columns for every row, and word/token counts per ``group_by`` value.

    ``spans`` adds ``lexicon_spans``: each response's counted lexicon matches as JSON text,
    ``[[start, end, "lexicon"], ...]`` sorted, offsets into the whole ``response`` (for
    highlighting; with ``part`` other than "all" they come from a scan of the whole text).

    The pass runs in this process (``threads`` tokenizer threads); the plan's executor
    spreads batches over worker processes.
    """
    if "response" not in df.columns:
        raise InputError("the samples table has no 'response' column")
    if group_by is not None and group_by not in df.columns:
        raise InputError(f"the samples table has no {group_by!r} column to group by")
    matcher = resolve_matcher(lexicons)
    tok = resolve_tokenizer(tokenizer)
    texts = ResponseParts(df["response"], part)
    if group_by is None:
        codes, groups = np.zeros(len(df), dtype=np.int64), ["all"]
    else:
        keys = df[group_by].astype("string").fillna("<NA>")
        codes, uniques = pd.factorize(keys, sort=True)
        groups = [str(u) for u in uniques]
    options = {
        "sizes": texts.sizes(),
        "groups": codes.astype(np.int64),
        "n_groups": max(len(groups), 1),
        "word_freq": word_freq,
        "token_freq": token_freq,
        "spans": spans and part == "all",
    }
    result = lexical_pass(texts, matcher, tok, threads=threads, **options)
    columns: dict[str, object] = {
        "n_tokens": result.n_tokens,
        "n_words": result.n_words,
        "n_chars": result.n_chars,
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        per_token = np.where(result.n_tokens > 0, 1000.0 / result.n_tokens, np.nan)
    for j, name in enumerate(matcher.names):
        counts = result.counts[:, j]
        columns[f"{name}_count"] = counts
        columns[f"{name}_present"] = counts > 0
        columns[f"{name}_per_1k"] = counts * per_token
    if spans:
        found = result.spans if part == "all" else _whole_text_spans(df["response"], matcher)
        columns[SPANS_COLUMN] = pd.array(found, dtype="string")
    out = df.assign(**columns)  # shallow: existing columns are not copied
    out.attrs = dict(df.attrs)
    out.attrs["tokenizer"] = tok.info()
    out.attrs["lexicons"] = matcher.versions()
    out.attrs["lexical_part"] = part
    return LexicalResult(
        samples=out,
        groups=groups,
        word_counts=dict(zip(groups, result.word_counts, strict=False)),
        token_counts=dict(zip(groups, result.token_counts, strict=False)),
        tokenizer=tok,
        matcher=matcher,
    )


def _whole_text_spans(responses: pd.Series, matcher: LexiconMatcher) -> list[str]:
    """``lexicon_spans`` over each whole response (when the counts are of one part)."""
    return [
        spans_json(matcher.scan_normalized(normalize_text(t))[1])
        for t in select_part(responses, "all")
    ]


def shipped_lexicons_digest(folder: Path | None = None) -> str:
    """Short sha256 over the shipped lexicon files (names and bytes, top level only).

    It is part of the stage version, so that a pipeline cache filled with other shipped
    word lists (the cache key holds only a user ``--lexicons`` folder) is not reused.
    """
    digest = hashlib.sha256()
    for path in sorted((folder or shipped_lexicon_dir()).glob("*.y*ml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def count_lexicons(
    df: pd.DataFrame,
    *,
    lexicons: LexiconsArg = None,
    tokenizer: TokenizerArg = None,
    part: str = "all",
) -> pd.DataFrame:
    """Add ``n_tokens``, ``n_words``, ``n_chars`` and ``<L>_count``, ``<L>_present``,
    ``<L>_per_1k`` (per 1,000 reference tokens) for every lexicon L.

    Counting is whole-word/phrase and case-insensitive, over the whole response or only
    its ``part`` ("reasoning" inside ``<think>``, "final" after it). ``df.attrs`` gains
    ``tokenizer`` ({"name", "source", "unit"}), ``lexicons`` ({name: version}) and
    ``lexical_part``.
    """
    return analyze_lexical(
        df,
        lexicons=lexicons,
        tokenizer=tokenizer,
        part=part,
        group_by=None,
        word_freq=False,
        token_freq=False,
    ).samples
