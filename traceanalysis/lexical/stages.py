"""The plan's language stages: per-response lexical counts (one pass that also counts the
words of every run) and the lexical, word-frequency and distinctive-token tables."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from traceanalysis.cache import content_hash
from traceanalysis.engine.registry import stage, table
from traceanalysis.errors import InputError
from traceanalysis.lexical.frequency import frequency_table
from traceanalysis.lexical.logodds import distinctive_tokens
from traceanalysis.lexical.stage import analyze_lexical
from traceanalysis.lexical.tables import lexical_table
from traceanalysis.metrics.order import comparison_pairs, run_infos

LEXICAL_ADDS = (
    "n_tokens", "n_words", "n_chars", "*_count", "*_present", "*_per_1k", "lexicon_spans",
)  # fmt: skip


def _folder_hashes(folder: Path) -> list[tuple[str, str]]:
    if not folder.is_dir():
        raise InputError("--lexicons: not a folder", file=str(folder))
    return [
        (p.name, content_hash(p.read_text(encoding="utf-8")))
        for p in sorted(folder.rglob("*.y*ml"))
    ]


def _lexical_key(options: dict[str, Any]) -> dict[str, Any]:
    folder = options.get("lexicons")  # a folder's content, not its path
    return {**options, "lexicons": content_hash(_folder_hashes(Path(folder))) if folder else None}


def combine_word_counts(partials: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per-run word counts (and token counts, when asked for) of every batch, summed; runs
    in order of first appearance. ``{"words": {run: Counter}, "tokens": {run: array}}``."""
    words: dict[str, Counter[str]] = {}
    tokens: dict[str, Any] = {}
    for part in partials:
        for run, counts in part["words"].items():
            words.setdefault(run, Counter()).update(counts)
        for run, counts in part.get("tokens", {}).items():
            tokens[run] = tokens[run] + counts if run in tokens else counts
    return {"words": words, "tokens": tokens}


@stage(
    "lexical",
    "3",
    reads=("run", "response"),
    adds=LEXICAL_ADDS,
    options=("lexicons", "tokenizer", "lexical_part", "token_freq"),
    key=_lexical_key,
    combine=combine_word_counts,
)
def lexical_rows(
    df: pd.DataFrame,
    *,
    lexicons: str | None = None,
    tokenizer: str | None = None,
    lexical_part: str = "all",
    token_freq: bool = False,
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """Tokens, words, characters and lexicon counts/rates per response (in the
    ``lexical_part`` of it: all, reasoning or final), the spans of its lexicon matches
    (``lexicon_spans``, over the whole response, for highlighting) and the words (and,
    with ``token_freq``, the reference tokens) of each run, from the same pass."""
    res = analyze_lexical(
        df, lexicons=lexicons, tokenizer=tokenizer, part=lexical_part, group_by="run",
        word_freq=True, token_freq=token_freq, spans=True,
    )  # fmt: skip
    counts: dict[str, dict[str, Any]] = {"words": dict(res.word_counts)}
    if token_freq:
        counts["tokens"] = dict(res.token_counts)
    return res.samples, counts


@table("lexical_table", reads=("n_tokens", "*_per_1k", "correct", "difficulty_bin"))
def lexical_summary(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The ``lexical`` table: each lexicon's rates per run (pooled and mean, with CIs)."""
    return {"lexical": lexical_table(df)} if "n_tokens" in df.columns else {}


@table("word_freq", reads=("run",), needs=("lexical",))
def word_frequencies(df: pd.DataFrame, *, lexical: dict[str, Any]) -> dict:
    """``word_freq_<run>``: the run's 2,000 most frequent words, per 10,000 words."""
    counts = (lexical or {}).get("words", {})
    return {
        f"word_freq_{r.name}": frequency_table(counts[r.name], top=2000)
        for r in run_infos(df)
        if r.name in counts
    }


@table("distinctive", reads=("run",), needs=("lexical", "reference"))
def distinctive(
    df: pd.DataFrame, *, lexical: dict[str, Any], reference: str | None
) -> dict[str, pd.DataFrame]:
    """``distinctive_<a>_vs_<b>``: weighted log-odds of words, for the compared pairs."""
    counts = (lexical or {}).get("words", {})
    return {
        f"distinctive_{a}_vs_{b}": distinctive_tokens(counts[a], counts[b])
        for a, b in comparison_pairs(run_infos(df), reference)
        if a in counts and b in counts
    }
