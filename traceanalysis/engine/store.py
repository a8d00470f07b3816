"""Parquet files of the stage cache: the samples table's text and each stage's columns.

A per-row stage reads its input one row group at a time (:func:`read_batch`) and its
output is written batch by batch (:func:`write_batches`), so the full text is never held
in memory. The pandas dtypes of the written frames are recorded in the file's metadata
and restored on read: a frame read back equals the frame written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

_DTYPES_KEY = b"traceanalysis.dtypes"


def _schema_with_dtypes(table: pa.Table, frame: pd.DataFrame) -> pa.Schema:
    dtypes = {str(c): str(t) for c, t in frame.dtypes.items()}
    meta = dict(table.schema.metadata or {})
    meta[_DTYPES_KEY] = json.dumps(dtypes).encode()
    return table.schema.with_metadata(meta)


def write_batches(path: Path, frames: Iterable[pd.DataFrame], row_group_rows: int) -> int:
    """Write ``frames`` (same columns, same dtypes) as one Parquet file ``path``, batch by
    batch, in row groups of at most ``row_group_rows``; atomically. Returns the rows written.

    An empty iterable writes nothing and returns 0 (``path`` is not created).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for frame in frames:
            plain = frame.reset_index(drop=True)
            plain.attrs = {}  # attrs travel beside the file, not in its pandas metadata
            table = pa.Table.from_pandas(plain, preserve_index=False)
            if writer is None:
                schema = _schema_with_dtypes(table, frame)
                writer = pq.ParquetWriter(tmp, schema)
            table = table.replace_schema_metadata(writer.schema.metadata)
            writer.write_table(table.cast(writer.schema), row_group_size=row_group_rows)
            rows += len(frame)
    except BaseException:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
        raise
    if writer is None:
        return 0
    writer.close()
    os.replace(tmp, path)
    return rows


def _to_frame(table: pa.Table, schema: pa.Schema) -> pd.DataFrame:
    recorded = json.loads((schema.metadata or {}).get(_DTYPES_KEY, b"{}"))
    frame = table.to_pandas()
    for column in frame.columns:
        want = recorded.get(str(column))
        if want is not None and str(frame[column].dtype) != want:
            frame[column] = frame[column].astype(want)
    return frame


def row_groups(path: Path) -> int:
    """The number of row groups (batches) of the Parquet file ``path``."""
    return pq.ParquetFile(path).num_row_groups


def read_batch(path: Path, index: int, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Row group ``index`` of ``path`` (only ``columns``; all when None) as pandas."""
    file = pq.ParquetFile(path)
    table = file.read_row_group(index, columns=list(columns) if columns is not None else None)
    return _to_frame(table, file.schema_arrow)


def read_columns(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Every row of ``path``, only ``columns`` (all when None), as pandas."""
    file = pq.ParquetFile(path)
    table = file.read(columns=list(columns) if columns is not None else None)
    return _to_frame(table, file.schema_arrow)


def column_names(path: Path) -> list[str]:
    """The column names of the Parquet file ``path``."""
    return list(pq.ParquetFile(path).schema_arrow.names)
