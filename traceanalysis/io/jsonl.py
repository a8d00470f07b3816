"""Reading JSON Lines files: a streaming columnar path, and a line-by-line path that names bad lines.

1. The file is read in blocks of whole lines (cut where pyarrow's own reader cuts them,
   about 8 MiB each), each parsed by ``pyarrow.json`` and concatenated without copying
   the text; taken when every line parsed and no line is blank. Only one block of bytes
   is held at a time besides the columns (no whole file, no parsed dicts).
2. Otherwise the file is read again line by line and bad lines are *located* by
   bisection: runs of 8192 lines are parsed with pyarrow, a run that fails is split in
   two until runs are small, whose lines are checked one by one with ``json.loads``
   (which names the reason). A big file with a few broken lines stays near the fast path.
3. When the good lines disagree on types (a wrong-typed value), everything is parsed line
   by line with ``json.loads`` so the type check can reject exactly that row.

Both columnar paths give the same chunks as parsing the whole file at once did, so the
Parquet files written from the table stay the same byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from traceanalysis.schema import Rejection

_BLOCK_SIZE = 8 << 20  # pyarrow parses a block in one piece: it must hold a whole line
_READ_SIZE = 8 << 20  # bytes of file per block of whole lines


def line_blocks(path: Path, size: int | None = None) -> Iterator[tuple[int, bytearray]]:
    """``(lines before the block, block)`` for consecutive blocks of whole lines of ``path``.

    Cut like pyarrow's JSON reader: block k ends at the last ``\n`` or ``\r`` (a CRLF may
    be split) in the first (k + 1) * ``size`` bytes (default ``_READ_SIZE``); the last block
    may lack a final newline. A stretch of ``size`` bytes holding no newline yields a block
    of ``None`` lines instead (``(-1, b"")``): pyarrow would reject that file as a whole.
    Drop each block before asking for the next, to hold one block at a time.
    """
    size = size or _READ_SIZE
    before = 0
    tail = b""  # the unfinished last line of the previous read
    with path.open("rb") as handle:
        while True:
            block = bytearray(len(tail) + size)
            block[: len(tail)] = tail
            got = handle.readinto(memoryview(block)[len(tail) :])
            if got == 0:
                break
            end = len(tail) + got
            cut = max(block.rfind(b"\n", len(tail), end), block.rfind(b"\r", len(tail), end)) + 1
            at_end = got < size or not handle.peek(1)
            if cut == 0 and not at_end:
                yield -1, bytearray()  # a line longer than a block
                return
            if at_end:  # end of file: the unfinished line is the last line
                cut = end
            tail = bytes(block[cut:end])
            del block[cut:]
            lines = block.count(b"\n")
            yield before, block
            del block  # before the next block is allocated
            before += lines
    if tail:
        yield before, bytearray(tail)


def numbered_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(1-based line number, line without its newline)`` for every non-blank line."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                yield number, raw[:-1] if raw.endswith(b"\n") else raw


def arrow_json(data: bytes | bytearray, block_size: int) -> pa.Table:
    """Parse JSON Lines with pyarrow, keeping text that looks like a date as text.

    pyarrow infers ``timestamp`` for ISO-date strings (a problem id ``2024-01-01``, an
    answer ``1999-12-31``); columns it typed so are parsed again as strings.
    """
    options = pa_json.ReadOptions(block_size=block_size, use_threads=False)
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
_FIRST_BLOCK = 8192  # lines per run on the first pass of the locating path


class _TypeConflict(Exception):
    """Valid lines whose values disagree on types: the line-by-line path must decide."""


def _parse_block(data: bytes | bytearray, block_size: int) -> pa.Table | None:
    try:  # pyarrow lets invalid UTF-8 through; such lines must be rejected by number
        if not data.isascii():  # ASCII is valid UTF-8: no decoded copy needed
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


class _Collector:
    """Parsed tables, their line numbers and the rejections of one file."""

    def __init__(self, path: Path) -> None:
        self.name = str(path)
        self.pieces: list[pa.Table] = []
        self.numbers: list[np.ndarray] = []
        self.rejections: list[Rejection] = []

    def add_block(self, before: int, block: bytes | bytearray) -> bool:
        """Take a block of whole lines when every line parses; False otherwise."""
        if before < 0 or not block or block.isspace():
            return False
        n_lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
        table = _parse_block(block, max(_BLOCK_SIZE, len(block) + 2))
        if table is None or table.num_rows != n_lines:  # a bad or a blank line
            return False
        self.pieces.append(table)
        self.numbers.append(np.arange(before + 1, before + n_lines + 1, dtype="int64"))
        return True

    def visit(self, chunk: list[tuple[int, bytes]], block_size: int) -> None:
        """Parse a run of lines, bisecting it down to the bad lines."""
        if len(chunk) > _SMALL_BLOCK:
            table = _parse_block(b"\n".join(r for _, r in chunk), block_size)
            if table is not None and table.num_rows == len(chunk):
                self._keep(table, chunk)
                return
            mid = len(chunk) // 2
            self.visit(chunk[:mid], block_size)
            self.visit(chunk[mid:], block_size)
            return
        good = []
        for n, raw in chunk:
            _, problem = parse_line(raw)
            if problem is None:
                good.append((n, raw))
            else:
                self.rejections.append(Rejection(self.name, n, problem))
        if good:
            table = _parse_block(b"\n".join(r for _, r in good), block_size)
            if table is None or table.num_rows != len(good):
                raise _TypeConflict
            self._keep(table, good)

    def _keep(self, table: pa.Table, chunk: list[tuple[int, bytes]]) -> None:
        self.pieces.append(table)
        self.numbers.append(np.fromiter((n for n, _ in chunk), dtype="int64", count=len(chunk)))

    def frame(self) -> pd.DataFrame:
        """The collected tables as one frame with ``source_line`` (the text not copied)."""
        pieces, self.pieces = self.pieces, []
        if not pieces:
            return records_frame([])
        table = pa.concat_tables(pieces, promote_options="permissive")
        del pieces
        frame = table.to_pandas(types_mapper=_string_mapper)
        frame["source_line"] = np.concatenate(self.numbers)
        return frame


def _read_clean(path: Path) -> pd.DataFrame | None:
    """Every line of ``path`` parsed block by block, or None at the first unclean block."""
    found = _Collector(path)
    for before, block in line_blocks(path):
        if not found.add_block(before, block):
            return None
        del block  # hold one block at a time
    return found.frame() if found.pieces else None


def _read_located(path: Path) -> tuple[pd.DataFrame, list[Rejection]] | None:
    """Runs of 8192 non-blank lines parsed with pyarrow, bad lines located by bisection."""
    longest = max((len(raw) for _, raw in numbered_lines(path)), default=0)
    block_size = max(_BLOCK_SIZE, longest + 2)  # pyarrow needs a whole line per block
    found = _Collector(path)
    run: list[tuple[int, bytes]] = []
    try:  # fixed runs first, so a bad line costs a re-parse of its run, not the file
        for line in numbered_lines(path):
            run.append(line)
            if len(run) == _FIRST_BLOCK:
                found.visit(run, block_size)
                run = []
        if run:
            found.visit(run, block_size)
        return found.frame(), found.rejections
    except (_TypeConflict, pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


def read_jsonl_columnar(path: Path) -> tuple[pd.DataFrame, list[Rejection]] | None:
    """Parse ``path`` with pyarrow, streaming; None on a type conflict (see the module doc).

    The frame carries ``source_line`` (1-based); nested values (lists, objects) come back
    as Python lists/dicts, text as pandas' Arrow-backed ``string`` (no copy of the text).
    """
    try:
        clean = _read_clean(path)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        clean = None  # blocks that disagree on types: the locating path decides
    if clean is not None:
        return clean, []
    return _read_located(path)


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
    """Read a JSONL file: columnar block by block, line by line (with rejections) on a type
    conflict."""
    columnar = read_jsonl_columnar(path)
    if columnar is not None:
        return columnar
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
