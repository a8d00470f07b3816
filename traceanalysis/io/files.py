"""One input file (or dataset folder) -> detected format -> rows in core dtypes.

Detection is by content: a few records are sniffed and each format's ``sniff`` looks at
their keys. The file extension only says how to read records (JSON Lines, JSON, parquet,
CSV, zip, Arrow); an unknown extension is sniffed as JSON Lines.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from traceanalysis.errors import InputError
from traceanalysis.io import (
    hf_dataset,
    inspect_log,
    lighteval,
    lm_eval,
    mapping,
    native,
    openai_batch,
    openai_batch_input,
    qwen_math,
    skythought,
    trl,
    verl,
)
from traceanalysis.io.coerce import coerce_columns
from traceanalysis.io.csvfile import read_csv
from traceanalysis.io.jsonl import iter_jsonl, read_jsonl, records_frame, sniff_jsonl
from traceanalysis.io.util import get_path
from traceanalysis.schema import Rejection

# Most specific first: native is the fallback for anything naming problem_id + response.
FORMATS: tuple[ModuleType, ...] = (openai_batch, lm_eval, qwen_math, verl, trl, lighteval, native)
FORMAT_NAMES = tuple(m.NAME for m in FORMATS) + (inspect_log.NAME, skythought.NAME, mapping.NAME)
# Readers that choose which of the file's own metrics becomes source_correct.
_METRIC_AWARE = (lm_eval, lighteval)
DATA_SUFFIXES = {".jsonl", ".ndjson", ".json", ".parquet", ".csv", ".eval", ".arrow"}


@dataclass
class FileRead:
    """What one input file yielded."""

    path: Path
    format: str | None
    frame: pd.DataFrame | None = None
    rejections: list[Rejection] = field(default_factory=list)
    merged_rows: int = 0
    skipped: str | None = None  # why a file was not read as samples (e.g. a results JSON)
    model: str | None = None  # the model a skipped results file names (lm-eval, lighteval)


def detect_records(records: list[dict]) -> ModuleType | None:
    """The format module whose ``sniff`` accepts these sample records, or None."""
    records = [r for r in records if isinstance(r, dict)]
    if not records:
        return None
    columns = set().union(*(r.keys() for r in records))
    for fmt in FORMATS:
        if fmt.sniff(columns, records[0]):
            return fmt
    return None


def _head_records(frame: pd.DataFrame, n: int = 5) -> list[dict]:
    head = frame.head(n).drop(columns=["source_line", "source_file"], errors="ignore")
    if head.empty:  # no rows: detect from the column names alone
        return [dict.fromkeys(head.columns)] if len(head.columns) else []
    return head.to_dict("records")


def _unknown(path: Path, columns: list[str]) -> InputError:
    shown = ", ".join(map(str, columns[:15])) or "none"
    return InputError(
        f"unknown format (columns: {shown}); pass --columns, "
        "e.g. problem_id=idx,response=output,gold=answer",
        file=str(path),
    )


def _with_notes(read: FileRead, raw: pd.DataFrame) -> FileRead:
    """Add a reader's per-file notes (``attrs["notes"]``) to the frame's label issues."""
    notes = raw.attrs.get("notes") or []
    if notes and read.frame is not None:
        issues = list(read.frame.attrs.get("label_issues", []))
        issues += [Rejection(str(read.path), None, note) for note in notes]
        read.frame.attrs["label_issues"] = issues
    return read


def _coerced(
    path: Path, fmt_name: str, raw: pd.DataFrame, rejections: list[Rejection], merged: int = 0
) -> FileRead:
    """Raw reader rows -> a FileRead: skipped when the reader says so, else coerced."""
    if raw.attrs.get("skipped"):
        return FileRead(path, fmt_name, skipped=str(raw.attrs["skipped"]))
    coerced, bad = coerce_columns(raw, str(path))
    return _with_notes(FileRead(path, fmt_name, coerced, rejections + bad, merged), raw)


def _expand_table(
    path: Path,
    frame: pd.DataFrame,
    columns: dict[str, str] | None,
    pre: list[Rejection],
    fmt: ModuleType | None = None,
    source_metric: str | None = None,
) -> FileRead:
    """Detect the layout of an in-memory table (unless given) and turn it into core rows."""
    keyed = mapping.KEY in frame.columns  # a JSON object keyed by problem: always mapped
    fmt = None if keyed else (fmt or detect_records(_head_records(frame)))
    name = str(path)
    if fmt is None:
        if not columns:
            if frame.empty and pre:  # every line was bad: report them, nothing to detect
                return FileRead(path, "unknown", frame.iloc[0:0], pre)
            raise _unknown(path, [c for c in frame.columns if c != "source_line"])
        raw, rejections = mapping.expand(frame, name, columns)
        fmt_name = mapping.NAME
    elif fmt in _METRIC_AWARE:
        raw, rejections = fmt.expand(frame, name, source_metric=source_metric)
        fmt_name = fmt.NAME
    else:
        raw, rejections = fmt.expand(frame, name)
        fmt_name = fmt.NAME
    merged = int(raw.attrs.get("merged_rows", 0))
    if "source_file" not in raw.columns and "source_file" in frame.columns:
        raw["source_file"] = frame["source_file"]
    return _coerced(path, fmt_name, raw, pre + rejections, merged)


def _read_jsonl_file(
    path: Path, columns: dict[str, str] | None, source_metric: str | None = None
) -> FileRead:
    head = sniff_jsonl(path)
    if openai_batch_input.is_input_file(head):  # requests, read with the output file
        return FileRead(path, None, skipped=openai_batch_input.SKIPPED)
    fmt = detect_records(head)
    if fmt in (native, None):  # the fast columnar path for plain tables
        frame, pre = read_jsonl(path)
    else:
        records, pre = iter_jsonl(path)
        frame = records_frame(records)
    return _expand_table(path, frame, columns, pre, fmt, source_metric)


def _keyed_frame(obj: dict) -> pd.DataFrame:
    """A JSON object keyed by problem as a table: one row per value, the key as ``@key``."""
    frame = pd.DataFrame.from_records(list(obj.values()))
    frame[mapping.KEY] = [str(k) for k in obj]
    frame["source_line"] = range(len(frame))
    return frame


def _read_json_file(
    path: Path, columns: dict[str, str] | None, source_metric: str | None = None
) -> FileRead:
    try:
        obj = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        # Not one JSON document: maybe JSON Lines under a .json name.
        if sniff_jsonl(path):
            return _read_jsonl_file(path, columns, source_metric)
        raise InputError(f"not valid JSON ({exc})", file=str(path)) from None
    if inspect_log.is_log(obj):
        frame, rejections = inspect_log.read_log(path, obj, source_metric)
        return _coerced(path, inspect_log.NAME, frame, rejections)
    if skythought.is_results(obj):
        frame, rejections = skythought.read_results(obj, str(path))
        return _coerced(path, skythought.NAME, frame, rejections)
    if isinstance(obj, list) and obj and all(isinstance(r, dict) for r in obj):
        frame = pd.DataFrame.from_records(obj)
        frame["source_line"] = range(len(frame))
        return _expand_table(path, frame, columns, [], source_metric=source_metric)
    if columns and _keyed_by_problem(obj):
        return _expand_table(path, _keyed_frame(obj), columns, [])
    return FileRead(
        path,
        None,
        skipped="JSON file that is not a samples file (e.g. results)",
        model=results_model(obj),
    )


def _keyed_by_problem(obj: object) -> bool:
    """A non-empty object whose values are all objects and that is no results file."""
    return (
        isinstance(obj, dict)
        and bool(obj)
        and all(isinstance(v, dict) for v in obj.values())
        and results_model(obj) is None
    )


def results_model(obj: object) -> str | None:
    """The model named by an lm-eval (``model_name``, ``config.model_args``) or lighteval
    (``config_general.model_name``) results JSON, else None."""
    if not isinstance(obj, dict):
        return None
    for name in (obj.get("model_name"), get_path(obj, "config_general.model_name")):
        if isinstance(name, str) and name:
            return name
    args = get_path(obj, "config.model_args")
    if isinstance(args, str):  # "pretrained=Qwen/Qwen2.5-Math-1.5B,dtype=bfloat16"
        for part in args.split(","):
            key, _, value = part.partition("=")
            if key.strip() in ("pretrained", "model") and value.strip():
                return value.strip()
    return None


def _read_parquet(
    path: Path, columns: dict[str, str] | None, source_metric: str | None = None
) -> FileRead:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable parquet file ({exc})", file=str(path)) from None
    frame = table.to_pandas()
    frame["source_line"] = range(len(frame))
    return _expand_table(path, frame, columns, [], source_metric=source_metric)


def _read_csv(path: Path, columns: dict[str, str] | None) -> FileRead:
    # An empty cell of the response column (mapped or not) is an empty response.
    mapped = (columns or {}).get("response")
    keep = ("response",) + ((mapped.split(".")[0],) if mapped else ())
    frame, rejections = read_csv(path, keep_empty=keep)
    return _expand_table(path, frame, columns, rejections)


def read_file(
    path: Path,
    columns: dict[str, str] | str | None = None,
    source_metric: str | None = None,
) -> FileRead:
    """Read one input file or dataset folder; raise InputError when it is unusable.

    ``columns`` is a ``--columns`` mapping (a dict, or its text form); ``source_metric``
    names the metric of the file that becomes ``source_correct`` (lm-eval, lighteval,
    inspect_ai), instead of the first correctness metric.
    """
    if isinstance(columns, str):
        columns = mapping.parse_columns(columns)
    suffix = path.suffix.lower()
    try:
        if path.is_file() and path.stat().st_size == 0:
            return FileRead(path, None, skipped="empty file")
        if hf_dataset.is_dataset_dir(path) or suffix == ".arrow":
            frame = hf_dataset.read_dataset(path)
            read = _expand_table(path, frame, columns, [], source_metric=source_metric)
            read.format = f"{hf_dataset.NAME}:{read.format}"
            return read
        if suffix == ".eval" or (suffix not in DATA_SUFFIXES and zipfile.is_zipfile(path)):
            if not inspect_log.is_eval_zip(path):
                raise InputError(
                    "not an inspect_ai .eval log (expected a zip archive holding header.json)",
                    file=str(path),
                )
            frame, rejections = inspect_log.read_log(path, source_metric=source_metric)
            return _coerced(path, inspect_log.NAME, frame, rejections)
        if suffix == ".json":
            return _read_json_file(path, columns, source_metric)
        if suffix == ".parquet":
            return _read_parquet(path, columns, source_metric)
        if suffix == ".csv":
            return _read_csv(path, columns)
        if suffix not in DATA_SUFFIXES and not sniff_jsonl(path):
            raise InputError(
                "unknown format: not JSON Lines, JSON, parquet, CSV, an inspect_ai .eval log "
                "or a saved Hugging Face dataset",
                file=str(path),
            )
        return _read_jsonl_file(path, columns, source_metric)
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", file=str(path)) from None
