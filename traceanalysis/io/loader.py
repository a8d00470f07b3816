"""``load_runs``: a runs folder (or one run, or one file) -> one validated samples table."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from traceanalysis.errors import InputError
from traceanalysis.io.discover import RunSource, discover_runs
from traceanalysis.io.files import FileRead, read_file
from traceanalysis.io.load_notes import error_reason, located_issues, no_readable_run
from traceanalysis.io.mapping import check_mapping, parse_columns
from traceanalysis.io.problem_match import match_problems
from traceanalysis.io.roles import apply_roles, check_roles
from traceanalysis.io.think import split_think
from traceanalysis.io.validation import validate_keeping_text
from traceanalysis.schema import (
    CORE_COLUMNS,
    Rejection,
    RunInfo,
    empty_samples,
    read_run_info,
)

_THINK_TAG = r"(?i)</?think>"


class SharedList(list):
    """A list that pandas shares instead of deep-copying when ``attrs`` propagate.

    pandas deep-copies ``df.attrs`` on nearly every operation; with many rejections that
    would cost more than the operation. The items (frozen Rejections, small dicts) are
    not meant to be changed after loading.
    """

    def __deepcopy__(self, memo: dict) -> SharedList:
        return self


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


def apply_think(df: pd.DataFrame) -> pd.DataFrame:
    """Fill ``reasoning`` from ``<think>`` blocks and mark truncated responses.

    A response is truncated when its input said so, when a ``<think>`` opens and never
    closes, or when ``finish_reason == "length"``. Only rows holding a think tag are split.
    """
    df = df.copy()
    tagged = df["response"].str.contains(_THINK_TAG, regex=True, na=False)
    unclosed = pd.Series(False, index=df.index)
    if tagged.any():
        parts = [split_think(text) for text in df.loc[tagged, "response"].tolist()]
        found = pd.Series([p[0] for p in parts], index=df.index[tagged], dtype="string")
        fill = df.loc[tagged, "reasoning"].isna()
        df.loc[fill[fill].index, "reasoning"] = found[fill]
        unclosed.loc[tagged] = [p[2] for p in parts]
    length = df["finish_reason"].fillna("").str.lower().eq("length")
    given = df["truncated"].fillna(False).astype(bool)
    df["truncated"] = (given | unclosed | length).astype("boolean")
    return df


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _rejection_order(rejection: Rejection) -> tuple[str, int]:
    return rejection.file, -1 if rejection.line is None else rejection.line


def _number_auto_samples(df: pd.DataFrame) -> pd.DataFrame:
    """Give rows without a sample index their order within (run, problem_id)."""
    if "_auto_idx" not in df.columns:
        return df
    auto = df["_auto_idx"].fillna(False).astype(bool)
    if auto.any():
        rows = df.loc[auto, ["run", "problem_id"]]
        # Rows that validation rejects anyway (no response at all; an empty response is a
        # response) are numbered last: no gaps in 0..n-1.
        later = df["response"].isna().to_numpy()[auto.to_numpy()]
        rows = rows.assign(_later=later).sort_values("_later", kind="stable")
        order = rows.groupby(["run", "problem_id"], sort=False, dropna=False).cumcount()
        df.loc[order.index, "sample_idx"] = order.astype("Int64")
    return df.drop(columns="_auto_idx")


def _run_frame(source: RunSource, reads: list[FileRead], info: RunInfo) -> pd.DataFrame:
    frames = [r.frame for r in reads if r.frame is not None and len(r.frame)]
    if not frames:
        return empty_samples()
    frame = pd.concat(frames, ignore_index=True)
    names = pd.Series(source.name, index=frame.index, dtype="string")
    if source.bare and "run" in frame.columns:  # a bare file may carry several runs
        names = frame["run"].fillna(source.name).astype("string")
    frame["run"] = names
    return frame


def _finish_run_info(info: RunInfo, rows: pd.DataFrame, formats: list[str]) -> None:
    """Fill model (from the data, when run.json gives none) and the detected formats."""
    if info.model is None and "model" in rows.columns:
        models = rows["model"].dropna().unique().tolist()
        if len(models) == 1:
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


def load_runs(
    path: str | Path,
    columns: dict[str, str] | str | None = None,
    *,
    progress: bool = False,
    roles: dict[str, str] | None = None,
    source_metric: str | None = None,
) -> pd.DataFrame:
    """Load a runs folder, a single run folder or a single file into the samples table.

    ``columns`` maps samples-table names to source columns for files no reader recognises
    (``{"problem_id": "idx", "response": "output"}``, or the CLI's text form
    ``"problem_id=idx,response=output"``). ``source_metric`` names the input metric that
    becomes ``source_correct`` (lm-eval, lighteval, inspect_ai; default: the first
    correctness metric, docs/input-formats.md). ``roles`` sets the role of named
    runs (``{"qwen-zero": "rl"}``), over run.json and guessing. The result carries
    ``attrs["runs"]`` (run name -> :class:`RunInfo`), ``attrs["rejections"]`` (every
    rejected row with file, line and reason), ``attrs["label_issues"]`` (values that could
    not be read and became null, e.g. a label ``"0.5"``: the rows stay; file, line, reason,
    run), ``attrs["inputs"]`` (one dict per file: run, file, format, sha256, rows,
    merged_rows) and ``attrs["skipped"]`` ((path, reason) for files that were not read as
    samples, including unreadable ones). Problems are matched across runs
    (:func:`~traceanalysis.io.problem_match.match_problems`: ``attrs["problem_match"]``,
    the tool's own id in ``source_problem_id``). Raises InputError when no file at all could be
    read, for a bad ``run.json``, and for a ``roles`` entry naming no run or no role.
    """
    root = Path(path)
    if not root.exists():
        raise InputError("no such file or folder", file=str(root))
    if columns:
        columns = parse_columns(columns) if isinstance(columns, str) else columns
        check_mapping(columns or {})
    if roles:
        check_roles(roles)
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
    runs: dict[str, RunInfo] = {}
    rejections: list[Rejection] = []
    label_issues: list[Rejection] = []
    failures: list[InputError] = []
    inputs: list[dict[str, object]] = []
    skipped = list(found.skipped)
    parts: list[pd.DataFrame] = []
    for source in found.runs:
        try:
            base_info = read_run_info(source.folder if not source.bare else None, source.name)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        reads: list[FileRead] = []
        source_rejections: list[Rejection] = []
        results_models: set[str] = set()
        for file in source.files:
            bar.set_postfix_str(file.name, refresh=False)
            try:
                read = read_file(file, columns, source_metric)
            except InputError as exc:  # one unreadable file does not stop the others
                bar.update(sizes[file])
                failures.append(exc)
                skipped.append((str(file), error_reason(exc)))
                continue
            bar.update(sizes[file])
            if read.skipped:
                skipped.append((str(file), read.skipped))
                results_models.update([read.model] if read.model else [])
                continue
            reads.append(read)
            source_rejections.extend(read.rejections)
            inputs.append(
                {
                    "run": source.name,
                    "file": str(file),
                    "format": read.format,
                    "sha256": file_sha256(file),
                    "rows": 0 if read.frame is None else len(read.frame),
                    "merged_rows": read.merged_rows,
                }
            )
        if not reads:  # every file was skipped (listed in attrs["skipped"]): no run
            continue
        frame = _run_frame(source, reads, base_info)
        formats = [r.format for r in reads if r.format]
        names = frame["run"].dropna().unique().tolist() or [source.name]
        owner = names[0] if len(names) == 1 else source.name  # who the bad rows belong to
        rejections.extend(dataclasses.replace(r, run=owner) for r in source_rejections)
        label_issues.extend(located_issues(reads, frame, owner))
        for name in names:
            info = dataclasses.replace(
                base_info,
                name=name,
                files=[str(f) for f in source.files],
                extra=dict(base_info.extra),
            )
            if name != source.name:
                info = dataclasses.replace(info, role=read_run_info(None, name).role)
            _finish_run_info(info, frame[frame["run"] == name], formats)
            if info.model is None and len(results_models) == 1:
                info.model = next(iter(results_models))
                info.extra.setdefault("model_source", "results file")
            if name in runs:  # e.g. two batch output files naming the same run: merge
                info = _merge_run_info(runs[name], info)
            runs[name] = info
        parts.append(frame)
    bar.close()
    if not inputs:
        raise no_readable_run(root, failures, skipped)
    if roles:
        apply_roles(runs, roles)
    table = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else empty_samples()
    )
    table = _number_auto_samples(table)
    for name, info in runs.items():
        mask = table["run"] == name
        table.loc[mask, "role"] = info.role
        if info.model is not None:
            table.loc[mask, "model"] = info.model
    valid, invalid = validate_keeping_text(table)
    gone = {(r.file, r.line) for r in invalid}  # a rejected row's odd values: not counted twice
    label_issues = [i for i in label_issues if (i.file, i.line) not in gone]
    valid = apply_think(valid)[list(CORE_COLUMNS)]
    valid.attrs = {
        "runs": runs,
        "rejections": SharedList(sorted(rejections + invalid, key=_rejection_order)),
        "label_issues": SharedList(sorted(label_issues, key=_rejection_order)),
        "inputs": SharedList(inputs),
        "skipped": SharedList(skipped),
    }
    return match_problems(valid, runs)  # one problem_id per problem across runs
