"""What loading reports beside the table: skipped files and values set to null."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from traceanalysis.errors import InputError
from traceanalysis.io.files import FileRead
from traceanalysis.schema import Rejection


def located_issues(reads: list[FileRead], frame: pd.DataFrame, owner: str) -> list[Rejection]:
    """The value issues of a run's files (``coerce_columns``), each with its run."""
    issues = [
        i for r in reads if r.frame is not None for i in r.frame.attrs.get("label_issues", [])
    ]
    if not issues:
        return []
    if frame["run"].nunique() <= 1:
        return [dataclasses.replace(i, run=owner) for i in issues]
    # A bare file naming several runs: each issue belongs to the run of its row.
    where = frame[["source_file", "source_line", "run"]].dropna()
    keys = zip(where["source_file"], where["source_line"], strict=True)
    run_of = dict(zip(keys, where["run"], strict=True))
    return [dataclasses.replace(i, run=run_of.get((i.file, i.line), owner)) for i in issues]


def error_reason(exc: InputError) -> str:
    """The message of an InputError without its ``file: `` prefix."""
    text = str(exc)
    if exc.file is not None:
        where = f"{exc.file}:{exc.line}: " if exc.line is not None else f"{exc.file}: "
        text = text.removeprefix(where)
    return text


def no_readable_run(root: Path, failures: list[InputError], skipped: list) -> InputError:
    """The error for a path where no file could be read as samples."""
    if len(failures) == 1 and len(skipped) == 1:  # one file: its own error, as it was
        return failures[0]
    reasons = "; ".join(f"{p}: {why}" for p, why in skipped[:3])
    more = f"; and {len(skipped) - 3} more" if len(skipped) > 3 else ""
    return InputError(
        f"no samples files found: no readable run ({reasons or 'empty'}{more})", file=str(root)
    )
