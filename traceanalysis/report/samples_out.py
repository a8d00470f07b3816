"""The per-response table's outputs: samples.parquet and the sample browser's examples."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from traceanalysis.engine.memory import take_rows
from traceanalysis.portable import portable

PATH_COLUMNS = ("model", "source_file")  # absolute paths in them are written relative
ROW_GROUP_ROWS = 1024  # rows per row group of samples.parquet


def select_examples(df: pd.DataFrame, per_run: int, seed: int = 0) -> pd.DataFrame:
    """Up to ``per_run`` responses per run for the sample browser, seeded, interleaving
    correct/incorrect/ungraded responses and difficulty bins so each stratum shows up."""
    return take_rows(df, example_rows(df, per_run, seed))  # not iloc: it joins text chunks


def example_rows(df: pd.DataFrame, per_run: int, seed: int = 0) -> np.ndarray:
    """The row positions :func:`select_examples` picks (chosen on a few columns only)."""
    if per_run <= 0 or df.empty:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(seed)
    keys = [
        c
        for c in ("run", "correct", "difficulty_bin_coarse", "problem_id", "sample_idx")
        if c in df.columns
    ]
    slim = df[keys].reset_index(drop=True)  # choose on a few columns; take the text once
    shuffled = slim.iloc[rng.permutation(len(slim))]
    strata = [shuffled["run"], shuffled["correct"].astype("string").fillna("NA")]
    if "difficulty_bin_coarse" in shuffled.columns:
        strata.append(shuffled["difficulty_bin_coarse"].astype("string").fillna("NA"))
    order = shuffled.groupby(strata, sort=False, observed=True).cumcount()
    picked = shuffled.assign(_order=order.to_numpy()).sort_values(["run", "_order"], kind="stable")
    picked = picked.groupby("run", sort=False).head(per_run)
    return picked.sort_values(["run", "problem_id", "sample_idx"]).index.to_numpy()


def write_samples(
    batches: Iterable[pd.DataFrame], path: Path, cache: Any = None, keys: list[str] | None = None
) -> Path:
    """The per-response table with all features as Parquet (attrs left out), written
    batch by batch from ``batches`` (a DataFrame is one batch), in row groups of
    :data:`ROW_GROUP_ROWS`. Absolute paths in :data:`PATH_COLUMNS` are written relative to
    the current folder.

    With a stage ``cache`` and the analysis ``keys``, an unchanged table is copied from
    the cache instead of being encoded again (the current folder is part of its key).
    """
    if isinstance(batches, pd.DataFrame):
        batches = [batches]
    stored = None
    if cache is not None and cache.enabled and keys:
        key = cache.key("samples", "3", {"cwd": os.getcwd()}, *keys)
        stored = cache.root / f"samples-{key[:24]}.parquet"
        if stored.is_file():
            shutil.copyfile(stored, path)
            return path
    writer: pq.ParquetWriter | None = None
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    try:
        for batch in batches:
            plain = _plain(batch)
            del batch
            # Row groups of ROW_GROUP_ROWS: the writer encodes (and holds) one at a time.
            for start in range(0, len(plain), ROW_GROUP_ROWS):
                part = plain.iloc[start : start + ROW_GROUP_ROWS]
                table = pa.Table.from_pandas(part, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
                writer.write_table(table.cast(writer.schema))
                del part, table
            del plain
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, path)
    if stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        part = stored.with_suffix(f".tmp{os.getpid()}")
        shutil.copyfile(path, part)
        os.replace(part, stored)
    return path


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    table = df.copy(deep=False)  # columns replaced below, never written in place (CoW)
    table.attrs = {}
    for col in table.columns:
        if isinstance(table[col].dtype, pd.CategoricalDtype):
            table[col] = table[col].astype("string")
    for col in PATH_COLUMNS:
        if col in table.columns:
            table[col] = _portable_column(table[col])
    return table


def _portable_column(column: pd.Series) -> pd.Series:
    """``column`` with each distinct value through :func:`portable`; unchanged (the same
    object) when no value changes."""
    values = [v for v in pd.unique(column.dropna()) if isinstance(v, str)]
    changed = {v: p for v in values if (p := portable(v)) != v}
    if not changed:
        return column
    return column.map(lambda v: changed.get(v, v) if isinstance(v, str) else v).astype(column.dtype)
