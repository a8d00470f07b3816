"""``load_runs``: a runs folder (or one run, or one file) -> one validated samples table."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from traceanalysis.io.problem_match import match_problems
from traceanalysis.io.read_runs import ReadNotes, check_options, read_runs
from traceanalysis.io.think import split_think
from traceanalysis.io.validation import validate_keeping_text
from traceanalysis.schema import CORE_COLUMNS, Rejection, RunInfo, empty_samples

_THINK_TAG = r"(?i)</?think>"


class SharedList(list):
    """A list that pandas shares instead of deep-copying when ``attrs`` propagate.

    pandas deep-copies ``df.attrs`` on nearly every operation; with many rejections that
    would cost more than the operation. The items (frozen Rejections, small dicts) are
    not meant to be changed after loading.
    """

    def __deepcopy__(self, memo: dict) -> SharedList:
        return self


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


def apply_run_info(table: pd.DataFrame, runs: Mapping[str, RunInfo]) -> pd.DataFrame:
    """Each row's ``role`` (and ``model``, where the run's metadata names one) from its run."""
    for name, info in runs.items():
        mask = table["run"] == name
        table.loc[mask, "role"] = info.role
        if info.model is not None:
            table.loc[mask, "model"] = info.model
    return table


def load_attrs(notes: ReadNotes, invalid: list[Rejection]) -> dict[str, object]:
    """The table's attrs: the notes of reading and the rows validation rejected
    (``invalid``), whose value issues are not counted twice."""
    gone = {(r.file, r.line) for r in invalid}
    label_issues = [i for i in notes.label_issues if (i.file, i.line) not in gone]
    return {
        "runs": notes.runs,
        "rejections": SharedList(sorted(notes.rejections + invalid, key=_rejection_order)),
        "label_issues": SharedList(sorted(label_issues, key=_rejection_order)),
        "inputs": SharedList(notes.inputs),
        "skipped": SharedList(notes.skipped),
    }


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
    root, columns = check_options(path, columns, roles)
    parts: list[pd.DataFrame] = []
    notes = read_runs(
        root, columns, parts.append, progress=progress, roles=roles, source_metric=source_metric
    )
    runs = notes.runs
    table = pd.concat(parts, ignore_index=True) if parts else empty_samples()
    del parts
    table = apply_run_info(_number_auto_samples(table), runs)
    valid, invalid = validate_keeping_text(table)
    valid = apply_think(valid)[list(CORE_COLUMNS)]
    valid.attrs = load_attrs(notes, invalid)
    return match_problems(valid, runs)  # one problem_id per problem across runs
