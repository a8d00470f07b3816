"""Loading without holding the text: input files -> the samples table as Parquet, streamed.

The load stage's path (:func:`stream_load`) gives the same table and attrs as
``align_problems(load_runs(path))``, in two passes over the rows:

1. Each input file is read (:func:`~traceanalysis.io.read_runs.read_runs`: one file at a
   time), its rows are written at once to a spool Parquet file beside the output, and
   only their keys stay in memory: run, problem id, sample index, whether the response is
   missing, file and line, the input's problem id and a code for the prompt (each distinct
   prompt is kept once).
2. On those keys alone the cross-run steps run with the same functions as ``load_runs``:
   automatic sample numbering, validation (rejections, duplicates), problem matching
   (:func:`~traceanalysis.io.problem_match.match_problems` on one row per problem and
   run) and alignment (:func:`~traceanalysis.io.align.align_problems`). The spool is then
   read row group by row group; each kept row gets its sample index, role, model, think
   split and matched problem id, and the rows are written in row groups of ``batch_rows``.

Memory holds one input file, one row group and the keys; never the whole text.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from traceanalysis.engine.memory import release_free_memory
from traceanalysis.engine.store import write_batches
from traceanalysis.errors import InputError
from traceanalysis.io.align import align_problems
from traceanalysis.io.loader import (
    _number_auto_samples,
    apply_run_info,
    apply_think,
    load_attrs,
)
from traceanalysis.io.problem_match import match_problems
from traceanalysis.io.read_runs import check_options, read_runs
from traceanalysis.schema import CORE_COLUMNS, validate_samples

_AUTO = "_auto_idx"
_ROW = "_row"  # a row's position in the spool (the order of the table)
_SPOOL_COLUMNS = {**CORE_COLUMNS, _AUTO: "boolean"}
SPOOL_ROWS = 1024  # rows per spool row group: what pass 2 reads beyond an output batch


def _spool_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """One file's rows with every core column (nulls where the reader had none)."""
    out = {}
    for column, dtype in _SPOOL_COLUMNS.items():
        if column in frame.columns:
            out[column] = frame[column].astype(dtype)
        else:
            out[column] = pd.Series(pd.NA, index=frame.index, dtype=dtype)
    out[_AUTO] = out[_AUTO].fillna(False)
    return pd.DataFrame(out).reset_index(drop=True)


class _Spool:
    """Pass 1's sink: each file's rows to the spool file, their keys kept in memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: pq.ParquetWriter | None = None
        self.keys: list[pd.DataFrame] = []
        self.prompts: dict[str, int] = {}  # each distinct prompt once -> its code
        self.rows = 0

    def __call__(self, frame: pd.DataFrame) -> None:
        rows = _spool_frame(frame)
        codes, uniques = pd.factorize(rows["prompt"])  # a missing prompt is -1
        known = np.array([self.prompts.setdefault(p, len(self.prompts)) for p in uniques] + [-1])
        stand_in = np.where(rows["response"].isna().to_numpy(), None, "x").astype(object)
        self.keys.append(
            pd.DataFrame(
                {
                    "run": rows["run"].astype("category"),
                    "problem_id": rows["problem_id"],
                    "sample_idx": rows["sample_idx"],
                    _AUTO: rows[_AUTO],
                    "response": pd.array(stand_in, dtype="string"),
                    "source_file": rows["source_file"].astype("category"),
                    "source_line": rows["source_line"],
                    "source_problem_id": rows["source_problem_id"],
                    "prompt_code": known[codes],
                }
            )
        )
        for start in range(0, len(rows), SPOOL_ROWS):  # one row group's Arrow copy at a time
            table = pa.Table.from_pandas(
                rows.iloc[start : start + SPOOL_ROWS], preserve_index=False
            )
            if self.writer is None:
                # Read back once, soon: plain pages, no compression (cheap to write and read).
                self.writer = pq.ParquetWriter(
                    self.path, table.schema, compression="none", use_dictionary=False
                )
            self.writer.write_table(table.cast(self.writer.schema))
        self.rows += len(rows)
        del rows, table
        release_free_memory()  # the part's freed buffers, before the next part is read

    def close(self) -> pd.DataFrame:
        """Close the spool file; every row's keys, indexed by position."""
        if self.writer is not None:
            self.writer.close()
        if not self.keys:
            return pd.DataFrame(columns=["run", "problem_id", "prompt_code"])
        keys = pd.concat(self.keys, ignore_index=True)
        self.keys = []
        for column in ("run", "source_file"):
            keys[column] = keys[column].astype("string")
        return keys


