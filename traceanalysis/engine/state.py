"""What a plan run produced (:class:`RunState`) and reading it back: the text-free
features in memory, the text and spans from the stage files, one row group at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from traceanalysis.engine import store


@dataclass
class RunState:
    """What a plan run produced: the text-free features, the files that hold the text and
    spans, each stage's value, the tables, keys and records."""

    features: pd.DataFrame = field(default_factory=pd.DataFrame)
    text_file: Path | None = None  # the load stage's Parquet (every input column)
    column_files: dict[str, Path] = field(default_factory=dict)  # on-disk column -> file
    columns: list[str] = field(default_factory=list)  # every column, in table order
    values: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    table_stage: dict[str, str] = field(default_factory=dict)  # table name -> stage name
    keys: dict[str, str] = field(default_factory=dict)
    records: dict[str, dict[str, object]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)  # column -> stage that added it

    def rows(self, index: Any, columns: list[str] | None = None) -> pd.DataFrame:
        """Rows ``index`` (positions) with every column, text and spans included, in table
        order; read from the stage files row group by row group."""
        import numpy as np

        index = np.asarray(index, dtype=np.int64)
        wanted = [c for c in (columns or self.columns)]
        out = self.features.iloc[index].reset_index(drop=True)
        by_file: dict[Path, list[str]] = {}
        for c in wanted:
            if c not in out.columns and c in self.column_files:
                by_file.setdefault(self.column_files[c], []).append(c)
        for path, cols in by_file.items():
            out = pd.concat([out, _take(path, cols, index)], axis=1)
        out = out[[c for c in wanted if c in out.columns]]
        out.attrs = dict(self.features.attrs)
        return out

    def batches(self) -> Iterator[pd.DataFrame]:
        """The whole table (every column, table order) one row group at a time."""
        if self.text_file is None:
            yield self.rows(range(len(self.features)))
            return
        start = 0
        for i in range(store.row_groups(self.text_file)):
            n = pq.ParquetFile(self.text_file).metadata.row_group(i).num_rows
            yield self.rows(range(start, start + n))
            start += n


def _take(path: Path, columns: list[str], index: Any) -> pd.DataFrame:
    """Rows ``index`` of ``columns`` of ``path``, one row group in memory at a time."""
    import numpy as np

    meta = pq.ParquetFile(path).metadata
    bounds = np.cumsum([0] + [meta.row_group(i).num_rows for i in range(meta.num_row_groups)])
    group = np.searchsorted(bounds, index, side="right") - 1
    pieces: list[pd.DataFrame] = []
    positions: list[np.ndarray] = []
    for g in np.unique(group):
        here = np.flatnonzero(group == g)
        batch = store.read_batch(path, int(g), columns)
        pieces.append(batch.iloc[index[here] - bounds[g]].reset_index(drop=True))
        positions.append(here)
        del batch
    if not pieces:
        return store.read_batch(path, 0, columns).iloc[0:0].reset_index(drop=True)
    taken = pd.concat(pieces, ignore_index=True)
    order = np.argsort(np.concatenate(positions), kind="stable")
    return taken.iloc[order].reset_index(drop=True)
