"""Reading CSV files row by row, so that a bad row is rejected by its line number.

``pandas.read_csv`` stops at the first row with too many fields or a non-UTF-8 byte and
cannot say on which file line a row (with quoted line breaks) starts. The ``csv`` module
can: each row carries the 1-based line it starts on, and a bad row is rejected alone.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from traceanalysis.errors import InputError
from traceanalysis.schema import Rejection

# Long responses exceed the csv module's default field limit (128 KiB).
_FIELD_LIMIT = 2**31 - 1


def _bad_utf8(cells: list[str]) -> bool:
    """Undecodable bytes survive as lone surrogates under ``surrogateescape``."""
    try:
        "".join(cells).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def read_csv(
    path: Path, keep_empty: tuple[str, ...] = ("response",)
) -> tuple[pd.DataFrame, list[Rejection]]:
    """All rows of a CSV file with a header row, as text (empty cells become null, except
    in the ``keep_empty`` columns: an empty ``response`` cell is an empty response).

    The frame carries ``source_line`` (the 1-based line each row starts on). Rows with
    another number of fields than the header, or with bytes that are not UTF-8, are
    rejected by line; blank lines are skipped. Raises InputError when the header is
    unusable.
    """
    name = str(path)
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    rows: list[list[str | None]] = []
    lines: list[int] = []
    rejections: list[Rejection] = []
    with path.open(newline="", encoding="utf-8", errors="surrogateescape") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, [])
        except csv.Error as exc:
            raise InputError(f"not a readable CSV file ({exc})", file=name) from None
        if not header or _bad_utf8(header) or len(set(header)) != len(header):
            raise InputError(
                "not a readable CSV file (expected a header row of distinct UTF-8 names)",
                file=name,
            )
        kept = [name in keep_empty for name in header]
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                rejections.append(Rejection(name, start, f"not valid CSV ({exc})"))
                start = reader.line_num + 1
                continue
            line, start = start, reader.line_num + 1
            if not row:
                continue
            if len(row) != len(header):
                reason = f"expected {len(header)} fields, got {len(row)}"
                rejections.append(Rejection(name, line, reason))
            elif _bad_utf8(row):
                rejections.append(Rejection(name, line, "not valid UTF-8"))
            else:
                rows.append(
                    [cell if cell or keep else None for cell, keep in zip(row, kept, strict=True)]
                )
                lines.append(line)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame["source_line"] = lines
    return frame, rejections
