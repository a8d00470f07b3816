"""Reading JSON Lines files: a fast columnar path and a line-by-line path that names bad lines.

The fast path hands the whole file to ``pyarrow.json``; it is taken only when every line
parsed and line numbers are recoverable (no blank lines). Anything else — a truncated
line, non-UTF-8 bytes, mixed types, a line longer than pyarrow's block — falls back to
parsing line by line, so that each bad line becomes a :class:`Rejection` with its number.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from traceanalysis.schema import Rejection

# pyarrow parses a file in blocks; one block must hold a whole line.
_BLOCK_SIZE = 8 << 20


def read_jsonl_fast(path: Path) -> pd.DataFrame | None:
    """The whole file as a DataFrame via pyarrow, or None when the slow path is needed.

    The returned frame carries ``source_line`` (1-based). Nested values (lists, objects)
    come back as Python lists/dicts.
    """
    data = path.read_bytes()
    if not data or data.isspace():
        return None
    try:  # pyarrow lets invalid UTF-8 through; such lines must be rejected by number
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    try:
        table = pa_json.read_json(
            pa.BufferReader(data), read_options=pa_json.ReadOptions(block_size=_BLOCK_SIZE)
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if table.num_rows != n_lines:  # blank lines: line numbers would drift
        return None
    frame = table.to_pandas(types_mapper=_string_mapper)
    frame["source_line"] = range(1, len(frame) + 1)
    return frame


def _string_mapper(arrow_type: pa.DataType) -> object:
    """Map Arrow strings to pandas' string dtype (avoids a Python object per value)."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype()
    return None


def iter_jsonl(path: Path) -> tuple[list[tuple[int, dict]], list[Rejection]]:
    """Parse ``path`` line by line: ``([(line_no, record), ...], rejections)``.

    Blank lines are skipped. A line that is not UTF-8, not JSON, or not a JSON object is
    rejected with its 1-based line number and the reason.
    """
    records: list[tuple[int, dict]] = []
    rejections: list[Rejection] = []
    name = str(path)
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                rejections.append(
                    Rejection(name, line_no, f"not valid UTF-8 (byte {exc.start}: {exc.reason})")
                )
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                rejections.append(
                    Rejection(name, line_no, f"not valid JSON ({exc.msg}: column {exc.colno})")
                )
                continue
            except RecursionError:
                rejections.append(Rejection(name, line_no, "JSON nested too deeply"))
                continue
            if not isinstance(value, dict):
                rejections.append(
                    Rejection(name, line_no, f"expected a JSON object, got {type(value).__name__}")
                )
                continue
            records.append((line_no, value))
    return records, rejections


def records_frame(records: list[tuple[int, dict]]) -> pd.DataFrame:
    """A DataFrame of parsed records with a ``source_line`` column (values kept as parsed)."""
    if not records:
        return pd.DataFrame({"source_line": pd.Series([], dtype="int64")})
    frame = pd.DataFrame.from_records([r for _, r in records])
    frame["source_line"] = [n for n, _ in records]
    return frame


def read_jsonl(path: Path) -> tuple[pd.DataFrame, list[Rejection]]:
    """Read a JSONL file: fast when clean, line by line (with rejections) otherwise."""
    fast = read_jsonl_fast(path)
    if fast is not None:
        return fast, []
    records, rejections = iter_jsonl(path)
    return records_frame(records), rejections


def sniff_jsonl(path: Path, max_records: int = 50, max_bytes: int = 4 << 20) -> list[dict]:
    """The first few JSON-object lines of ``path`` (bad lines skipped), for format detection."""
    found: list[dict] = []
    seen = 0
    with path.open("rb") as handle:
        for raw in handle:
            seen += len(raw)
            try:
                value = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                value = None
            if isinstance(value, dict):
                found.append(value)
            if len(found) >= max_records or seen > max_bytes:
                break
    return found
