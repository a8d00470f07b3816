"""Reading every input file of a runs folder, one file at a time, with the load notes.

:func:`read_runs` is the part of loading that both :func:`~traceanalysis.io.load_runs` (one
DataFrame in memory) and the load stage (streamed to Parquet, :mod:`traceanalysis.io.stream`)
share: it finds the runs, reads each file, names each row's run and hands the file's rows
to ``sink`` before it reads the next file, so no more than one file's rows need to be
held by it. What loading reports beside the rows (run metadata, rejections, value issues,
inputs, skipped files) is collected in a :class:`ReadNotes`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from traceanalysis.errors import InputError
from traceanalysis.io.chunked import file_reads
from traceanalysis.io.discover import RunSource, discover_runs
from traceanalysis.io.files import FileRead
from traceanalysis.io.load_notes import error_reason, located_issues, no_readable_run
from traceanalysis.io.mapping import check_mapping, parse_columns
from traceanalysis.io.roles import apply_roles, check_roles
from traceanalysis.schema import Rejection, RunInfo, read_run_info

_WHERE = ["source_file", "source_line", "run"]  # what places a value issue in its run


@dataclass
class ReadNotes:
    """What reading found beside the rows (``label_issues`` before validation)."""

    runs: dict[str, RunInfo] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    label_issues: list[Rejection] = field(default_factory=list)
    inputs: list[dict[str, object]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, or of every file under a folder (names and bytes, in order)."""
    digest = hashlib.sha256()
    paths = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in paths:
        if path.is_dir():
            digest.update(str(p.relative_to(path)).encode())
        with p.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _named(source: RunSource, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``run`` column: the source's name, or (a bare file may carry
    several runs) the run each row names."""
    names = pd.Series(source.name, index=frame.index, dtype="string")
    if source.bare and "run" in frame.columns:
        names = frame["run"].fillna(source.name).astype("string")
    frame["run"] = names
    return frame


def _finish_run_info(info: RunInfo, models: list[str], formats: list[str]) -> None:
    """Fill model (from the data, when run.json gives none) and the detected formats;
    ``models`` are the distinct models the run's rows name."""
    if info.model is None and len(models) == 1:
        info.model = str(models[0])
        info.extra.setdefault("model_source", "data")
    info.format = "+".join(sorted(set(formats))) if formats else None


def _merge_run_info(first: RunInfo, later: RunInfo) -> RunInfo:
    """One RunInfo for a run fed by several sources: the first one's metadata, all files."""
    formats = set((first.format or "").split("+")) | set((later.format or "").split("+"))
    return dataclasses.replace(
        first,
        model=first.model or later.model,
        files=first.files + [f for f in later.files if f not in first.files],
        format="+".join(sorted(f for f in formats if f)) or None,
    )


class _Source:
    """One source's rows as they pass: run names in order, models per run, value issues."""

    def __init__(self, bare: bool) -> None:
        self.bare = bare  # only a bare file may name several runs
        self.names: dict[str, None] = {}  # runs named by the rows, in order of appearance
        self.models: dict[str, dict[str, None]] = {}
        self.issues: list[Rejection] = []
        self.where: list[pd.DataFrame] = []  # where a bare file's rows are

    def add_issues(self, read: FileRead) -> None:
        if read.frame is not None:
            self.issues += read.frame.attrs.get("label_issues", [])

    def add(self, frame: pd.DataFrame) -> None:
        self.names.update(dict.fromkeys(frame["run"].dropna().unique().tolist()))
        if "model" in frame.columns:
            pairs = frame[["run", "model"]].dropna().drop_duplicates()
            for run, model in zip(pairs["run"].tolist(), pairs["model"].tolist(), strict=True):
                self.models.setdefault(run, {})[model] = None
        if self.bare:
            self.where.append(frame[_WHERE].copy())

    def located(self, path: Path, owner: str) -> list[Rejection]:
        """The value issues, each with the run of its row (``load_notes.located_issues``)."""
        if not self.where:
            return [dataclasses.replace(i, run=owner) for i in self.issues]
        stub = FileRead(path, None, pd.DataFrame())
        stub.frame.attrs["label_issues"] = self.issues
        return located_issues([stub], pd.concat(self.where, ignore_index=True), owner)


def check_options(
    path: str | Path, columns: dict[str, str] | str | None, roles: dict[str, str] | None
) -> tuple[Path, dict[str, str] | None]:
    """The path (which must exist) and the parsed ``--columns`` mapping; checks ``roles``."""
    root = Path(path)
    if not root.exists():
        raise InputError("no such file or folder", file=str(root))
    if columns:
        columns = parse_columns(columns) if isinstance(columns, str) else columns
        check_mapping(columns or {})
    if roles:
        check_roles(roles)
    return root, columns or None


