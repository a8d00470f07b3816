"""The stratified ``lexical`` table: run x correctness x difficulty bin."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from traceanalysis.errors import InputError
from traceanalysis.metrics.bins import bin_sort_key
from traceanalysis.metrics.order import role_order


def lexicon_names_in(df: pd.DataFrame) -> list[str]:
    """Lexicons whose ``_count`` columns are in ``df`` (from ``df.attrs`` when recorded)."""
    recorded = list((df.attrs.get("lexicons") or {}).keys())
    if recorded:
        return [n for n in recorded if f"{n}_count" in df.columns]
    return sorted(
        c[: -len("_count")]
        for c in df.columns
        if c.endswith("_count") and f"{c[:-6]}_per_1k" in df.columns
    )


def _bin_labels(df: pd.DataFrame) -> list[str]:
    column = df["difficulty_bin"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        present = set(column.dropna().astype(str))
        return [str(c) for c in column.cat.categories if str(c) in present]
    present = list(dict.fromkeys(column.dropna().astype(str)))
    known = sorted((b for b in present if bin_sort_key(b) is not None), key=bin_sort_key)
    return known + sorted(b for b in present if bin_sort_key(b) is None)


def _summarise(rows: pd.DataFrame, names: Sequence[str]) -> dict[str, object]:
    tokens = rows["n_tokens"].to_numpy(dtype=float)
    total_tokens = tokens.sum()
    out: dict[str, object] = {
        "n_responses": len(rows),
        "tokens_mean": float(tokens.mean()),
        "words_mean": float(rows["n_words"].to_numpy(dtype=float).mean()),
    }
    if "n_sentences" in rows.columns:
        out["sentences_mean"] = float(rows["n_sentences"].to_numpy(dtype=float).mean())
    for name in names:
        counts = rows[f"{name}_count"].to_numpy(dtype=float)
        out[f"{name}_pooled_per_1k"] = (
            counts.sum() * 1000 / total_tokens if total_tokens else np.nan
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            each = np.where(tokens > 0, counts * 1000 / tokens, np.nan)
        out[f"{name}_mean_per_1k"] = float(np.nanmean(each)) if (tokens > 0).any() else np.nan
        out[f"{name}_per_response"] = float(counts.mean())
        out[f"{name}_present_share"] = float((counts > 0).mean())
    return out


def lexical_table(
    df: pd.DataFrame,
    *,
    lexicons: Sequence[str] | None = None,
    bin_column: str = "difficulty_bin",
) -> pd.DataFrame:
    """Per run x correctness (True/False/"all") x difficulty bin ("all" or a label):
    n_responses, tokens_mean, words_mean and, per lexicon L, ``L_pooled_per_1k`` (total
    count per 1,000 reference tokens of the stratum: sum of counts / sum of tokens x 1000),
    ``L_mean_per_1k`` (mean of the per-response rates; responses with no token left out),
    ``L_per_response`` (mean count) and ``L_present_share`` (share with at least one).
    The two rates differ when long responses use the words at another rate than short
    ones; the report quotes the pooled one. Runs in role order (base, rl, distilled, other).

    Strata by correctness appear when a ``correct`` column exists (ungraded rows count
    only in "all"); by bin when ``bin_column`` exists. Empty strata are left out.
    """
    needed = {"run", "n_tokens", "n_words"}
    missing = needed - set(df.columns)
    if missing:
        raise InputError(f"lexical table needs columns {sorted(missing)}: run count_lexicons first")
    names = list(lexicons) if lexicons is not None else lexicon_names_in(df)
    has_correct = "correct" in df.columns
    has_bins = bin_column in df.columns
    bins = _bin_labels(df.rename(columns={bin_column: "difficulty_bin"})) if has_bins else []
    correct = df["correct"].astype("boolean") if has_correct else None
    bin_values = df[bin_column].astype("string") if has_bins else None
    records = []
    for run in role_order(df.loc[df["run"].notna()]):
        in_run = df["run"].astype("string") == run
        for corr in ["all"] + ([True, False] if has_correct else []):
            mask = in_run if corr == "all" else in_run & (correct == corr).fillna(False)
            for label in ["all"] + bins:
                cell = mask if label == "all" else mask & (bin_values == label).fillna(False)
                rows = df.loc[cell.to_numpy(dtype=bool)]
                if rows.empty:
                    continue
                record = {"run": str(run), "correct": corr, "difficulty_bin": label}
                records.append(record | _summarise(rows, names))
    table = pd.DataFrame.from_records(records)
    info = df.attrs.get("tokenizer") or {}
    table["tokenizer"] = info.get("name", "unknown")
    table["unit"] = info.get("unit", "tokens")
    table.attrs["tokenizer"] = dict(info)
    table.attrs["lexicons"] = dict(df.attrs.get("lexicons") or {})
    return table
