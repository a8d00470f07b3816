"""Append-only, resumable ``samples.jsonl`` and atomically replaced ``run.json``.

Each completed problem's rows are appended, flushed and fsynced together, so a killed run
loses at most the problems in flight. On resume a torn last line (no newline, not valid
JSON) is cut off and reported; a bad line anywhere else is an error naming the line.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from traceanalysis.errors import InputError

SAMPLES_FILE = "samples.jsonl"
RUN_FILE = "run.json"


def scan_samples(path: Path) -> tuple[dict[str, set[int]], int]:
    """The (problem_id -> sample indices) already in ``path``, and the bytes of a torn last
    line that were cut off (0 when the file ended cleanly)."""
    done: dict[str, set[int]] = defaultdict(set)
    if not path.is_file():
        return done, 0
    data = path.read_bytes()
    good_end = 0
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, 1):
        is_last = number == len(lines)
        if not raw.strip():
            good_end += len(raw) + (0 if is_last else 1)
            continue
        try:
            row = json.loads(raw)
            key = (str(row["problem_id"]), int(row["sample_idx"]))
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError):
            if is_last:  # written partly when the run was killed
                break
            raise InputError(
                "not a sample row (expected JSON with problem_id and sample_idx); "
                "fix or remove the line, or rerun with --overwrite",
                file=str(path),
                line=number,
            ) from None
        if is_last:  # valid JSON but no newline yet: keep it, end it
            with path.open("ab") as fh:
                fh.write(b"\n")
        done[key[0]].add(key[1])
        good_end += len(raw) + 1
    torn = len(data) - min(good_end, len(data))
    if torn:
        with path.open("r+b") as fh:
            fh.truncate(len(data) - torn)
    return done, torn


class SampleWriter:
    """Appends rows to samples.jsonl; each ``write`` call is flushed and fsynced."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = path.open("a", encoding="utf-8")

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Append ``rows`` as one durable unit."""
        self._fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Close the file."""
        self._fh.close()


def read_run_json(path: Path) -> dict[str, Any] | None:
    """The run.json at ``path`` (None when absent); InputError when it is not a JSON object."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"not valid JSON ({exc}); rerun with --overwrite", file=str(path)
        ) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object; rerun with --overwrite", file=str(path))
    return data


def write_run_json(path: Path, data: dict[str, Any]) -> None:
    """Replace run.json atomically (write a temporary file, fsync, rename)."""
    tmp = path.with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False, default=str)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
