"""The ``grade`` stage: every response gets ``extracted``, ``correct``, ``grade_status``, ``grader``.

Each run is graded by one grader of the registry (:mod:`traceanalysis.grading.registry`),
chosen from its golds or forced (:mod:`traceanalysis.grading.selection`). Runs sharing a
grader are graded in one call (one worker pool for math), then the rows are put back in
their order.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from traceanalysis.grading.choice_grader import VERSION as CHOICE_VERSION
from traceanalysis.grading.math_version import GRADER_VERSION
from traceanalysis.grading.registry import call_grader
from traceanalysis.grading.selection import GraderSpec, choose_graders
from traceanalysis.grading.source_grader import VERSION as SOURCE_VERSION
from traceanalysis.grading.text_grader import VERSION as TEXT_VERSION

# Dispatch version, then every built-in grader's version: a change to any regrades.
GRADE_STAGE_VERSION = "/".join(["3", GRADER_VERSION, TEXT_VERSION, CHOICE_VERSION, SOURCE_VERSION])
_COUNTS = ("n_responses", "n_unique", "n_cached", "n_verified", "n_timeout", "n_killed")
_OUTPUT = ("extracted", "correct", "grade_status")
_READS = ("run", "response", "prompt", "gold", "finish_reason", "truncated", "source_correct")
_READS += ("source_file",)  # a mixed run's graders are chosen per input file


def _run_names(df: pd.DataFrame) -> pd.Series:
    if "run" not in df.columns:
        return pd.Series("", index=df.index, dtype="string")
    return df["run"].astype("string").fillna("")


def _files(df: pd.DataFrame) -> pd.Series:
    """Per row: its input file (``source_file`` without an archive member, ``log.eval!...``)."""
    if "source_file" not in df.columns:
        return pd.Series("", index=df.index, dtype="string")
    codes, uniques = pd.factorize(df["source_file"])
    names = np.array([str(u).split("!", 1)[0] for u in uniques] + [""], dtype=object)
    return pd.Series(names[codes], index=df.index, dtype="string")  # code -1 (null): ""


def _golds_by_run(
    df: pd.DataFrame, runs: pd.Series, files: pd.Series
) -> dict[str, dict[str, dict[str, int]]]:
    """``{run: {input file: {gold: count}}}``, every run and file present (golds may be none)."""
    grouped: dict[str, dict[str, dict[str, int]]] = {str(r): {} for r in pd.unique(runs)}
    keys = pd.DataFrame({"run": runs.to_numpy(), "file": files.to_numpy()})
    for run, file in keys.drop_duplicates().itertuples(index=False):
        grouped[str(run)][str(file)] = {}
    if "gold" in df.columns:
        keys["gold"] = df["gold"].astype("string").to_numpy()
        counts = keys.dropna(subset=["gold"]).value_counts(sort=False)
        for (run, file, gold), n in counts.items():
            grouped[str(run)][str(file)][str(gold)] = int(n)
    return grouped


def _row_graders(runs: pd.Series, files: pd.Series, chosen: dict[str, dict]) -> pd.Series:
    """Per row: its run's grader, or its file's where the run is graded file by file."""
    row = runs.map({run: g["grader"] for run, g in chosen.items()}).astype("string")
    for run, g in chosen.items():
        for file, by_file in (g.get("files") or {}).items():
            row[(runs == run) & (files == file)] = by_file["grader"]
    return row


def _labelled_runs(df: pd.DataFrame, runs: pd.Series) -> set[str]:
    """The runs with at least one correctness label of their own (``source_correct``)."""
    if "source_correct" not in df.columns:
        return set()
    labelled = df["source_correct"].notna().to_numpy()
    return {str(r) for r in pd.unique(runs[labelled])}


def choose_run_graders(df: pd.DataFrame, grader: GraderSpec = None) -> dict[str, dict[str, object]]:
    """``{run: {"grader", "why"(, "files")}}`` for the samples table ``df`` (its golds,
    input files and own labels only: no text is read)."""
    runs, files = _run_names(df), _files(df)
    return choose_graders(_golds_by_run(df, runs, files), grader, _labelled_runs(df, runs))


def combine_grading(parts: list[dict[str, object]]) -> dict[str, object]:
    """One ``attrs["grading"]`` for batches graded apart: each grader's counts summed over
    the batches (a pair repeated in two batches is counted in each: ``n_unique`` is then
    per batch; the second batch finds it in the SQLite cache)."""
    if not parts:
        return {}
    by_grader: dict[str, dict[str, object]] = {}
    for part in parts:
        for name, attrs in dict(part.get("by_grader") or {}).items():
            if name not in by_grader:
                by_grader[name] = dict(attrs)
                continue
            total = by_grader[name]
            for key in (*_COUNTS, "worker_cpu_s"):
                total[key] = (total.get(key) or 0) + (attrs.get(key) or 0)
    return _merge_attrs(by_grader, dict(parts[0].get("graders") or {}))


def _merge_attrs(parts: dict[str, dict[str, object]], chosen: dict[str, dict[str, str]]) -> dict:
    """One ``attrs["grading"]``: summed counts, math's settings, each grader's own attrs."""
    merged: dict[str, object] = {
        "grader_version": GRADE_STAGE_VERSION,
        "strict_sets": None,
        "timeout_s": None,
        "cache": None,
    }
    for key in _COUNTS:
        merged[key] = sum(int(p.get(key) or 0) for p in parts.values())
    merged["worker_cpu_s"] = round(
        sum(float(p.get("worker_cpu_s") or 0.0) for p in parts.values()), 3
    )
    if "math" in parts:
        for key in ("strict_sets", "timeout_s", "cache"):
            merged[key] = parts["math"].get(key)
    merged["graders"] = chosen
    merged["by_grader"] = parts
    return merged


def grade(
    df: pd.DataFrame,
    *,
    grader: GraderSpec = None,
    workers: int | None = None,
    timeout: float = 5.0,
    strict_sets: bool = False,
    cache_path: str | os.PathLike[str] | None = None,
    progress: bool = False,
    chosen: dict[str, dict[str, object]] | None = None,
) -> pd.DataFrame:
    """Add ``extracted``, ``correct``, ``grade_status`` and ``grader`` to the samples table.

    ``grader``: None (each run's grader chosen from its golds), a grader name for every
    run (``"math"``, ``"text"``, ``"choice"``, ``"source"``), ``"RUN=NAME,..."`` pairs with
    an optional bare name for the other runs, or a ``{run: name}`` mapping. The math
    grader runs math-verify in ``workers`` processes (default: CPU count) with ``timeout``
    CPU seconds per unique (answer, gold) pair; ``strict_sets`` requires the whole set for
    "find all" answers; verdicts are cached in the SQLite file ``cache_path``.
    ``out.attrs["grading"]`` reports summed counts (responses, unique pairs, cache hits,
    newly verified, timeouts, killed workers), ``graders`` ({run: {"grader", "why"}}) and
    ``by_grader`` (each grader's own attrs). ``chosen``: the graders already chosen for
    the whole table (:func:`choose_run_graders`), when ``df`` is one batch of its rows.
    """
    if "response" not in df.columns:
        raise KeyError("grade needs a 'response' column")
    runs, files = _run_names(df), _files(df)
    if chosen is None:
        chosen = choose_run_graders(df, grader)
    options = {
        "workers": workers,
        "timeout": timeout,
        "strict_sets": strict_sets,
        "cache_path": cache_path,
        "progress": progress,
    }
    row_grader = _row_graders(runs, files, chosen)
    names = list(dict.fromkeys(row_grader.tolist()))
    parts: dict[str, dict[str, object]] = {}
    if len(names) <= 1:
        out = call_grader(names[0] if names else "math", df, **options)
        parts[names[0] if names else "math"] = dict(out.attrs.get("grading", {}))
    else:
        out = df.copy()
        columns: dict[str, list[object]] = {c: [None] * len(df) for c in _OUTPUT}
        for name in names:
            rows = np.flatnonzero((row_grader == name).to_numpy())
            graded = call_grader(name, df.iloc[rows], **options)
            parts[name] = dict(graded.attrs.get("grading", {}))
            for col in _OUTPUT:
                for i, value in zip(rows, graded[col].tolist(), strict=True):
                    columns[col][i] = value
        out["extracted"] = pd.array(columns["extracted"], dtype="string")
        out["correct"] = pd.array(columns["correct"], dtype="boolean")
        out["grade_status"] = pd.array(columns["grade_status"], dtype="string")
    out["grader"] = pd.array(row_grader.tolist(), dtype="string")
    out.attrs["grading"] = _merge_attrs(parts, chosen)
    return out
