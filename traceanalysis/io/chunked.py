"""Reading a large native JSON Lines file in parts of whole lines, each as its own read.

:func:`file_reads` yields what :func:`~traceanalysis.io.files.read_file` gives for a file,
but a clean native-format ``.jsonl`` file larger than :data:`CHUNK_BYTES` (no
``--columns``) is read one part at a time: the file is cut into blocks of whole lines (where
:func:`~traceanalysis.io.jsonl.line_blocks` cuts), each parsed by pyarrow as the whole-file
reader parses its blocks, with the line numbers of the whole file.

The native reader decides some things per file, from the columns it has (which label
column becomes ``source_correct``, automatic sample numbers when there is no
``sample_idx``), so a first pass parses every block and keeps only its column names and
types; each part then carries every column of the file. The parts are used only when that
pass finds what the whole-file reader's fast path needs (every line a JSON object, no blank
line, types that combine): otherwise the file is read whole, exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from traceanalysis.io import native, openai_batch_input
from traceanalysis.io.files import FileRead, _expand_table, detect_records, read_file
from traceanalysis.io.jsonl import _string_mapper, arrow_json, line_blocks, sniff_jsonl

CHUNK_BYTES = 8 << 20  # larger native JSON Lines files are read in parts of about this size
_SUFFIXES = (".jsonl", ".ndjson")
_PARSE_ERRORS = (
    UnicodeDecodeError,
    pa.ArrowInvalid,
    pa.ArrowNotImplementedError,
    pa.ArrowTypeError,
)


def _native(path: Path, columns: dict[str, str] | None) -> bool:
    """Whether ``path`` is a native JSON Lines file large enough to be read in parts."""
    if columns or path.suffix.lower() not in _SUFFIXES or not path.is_file():
        return False
    if path.stat().st_size <= CHUNK_BYTES:
        return False
    head = sniff_jsonl(path)
    return not openai_batch_input.is_input_file(head) and detect_records(head) is native


def _parse(before: int, block: bytes | bytearray) -> pa.Table | None:
    """The block's lines as a table when every line is a JSON object (no blank line, valid
    UTF-8), as the whole-file reader's fast path takes them; else None."""
    if before < 0 or not block or block.isspace():
        return None
    lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    try:
        if not block.isascii():
            block.decode("utf-8")
        table = arrow_json(block, max(CHUNK_BYTES, len(block) + 2))
    except _PARSE_ERRORS:
        return None
    return table if table.num_rows == lines else None


def _schema(path: Path) -> pa.Schema | None:
    """The combined schema of every block of ``path``, or None where the whole-file reader
    would not take its fast path (a bad or blank line, types that do not combine)."""
    schemas = []
    for before, block in line_blocks(path, CHUNK_BYTES):
        table = _parse(before, block)
        if table is None:
            return None
        schemas.append(table.schema)
        del table, block
    try:
        return pa.unify_schemas(schemas, promote_options="permissive") if schemas else None
    except _PARSE_ERRORS:
        return None


def _parts(path: Path, names: list[str], source_metric: str | None) -> Iterator[FileRead]:
    for before, block in line_blocks(path, CHUNK_BYTES):
        table = _parse(before, block)
        del block
        if table is None:  # the file changed since the first pass
            raise OSError(f"{path} changed while it was read")
        frame = table.to_pandas(types_mapper=_string_mapper)
        del table
        for name in names:  # every column of the file, null where this part has none
            if name not in frame.columns:
                frame[name] = None
        frame = frame[names]
        frame["source_line"] = np.arange(before + 1, before + len(frame) + 1, dtype="int64")
        yield _expand_table(path, frame, None, [], native, source_metric)


def file_reads(
    path: Path,
    columns: dict[str, str] | None = None,
    source_metric: str | None = None,
    *,
    in_parts: bool = True,
) -> Iterator[FileRead]:
    """The reads of one input file: one ``read_file(path, ...)``, or (``in_parts``) one per
    part of a large native JSON Lines file. Raises InputError as ``read_file`` does."""
    schema = _schema(path) if in_parts and _native(path, columns) else None
    if schema is None:
        yield read_file(path, columns, source_metric)
        return
    yield from _parts(path, list(schema.names), source_metric)