def _validated(keys: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """Number the automatic samples, then validate on the keys: (valid keys with their
    ``_row``, rejections), as ``validate_keeping_text`` does on the whole table."""
    keys = _number_auto_samples(keys)
    keys[_ROW] = np.arange(len(keys), dtype="int64")
    return validate_samples(keys)


def _matched(valid: pd.DataFrame, prompt_code: np.ndarray, prompts: list[str], runs: dict):
    """``match_problems`` on one row per (run, problem) of the valid rows (its first input
    id, its first prompt): (each valid row's matched problem id, the match report)."""
    ids = valid["source_problem_id"].fillna(valid["problem_id"])
    codes = pd.Series(prompt_code, dtype="Int64").mask(prompt_code < 0)
    grouped = pd.DataFrame(
        {"run": valid["run"], "problem_id": valid["problem_id"], "source": ids, "code": codes}
    ).groupby(["run", "problem_id"], sort=False, dropna=False, observed=True)
    first = grouped.agg(source=("source", "first"), code=("code", "first")).reset_index()
    prompt = [prompts[int(c)] if pd.notna(c) else pd.NA for c in first["code"].tolist()]
    occ = pd.DataFrame(
        {
            "run": first["run"].astype("string"),
            "problem_id": first["problem_id"].astype("string"),
            "source_problem_id": first["source"].astype("string"),
            "prompt": pd.array(prompt, dtype="string"),
        }
    )
    matched = match_problems(occ, runs)
    node = grouped.ngroup().to_numpy()
    final = pd.array(matched["problem_id"].to_numpy()[node], dtype="string")
    return final, matched.attrs["problem_match"]


def _final_batches(
    spool: Path, kept: np.ndarray, sample_idx: np.ndarray, problem_id: Any, runs: dict, rows: int
) -> Iterator[pd.DataFrame]:
    """The kept rows of the spool, finished, in frames of ``rows`` rows."""
    file = pq.ParquetFile(spool)
    start = 0
    pending: list[pd.DataFrame] = []
    held = 0
    for group in range(file.num_row_groups):
        batch = file.read_row_group(group).to_pandas()
        n = len(batch)
        lo, hi = np.searchsorted(kept, [start, start + n])
        local = kept[lo:hi] - start
        start += n
        if not len(local):
            continue
        if len(local) < n:
            batch = batch.iloc[local].reset_index(drop=True)
        batch["sample_idx"] = pd.array(sample_idx[lo:hi], dtype="Int64")
        batch = apply_think(apply_run_info(batch, runs))[list(CORE_COLUMNS)]  # core dtypes
        batch["source_problem_id"] = batch["source_problem_id"].fillna(batch["problem_id"])
        batch["problem_id"] = problem_id[lo:hi]
        pending.append(batch)
        held += len(batch)
        while held >= rows:
            joined = pd.concat(pending, ignore_index=True)
            yield joined.iloc[:rows]
            pending, held = [joined.iloc[rows:].reset_index(drop=True)], len(joined) - rows
            del joined
            release_free_memory()  # the written batch's buffers
    if held:
        yield pd.concat(pending, ignore_index=True)


def stream_load(
    path: str | Path,
    out: Path,
    columns: dict[str, str] | str | None = None,
    *,
    progress: bool = False,
    roles: dict[str, str] | None = None,
    source_metric: str | None = None,
    batch_rows: int = 8192,
) -> dict[str, Any]:
    """Write the samples table of ``path`` (problems aligned across runs) to the Parquet file
    ``out`` in row groups of ``batch_rows``; returns its attrs (those of ``load_runs`` and
    ``dropped``). Same table and attrs as ``align_problems(load_runs(path, ...))``; raises
    InputError as ``load_runs`` does, and when no response is left."""
    root, columns = check_options(path, columns, roles)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    spool_path = out.with_name(f"{out.name}.spool{os.getpid()}")
    spool = _Spool(spool_path)
    try:
        notes = read_runs(
            root,
            columns,
            spool,
            progress=progress,
            roles=roles,
            source_metric=source_metric,
            in_parts=True,
        )
        keys = spool.close()
        prompt_code = keys.pop("prompt_code").to_numpy()
        valid, invalid = _validated(keys)
        del keys
        attrs = load_attrs(notes, invalid)
        if len(valid) == 0:
            rejected = len(attrs["rejections"])
            raise InputError(f"no responses found ({rejected} rows rejected)", file=str(root))
        rows = valid[_ROW].to_numpy()
        problem_id, attrs["problem_match"] = _matched(
            valid, prompt_code[rows], list(spool.prompts), notes.runs
        )
        frame = pd.DataFrame({"run": valid["run"], "problem_id": problem_id, _ROW: rows})
        aligned, attrs["dropped"] = align_problems(frame)
        keep = aligned[_ROW].to_numpy()
        where = np.searchsorted(rows, keep)  # valid rows are in spool order
        sample_idx = valid["sample_idx"].to_numpy(dtype="int64")[where]
        del valid, frame
        batches = _final_batches(
            spool_path, keep, sample_idx, aligned["problem_id"].array, notes.runs, batch_rows
        )
        write_batches(out, batches, batch_rows)
    finally:
        if spool.writer is not None:
            spool.writer.close()
        spool_path.unlink(missing_ok=True)
    return attrs