def read_runs(
    root: Path,
    columns: dict[str, str] | None,
    sink: Callable[[pd.DataFrame], None],
    *,
    progress: bool = False,
    roles: dict[str, str] | None = None,
    source_metric: str | None = None,
    in_parts: bool = False,
) -> ReadNotes:
    """Read every file of every run under ``root`` (see :func:`~traceanalysis.io.load_runs`),
    calling ``sink`` with each file's rows (core columns, ``run`` set, ``source_file``,
    ``source_line``, maybe ``_auto_idx``) in the order of the table; returns the notes.
    ``in_parts``: a large native JSON Lines file comes in parts
    (:func:`~traceanalysis.io.chunked.file_reads`), one ``sink`` call each.

    Raises InputError when no file at all could be read, for a bad ``run.json`` and for a
    ``roles`` entry naming no run.
    """
    try:
        found = discover_runs(root)
    except OSError as exc:
        raise InputError(f"cannot list folder ({exc.strerror or exc})", file=str(root)) from None
    if not found.runs:
        raise InputError("no runs found (expected run folders or data files)", file=str(root))
    sizes = {f: _size(f) for r in found.runs for f in r.files}
    bar = tqdm(
        total=sum(sizes.values()),
        disable=not progress,
        desc="reading",
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
    )
    notes = ReadNotes(skipped=list(found.skipped))
    failures: list[InputError] = []
    for source in found.runs:
        try:
            base_info = read_run_info(source.folder if not source.bare else None, source.name)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        reads: list[FileRead] = []
        rows = _Source(source.bare)
        source_rejections: list[Rejection] = []
        results_models: set[str] = set()
        for file in source.files:
            bar.set_postfix_str(file.name, refresh=False)
            parts = file_reads(file, columns, source_metric, in_parts=in_parts)
            try:
                read = next(parts)
            except InputError as exc:  # one unreadable file does not stop the others
                bar.update(sizes[file])
                failures.append(exc)
                notes.skipped.append((str(file), error_reason(exc)))
                continue
            bar.update(sizes[file])
            if read.skipped:
                notes.skipped.append((str(file), read.skipped))
                results_models.update([read.model] if read.model else [])
                continue
            entry = {
                "run": source.name,
                "file": str(file),
                "format": read.format,
                "sha256": file_sha256(file),
                "rows": 0,
                "merged_rows": 0,
            }
            notes.inputs.append(entry)
            for part in itertools.chain([read], parts):  # a large file: in parts, in order
                source_rejections.extend(part.rejections)
                entry["rows"] += 0 if part.frame is None else len(part.frame)
                entry["merged_rows"] += part.merged_rows
                rows.add_issues(part)
                if part.frame is not None and len(part.frame):
                    frame = _named(source, part.frame)
                    rows.add(frame)
                    sink(frame)
                    del frame
                part.frame = None  # the rows are the sink's now
            reads.append(read)
        if not reads:  # every file was skipped (listed in attrs["skipped"]): no run
            continue
        _note_source(notes, source, base_info, reads, rows, source_rejections, results_models)
    bar.close()
    if not notes.inputs:
        raise no_readable_run(root, failures, notes.skipped)
    if roles:
        apply_roles(notes.runs, roles)
    return notes


def _note_source(
    notes: ReadNotes,
    source: RunSource,
    base_info: RunInfo,
    reads: list[FileRead],
    rows: _Source,
    source_rejections: list[Rejection],
    results_models: set[str],
) -> None:
    """Record one source's runs, rejections and value issues in ``notes``."""
    formats = [r.format for r in reads if r.format]
    names = list(rows.names) or [source.name]
    owner = names[0] if len(names) == 1 else source.name  # who the bad rows belong to
    notes.rejections.extend(dataclasses.replace(r, run=owner) for r in source_rejections)
    notes.label_issues.extend(rows.located(reads[0].path, owner))
    for name in names:
        info = dataclasses.replace(
            base_info,
            name=name,
            files=[str(f) for f in source.files],
            extra=dict(base_info.extra),
        )
        if name != source.name:
            info = dataclasses.replace(info, role=read_run_info(None, name).role)
        _finish_run_info(info, list(rows.models.get(name, {})), formats)
        if info.model is None and len(results_models) == 1:
            info.model = next(iter(results_models))
            info.extra.setdefault("model_source", "results file")
        if name in notes.runs:  # e.g. two batch output files naming the same run: merge
            info = _merge_run_info(notes.runs[name], info)
        notes.runs[name] = info
