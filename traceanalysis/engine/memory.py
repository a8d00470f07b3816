"""Keeping the pipeline's memory near one copy of the text, and measuring it per stage.

- :func:`is_text_column`: the long text and ``*_spans`` columns, which the runner keeps on
  disk (the stage files) rather than in memory.
- :func:`take_rows`: a few rows of the table, taken chunk by chunk from Arrow-backed
  columns (so picking 200 examples does not join, i.e. copy, the whole text first).
- :func:`release_free_memory`: freed heap pages handed back to the OS after each stage;
  :func:`returns_memory` runs a function with Arrow allocating from the C heap (glibc
  ``malloc``, trimmed between stages) instead of mimalloc, which keeps freed pages
  resident (on the benchmark corpus: 20 MiB more after loading, more at later peaks).
- :class:`StageMeter`: what the pipeline records per stage (RSS before and after, the
  process's peak so far); a benchmark may install its own with :func:`set_stage_meter`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import resource
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

# Long per-response text (and JSON span lists): the columns a row selection copies.
TEXT_COLUMNS = ("response", "prompt", "reasoning")


def is_text_column(name: object) -> bool:
    """Response/prompt/reasoning text or a ``*_spans`` JSON column."""
    return name in TEXT_COLUMNS or str(name).endswith("_spans")


def _take_chunked(chunked: pa.ChunkedArray, rows: np.ndarray) -> pa.Array:
    """``chunked.take(rows)`` without joining the chunks: each chunk gives its rows."""
    starts = np.cumsum([0] + [len(c) for c in chunked.chunks])
    which = np.searchsorted(starts, rows, side="right") - 1
    order = np.argsort(which, kind="stable")  # rows grouped by chunk, request order kept
    parts = []
    for k in np.unique(which):
        local = rows[order][which[order] == k] - starts[k]
        parts.append(chunked.chunk(int(k)).take(pa.array(local)))
    grouped = pa.concat_arrays(parts) if parts else pa.array([], type=chunked.type)
    back = np.empty(len(rows), dtype=np.int64)
    back[order] = np.arange(len(rows))
    return grouped.take(pa.array(back))


def take_rows(df: pd.DataFrame, rows: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """``df.iloc[rows].reset_index(drop=True)``, with Arrow-backed columns taken chunk by
    chunk: Arrow's take on a chunked column first joins the chunks (a copy of the whole
    column for a handful of rows). Same values, dtypes and attrs."""
    rows = np.asarray(rows, dtype=np.int64)
    rows = np.where(rows < 0, rows + len(df), rows)
    columns = {}
    for name in df.columns:
        array = df[name].array
        chunked = getattr(array, "_pa_array", None)
        if isinstance(chunked, pa.ChunkedArray) and chunked.num_chunks > 1:
            if isinstance(array, pd.arrays.ArrowStringArray):
                taken = pd.arrays.ArrowStringArray(_take_chunked(chunked, rows), dtype=array.dtype)
            else:
                taken = type(array)(_take_chunked(chunked, rows))
            columns[name] = pd.Series(taken, name=name, copy=False)
        else:
            columns[name] = df[name].iloc[rows].reset_index(drop=True)
    out = pd.DataFrame(columns, columns=df.columns) if columns else df.iloc[rows]
    out = out.reset_index(drop=True)
    out.attrs = df.attrs
    return out


def _libc_malloc_trim() -> object:
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


_MALLOC_TRIM: list[object] = []


def release_free_memory() -> None:
    """Hand freed memory back to the OS: Arrow's pool, then the C heap (glibc
    ``malloc_trim``), so a stage starts from the memory the data needs, not from the
    earlier stages' freed buffers."""
    pa.default_memory_pool().release_unused()
    try:  # buffers allocated before the switch to the system pool
        pa.mimalloc_memory_pool().release_unused()
    except (NotImplementedError, pa.ArrowNotImplementedError):
        pass
    if not _MALLOC_TRIM:
        _MALLOC_TRIM.append(_libc_malloc_trim())
    if _MALLOC_TRIM[0] is not None:
        _MALLOC_TRIM[0](0)  # type: ignore[operator]


F = TypeVar("F", bound=Callable[..., Any])


def returns_memory(func: F) -> F:
    """Run ``func`` with Arrow's system allocator as the default pool (restored after)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = pa.default_memory_pool()
        pa.set_memory_pool(pa.system_memory_pool())
        try:
            return func(*args, **kwargs)
        finally:
            pa.set_memory_pool(previous)

    return wrapper  # type: ignore[return-value]


# Seeded bootstrap resample matrices, cached while the tables and the audit are made (up to
# 16 + 4 matrices of n_boot x problems floats: 21 MiB on the benchmark corpus).
_TABLE_CACHES = (
    ("traceanalysis.metrics.bootstrap", "resample_weights"),
    ("traceanalysis.audit_stats", "_resample_counts"),
)


def clear_table_caches() -> None:
    """Drop the bootstrap resamples cached for the tables (drawn again, seeded, if needed)."""
    import sys

    for module, name in _TABLE_CACHES:
        clear = getattr(getattr(sys.modules.get(module), name, None), "cache_clear", None)
        if clear is not None:
            clear()


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def rss_mib() -> float | None:
    """Resident memory of this process now (MiB; Linux ``VmRSS``), None elsewhere."""
    return _status_mib("VmRSS")


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB; Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class StageMeter:
    """Records ``rss_mib`` (after the stage) and ``peak_rss_mib`` (process peak so far)."""

    def begin(self, name: str) -> dict[str, object]:
        """Called as stage ``name`` starts; returns what to merge into its record."""
        return {}

    def end(self, name: str) -> dict[str, object]:
        """Called as stage ``name`` ends; returns what to merge into its record."""
        return {"rss_mib": rss_mib(), "peak_rss_mib": peak_rss_mib()}


_METER: list[StageMeter] = [StageMeter()]


def set_stage_meter(meter: StageMeter | None) -> None:
    """Install ``meter`` for every later pipeline stage (None: the default one)."""
    _METER[0] = meter or StageMeter()


def stage_meter() -> StageMeter:
    """The installed :class:`StageMeter`."""
    return _METER[0]
