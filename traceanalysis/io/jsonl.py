"""Reading JSON Lines files: columnar fast paths, and a line-by-line path that names bad lines.

1. The whole file goes to ``pyarrow.json`` in one call; taken when every line parsed and
   line numbers are recoverable (no blank lines).
2. Otherwise bad lines are *located* by bisection: blocks of 8192 lines are parsed with
   pyarrow and a block that fails is split in two until blocks are small; lines of a small block
   are checked one by one with ``json.loads`` (which names the reason). The good blocks are
   concatenated. This keeps a big file with a few broken lines near the fast path.
3. When the good lines disagree on types (a wrong-typed value), everything is parsed line
   by line with ``json.loads`` so the type check can reject exactly that row.
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
        table = arrow_json(data, _BLOCK_SIZE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if table.num_rows != n_lines:  # blank lines: line numbers would drift
        return None
    frame = table.to_pandas(types_mapper=_string_mapper)
    frame["source_line"] = range(1, len(frame) + 1)
    return frame


def arrow_json(data: bytes, block_size: int) -> pa.Table:
    """Parse JSON Lines with pyarrow, keeping text that looks like a date as text.

    pyarrow infers ``timestamp`` for ISO-date strings (a problem id ``2024-01-01``, an
    answer ``1999-12-31``); columns it typed so are parsed again as strings.
    """
    options = pa_json.ReadOptions(block_size=block_size)
    table = pa_json.read_json(pa.BufferReader(data), read_options=options)
    dated = [f.name for f in table.schema if pa.types.is_temporal(f.type)]
    if not dated:
        return table
    schema = pa.schema([pa.field(name, pa.string()) for name in dated])
    parse = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
    return pa_json.read_json(pa.BufferReader(data), read_options=options, parse_options=parse)


def _string_mapper(arrow_type: pa.DataType) -> object:
    """Map Arrow strings to pandas' string dtype (avoids a Python object per value)."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype()
    return None


_SMALL_BLOCK = 64  # lines; below this, lines are checked one by one
_FIRST_BLOCK = 8192  # lines per block on the first pass of the locating path


class _TypeConflict(Exception):
    """Valid lines whose values disagree on types: the line-by-line path must decide."""


def _parse_block(data: bytes, block_size: int) -> pa.Table | None:
    try:
        data.decode("utf-8")
        return arrow_json(data, block_size)
    except (UnicodeDecodeError, pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


def parse_line(raw: bytes) -> tuple[dict | None, str | None]:
    """``(record, None)`` for a JSON-object line, else ``(None, why not)``."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 (byte {exc.start}: {exc.reason})"
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg}: column {exc.colno})"
    except RecursionError:
        return None, "JSON nested too deeply"
    if not isinstance(value, dict):
        return None, f"expected a JSON object, got {type(value).__name__}"
    return value, None


def read_jsonl_located(path: Path) -> tuple[pd.DataFrame, list[Rejection]] | None:
    """Parse with pyarrow, locating bad lines by bisection; None on a type conflict."""
    lines = path.read_bytes().split(b"\n")
    numbered = [(n, raw) for n, raw in enumerate(lines, start=1) if raw.strip()]
    block_size = max(_BLOCK_SIZE, max((len(r) for _, r in numbered), default=0) + 2)
    pieces: list[pa.Table] = []
    numbers: list[int] = []
    rejections: list[Rejection] = []

    def visit(lo: int, hi: int) -> None:
        chunk = numbered[lo:hi]
        if hi - lo > _SMALL_BLOCK:
            table = _parse_block(b"\n".join(r for _, r in chunk), block_size)
            if table is not None and table.num_rows == len(chunk):
                pieces.append(table)
                numbers.extend(n for n, _ in chunk)
                return
            mid = (lo + hi) // 2
            visit(lo, mid)
            visit(mid, hi)
            return
        good = []
        for n, raw in chunk:
            _, problem = parse_line(raw)
            if problem is None:
                good.append((n, raw))
            else:
                rejections.append(Rejection(str(path), n, problem))
        if good:
            table = _parse_block(b"\n".join(r for _, r in good), block_size)
            if table is None or table.num_rows != len(good):
                raise _TypeConflict
            pieces.append(table)
            numbers.extend(n for n, _ in good)

    try:  # fixed blocks first, so a bad line costs a re-parse of its block, not the file
        for lo in range(0, len(numbered), _FIRST_BLOCK):
            visit(lo, min(lo + _FIRST_BLOCK, len(numbered)))
        table = pa.concat_tables(pieces, promote_options="permissive") if pieces else None
    except (_TypeConflict, pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    if table is None:
        return records_frame([]), rejections
    frame = table.to_pandas(types_mapper=_string_mapper)
    frame["source_line"] = numbers
    return frame, rejections


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
            value, problem = parse_line(raw)
            if value is None:
                rejections.append(Rejection(name, line_no, str(problem)))
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
    located = read_jsonl_located(path)
    if located is not None:
        return located
    records, rejections = iter_jsonl(path)
    return records_frame(records), rejections


def sniff_jsonl(path: Path, max_records: int = 50, max_bytes: int = 4 << 20) -> list[dict]:
    """The first few JSON-object lines of ``path`` (bad lines skipped), for format detection."""
    found: list[dict] = []
    seen = 0
    with path.open("rb") as handle:
        for raw in handle:
            seen += len(raw)
            if seen > max_bytes and found:  # enough to detect; skip parsing huge lines
                break
            try:
                value = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                value = None
            if isinstance(value, dict):
                found.append(value)
            if len(found) >= max_records:
                break
    return found
