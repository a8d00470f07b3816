"""Writing the lexical tables of a samples table into a folder (the ``lexical`` command)."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from traceanalysis.errors import InputError
from traceanalysis.lexical.frequency import (
    frequency_table,
    merge_counts,
    token_counter,
    token_frequency_table,
)
from traceanalysis.lexical.lexicons import Lexicon
from traceanalysis.lexical.logodds import distinctive_tokens
from traceanalysis.lexical.segment import sentence_source
from traceanalysis.lexical.stage import LexicalResult, TokenizerArg, analyze_lexical
from traceanalysis.lexical.tables import lexical_table
from traceanalysis.metrics.order import role_order
from traceanalysis.safenames import safe_stem
from traceanalysis.schema import ROLES


def safe_name(name: str) -> str:
    """A file-name-safe form of a run or role name (distinct names stay distinct)."""
    return safe_stem(name)


def comparison_pairs(df: pd.DataFrame, compare: str) -> list[tuple[str, str, str]]:
    """(a, b, column) pairs for ``distinctive_<a>_vs_<b>`` tables: 'runs', 'roles' or 'A:B,C:D'.

    ``a_vs_b`` means a against b: z > 0 marks words more frequent in a. For 'runs' and
    'roles' each pair puts the later one in role order (base, rl, distilled, other) first,
    against the earlier one as reference — the names and signs the ``report`` command
    writes (``qwen-distill_vs_qwen-base``); 'A:B' keeps the order given.
    """
    runs = role_order(df)
    if "role" in df.columns:
        roles = [r for r in ROLES if r in set(df["role"].astype(str))]
        roles += sorted(set(df["role"].astype(str)) - set(roles))
    else:
        roles = []
    if compare == "runs":
        return [(b, a, "run") for a, b in itertools.combinations(runs, 2)]
    if compare == "roles":
        return [(b, a, "role") for a, b in itertools.combinations(roles, 2)]
    pairs = []
    for item in compare.split(","):
        a, sep, b = item.partition(":")
        if not sep:
            raise InputError(f"--compare: expected A:B pairs, got {item!r}")
        for column, names in (("run", runs), ("role", roles)):
            if a in names and b in names:
                pairs.append((a, b, column))
                break
        else:
            raise InputError(f"--compare: {a!r} and {b!r} are not both runs or both roles")
    return pairs


def _group_counts(
    result: LexicalResult, df: pd.DataFrame, name: str, column: str
) -> tuple[Counter[str], Counter[str]]:
    runs = (
        [name]
        if column == "run"
        else sorted(set(df.loc[df["role"].astype(str) == name, "run"].astype(str)))
    )
    words = merge_counts([result.word_counts[r] for r in runs])
    tokens = sum(result.token_counts[r] for r in runs)
    return words, token_counter(tokens, result.tokenizer)


def _lexicon_record(lex: Lexicon) -> dict[str, object]:
    record: dict[str, object] = {"name": lex.name, "version": lex.version, "path": lex.path}
    if lex.path and Path(lex.path).is_file():
        record["sha256"] = hashlib.sha256(Path(lex.path).read_bytes()).hexdigest()
    return record


def write_lexical_outputs(
    df: pd.DataFrame,
    out: Path,
    *,
    lexicons: Sequence[Lexicon] | None = None,
    tokenizer: TokenizerArg = None,
    part: str = "all",
    top: int = 200,
    min_count: int = 10,
    compare: str = "runs",
    lemmatize: bool = False,
    sentences: bool = False,
    threads: int | None = None,
) -> list[Path]:
    """Run the lexical pass on ``df`` and write its tables (:func:`write_lexical_tables`)."""
    df, correctness = _with_correctness(df)
    result = analyze_lexical(df, lexicons=lexicons, tokenizer=tokenizer, part=part, threads=threads)
    return write_lexical_tables(
        result, out, part=part, top=top, min_count=min_count, compare=compare,
        lemmatize=lemmatize, sentences=sentences, correctness=correctness,
        n_rejected=len(df.attrs.get("rejections") or []), inputs=df.attrs.get("inputs") or [],
    )  # fmt: skip


def _with_correctness(df: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """``df`` with a ``correct`` column (the input's own labels when nothing was graded)
    and a sentence saying where correctness came from."""
    graded = "correct" in df.columns and df["correct"].notna().any()
    if not graded and "source_correct" in df.columns and df["source_correct"].notna().any():
        df = df.copy()
        df["correct"] = df["source_correct"]
        return df, "source_correct (labels carried by the input; not re-graded)"
    return df, "correct" if graded else "none"


def write_lexical_tables(
    result: LexicalResult,
    out: Path,
    *,
    part: str = "all",
    top: int = 200,
    min_count: int = 10,
    compare: str = "runs",
    lemmatize: bool = False,
    sentences: bool = False,
    correctness: str = "none",
    n_rejected: int = 0,
    inputs: list[object] | None = None,
) -> list[Path]:
    """Write lexical.csv, lexical_samples.parquet, word_freq_<run>.csv,
    token_freq_<run>.csv, distinctive_<a>_vs_<b>.csv (words),
    distinctive_tokens_<a>_vs_<b>.csv (reference tokens) and lexical_manifest.json from a
    lexical pass's ``result`` (its samples carry ``response`` when ``sentences``: spaCy
    sentence counts, ``n_sentences``)."""
    out.mkdir(parents=True, exist_ok=True)
    samples = result.samples
    if sentences:
        from traceanalysis.lexical.segment import sentence_counts
        from traceanalysis.lexical.stage import select_part

        samples["n_sentences"] = sentence_counts(select_part(samples["response"], part))
    written: list[Path] = []

    def save(table: pd.DataFrame, name: str) -> None:
        path = out / f"{name}.csv"
        table.to_csv(path, index=False)
        written.append(path)

    save(lexical_table(samples), "lexical")
    keep = [c for c in ("run", "role", "problem_id", "sample_idx", "correct") if c in samples]
    added = (
        ["n_tokens", "n_words", "n_chars"]
        + ["n_sentences"] * sentences
        + [f"{n}_{s}" for n in result.matcher.names for s in ("count", "present", "per_1k")]
    )
    path = out / "lexical_samples.parquet"
    per_response = samples[keep + added].copy()
    per_response.attrs = {}  # run records etc. are not JSON; the manifest holds them
    per_response.to_parquet(path, index=False)
    written.append(path)
    for run in result.groups:
        save(frequency_table(result.word_counts[run], top=top), f"word_freq_{safe_name(run)}")
        save(
            token_frequency_table(result.token_counts[run], result.tokenizer, top=top),
            f"token_freq_{safe_name(run)}",
        )
        if lemmatize:
            from traceanalysis.lexical.segment import lemmatize_counts

            lemmas = lemmatize_counts(result.word_counts[run])
            save(frequency_table(lemmas, top=top), f"lemma_freq_{safe_name(run)}")
    for a, b, column in comparison_pairs(samples, compare):
        words_a, tokens_a = _group_counts(result, samples, a, column)
        words_b, tokens_b = _group_counts(result, samples, b, column)
        stem = f"{safe_name(a)}_vs_{safe_name(b)}"
        save(distinctive_tokens(words_a, words_b, min_count=min_count), f"distinctive_{stem}")
        save(
            distinctive_tokens(tokens_a, tokens_b, min_count=min_count),
            f"distinctive_tokens_{stem}",
        )
    manifest = {
        "tokenizer": result.tokenizer.info(),
        "word_unit": "words: letter runs with inner apostrophes/hyphens, lowercased",
        "part": part,
        "sentences": sentence_source() if sentences else None,
        "correctness": correctness,
        "lexicons": [_lexicon_record(lex) for lex in result.matcher.lexicons],
        "n_responses": len(samples),
        "rejected_rows": n_rejected,
        "inputs": inputs or [],
    }
    path = out / "lexical_manifest.json"
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    written.append(path)
    return written
