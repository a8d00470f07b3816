"""Benchmarks: built-in hub datasets (via ``datasets``) and local files, as problems.

Every benchmark becomes a list of :class:`Problem` (``problem_id``, ``prompt``, ``gold``).
Built-in names map a hub dataset's columns; a local JSONL / JSON / parquet / CSV file or a
``save_to_disk`` dataset folder needs no mapping when it has ``problem_id``, ``prompt`` and
``gold`` columns (common aliases are recognised), else takes ``columns``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from traceanalysis.errors import InputError
from traceanalysis.generate.hub import BUILTIN, HubBenchmark, builtin_key, load_hub
from traceanalysis.generate.problems import Benchmark, Problem, gold_text, is_offline

__all__ = [
    "BUILTIN",
    "Benchmark",
    "HubBenchmark",
    "Problem",
    "builtin_key",
    "is_offline",
    "load_benchmark",
]

FIELDS = ("problem_id", "prompt", "gold")
# Column names recognised without a mapping, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    "problem_id": ("problem_id", "unique_id", "id", "idx", "ID", "problem_idx"),
    "prompt": ("prompt", "problem", "question", "Problem", "Question", "input"),
    "gold": ("gold", "answer", "gt", "target", "Answer", "final_answer"),
}


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"not valid JSON ({exc.msg})", file=str(path), line=line_no
                ) from None
            if not isinstance(obj, dict):
                raise InputError("expected a JSON object per line", file=str(path), line=line_no)
            yield line_no, obj


def _read_rows(path: Path, split: str | None) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    """Rows of a local benchmark with their line (JSONL, 1-based) or row (tables, 0-based)."""
    try:
        return _read_rows_unchecked(path, split)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=str(path)) from None


def _read_rows_unchecked(
    path: Path, split: str | None
) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    suffix = path.suffix.lower()
    if path.is_dir():
        import datasets

        try:
            ds = datasets.load_from_disk(str(path))
        except FileNotFoundError:
            raise InputError(
                "not a saved Hugging Face dataset (expected a save_to_disk folder)", file=str(path)
            ) from None
        if isinstance(ds, datasets.DatasetDict):
            chosen = split or ("test" if "test" in ds else next(iter(ds)))
            if chosen not in ds:
                raise InputError(f"no split {chosen!r}; it has {', '.join(ds)}", file=str(path))
            ds = ds[chosen]
        return list(enumerate(ds)), "hf-dataset"
    if suffix == ".jsonl" or (
        suffix == ".json" and not path.read_text(encoding="utf-8").lstrip().startswith("[")
    ):
        return list(_read_jsonl(path)), "jsonl"
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not valid JSON ({exc.msg}, column {exc.colno})", file=str(path), line=exc.lineno
            ) from None
        if not all(isinstance(r, dict) for r in data):
            raise InputError("expected a JSON array of objects", file=str(path))
        return list(enumerate(data)), "json"
    if suffix in (".parquet", ".csv"):
        import pandas as pd

        try:
            df = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
        except (ValueError, OSError) as exc:  # pyarrow's and pandas' parse errors are ValueErrors
            raise InputError(
                f"not a readable {suffix[1:]} file ({str(exc).splitlines()[0][:200]})",
                file=str(path),
            ) from None
        rows = df.astype(object).where(df.notna(), None).to_dict(orient="records")
        return list(enumerate(rows)), suffix[1:]
    raise InputError(
        "unknown benchmark file type; expected .jsonl, .json, .parquet, .csv or a dataset folder",
        file=str(path),
    )


def _resolve_columns(
    columns: Mapping[str, str] | None, available: list[str], path: Path
) -> dict[str, str | None]:
    columns = dict(columns or {})
    unknown = set(columns) - set(FIELDS)
    if unknown:
        raise InputError(
            f"column mapping names unknown field(s) {sorted(unknown)}; expected {FIELDS}"
        )
    resolved: dict[str, str | None] = {}
    for name in FIELDS:
        if name in columns:
            if columns[name] not in available:
                raise InputError(
                    f"mapped column {columns[name]!r} for {name} not found; columns are {available}",
                    file=str(path),
                )
            resolved[name] = columns[name]
        else:
            resolved[name] = next((c for c in ALIASES[name] if c in available), None)
    if resolved["prompt"] is None:
        raise InputError(
            f"no prompt column (looked for {', '.join(ALIASES['prompt'])}); columns are {available}; "
            "map one with --columns prompt=NAME",
            file=str(path),
        )
    return resolved


def _load_local(
    path: Path, columns: Mapping[str, str] | None, split: str | None, limit: int | None
) -> Benchmark:
    rows, fmt = _read_rows(path, split)
    if not rows:
        raise InputError("the benchmark has no rows", file=str(path))
    available = list(dict.fromkeys(k for _, r in rows[:50] for k in r))
    cols = _resolve_columns(columns, available, path)
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, (where, row) in enumerate(rows):
        if limit is not None and index >= limit:
            break
        line = where if fmt == "jsonl" else None
        prompt = row.get(cols["prompt"])  # type: ignore[arg-type]
        if not isinstance(prompt, str) or not prompt.strip():
            raise InputError(
                f"empty or missing prompt in column {cols['prompt']!r} (row {where})",
                file=str(path),
                line=line,
            )
        pid = str(row.get(cols["problem_id"])) if cols["problem_id"] else str(index)
        if cols["problem_id"] and row.get(cols["problem_id"]) is None:
            raise InputError(
                f"missing problem id in column {cols['problem_id']!r} (row {where})",
                file=str(path),
                line=line,
            )
        if pid in seen:
            raise InputError(
                f"duplicate problem_id {pid!r} (first at row {seen[pid]}, again at row {where})",
                file=str(path),
                line=line,
            )
        seen[pid] = where
        gold = gold_text(row.get(cols["gold"])) if cols["gold"] else None
        problems.append(Problem(pid, prompt, gold))
    digest = hashlib.sha256()
    for p in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if p.is_file():
            digest.update(p.read_bytes())
    source = {
        "kind": "local",
        "path": str(path),
        "format": fmt,
        "sha256": digest.hexdigest(),
        "columns": {
            k: (v if v is not None else "<row index>" if k == "problem_id" else None)
            for k, v in cols.items()
        },
    }
    return Benchmark(path.stem if path.is_file() else path.name, problems, source)


def load_benchmark(
    name_or_path: str,
    *,
    columns: Mapping[str, str] | None = None,
    split: str | None = None,
    limit: int | None = None,
) -> Benchmark:
    """Load a benchmark by built-in name (MATH-500, GSM8K, AIME 2024, AIME 2025, AMC 2023,
    GPQA-Diamond) or from a local file/folder, keeping the first ``limit`` problems.

    ``columns`` maps our fields (problem_id, prompt, gold) to a local file's column names.
    Raises InputError (naming file and line) for unreadable input, and at once when a hub
    benchmark is requested offline and is not cached.
    """
    path = Path(name_or_path).expanduser()
    if path.exists():
        bench = _load_local(path, columns, split, limit)
    else:
        key = builtin_key(name_or_path)
        if key is None:
            raise InputError(
                f"benchmark {name_or_path!r} is neither a file nor a built-in name; built-ins: "
                f"{', '.join(BUILTIN)}"
            )
        if columns:
            raise InputError("--columns applies to local benchmark files, not built-in benchmarks")
        bench = load_hub(BUILTIN[key], split, limit)
    if not bench.problems:
        raise InputError(f"benchmark {name_or_path!r} yielded no problems")
    bench.source["n_problems"] = len(bench.problems)
    return bench
