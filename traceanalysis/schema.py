"""The samples table: one row per sampled response.

Column names and dtypes are a fixed contract (docs/samples-table.md): readers produce
the core columns, every analysis stage adds its own. ``validate_samples`` splits rows into
valid ones and :class:`Rejection` records naming file, line and reason; nothing is
dropped silently. Only the required fields can reject a row: a value of another column
that cannot be read is set to null and counted (``io.coerce``), the response stays.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from traceanalysis.role_names import guess_role

ROLES = ("base", "rl", "distilled", "other")
GRADE_STATUSES = ("ok", "no_answer", "truncated", "timeout", "parse_error", "ungraded")

# Core columns every reader produces (pandas extension dtypes: nullable where allowed).
CORE_COLUMNS: dict[str, str] = {
    "run": "string",
    "model": "string",
    "role": "string",
    "problem_id": "string",
    "sample_idx": "Int64",
    "prompt": "string",
    "response": "string",
    "reasoning": "string",
    "gold": "string",
    "finish_reason": "string",
    "step": "Int64",
    "truncated": "boolean",
    "source_correct": "boolean",  # correctness label carried by the input (e.g. `score`)
    "source_metric": "string",  # which of the input's metrics became source_correct
    "source_scores": "string",  # JSON object: every score/metric the input row carried
    "gold_field": "string",  # which input field the gold came from (e.g. `answer`, `gt`)
    "source_problem_id": "string",  # the problem id as the input wrote it (before matching)
    "source_file": "string",
    "source_line": "Int64",  # 1-based line (JSONL, CSV) or 0-based row (other tables)
}
REQUIRED = ("run", "problem_id", "sample_idx", "response")

# Columns added by grading (traceanalysis.grading).
GRADE_COLUMNS: dict[str, str] = {
    "extracted": "string",
    "correct": "boolean",
    "grade_status": "string",
    "grader": "string",  # which grader judged the row: math, text, choice, source, ...
}


@dataclass(frozen=True)
class Rejection:
    """One input row that did not make it into the samples table, and why."""

    file: str
    line: int | None
    reason: str
    run: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.reason}"


@dataclass
class RunInfo:
    """What is known about one run: from ``run.json`` or guessed from its name."""

    name: str
    model: str | None = None
    role: str = "other"
    role_guessed: bool = True
    benchmark: str | None = None
    reference: str | None = None
    sampling: dict[str, object] = field(default_factory=dict)
    format: str | None = None
    files: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable dict of every field."""
        return asdict(self)


def read_run_info(run_dir: Path | None, run_name: str) -> RunInfo:
    """Read ``run.json`` from ``run_dir`` if present, else guess the role from ``run_name``.

    Raises ValueError naming the file when ``run.json`` is not a JSON object or names an
    unknown role.
    """
    meta_path = run_dir / "run.json" if run_dir is not None else None
    if meta_path is None or not meta_path.is_file():
        return RunInfo(name=run_name, role=guess_role(run_name), role_guessed=True)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{meta_path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{meta_path}: expected a JSON object")
    role = meta.get("role")
    if role is not None and role not in ROLES:
        raise ValueError(f"{meta_path}: role {role!r} is not one of {', '.join(ROLES)}")
    known = {"model", "role", "benchmark", "reference", "sampling"}
    return RunInfo(
        name=run_name,
        model=meta.get("model"),
        role=role if role is not None else guess_role(run_name),
        role_guessed=role is None,
        benchmark=meta.get("benchmark"),
        reference=meta.get("reference"),
        sampling=dict(meta.get("sampling") or {}),
        extra={k: v for k, v in meta.items() if k not in known},
    )


def empty_samples() -> pd.DataFrame:
    """An empty samples table with the core columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in CORE_COLUMNS.items()})


def coerce_core_dtypes(
    df: pd.DataFrame, bad_values: dict[tuple[int, str], str] | None = None
) -> pd.DataFrame:
    """Add missing core columns as nulls and cast every core column to its dtype.

    A column that does not cast as a whole (a frame built by hand: a label ``0.5``, a step
    ``"late"``) is converted value by value with the readers' rules (``io.coerce``): a value
    that cannot be read becomes null, and ``bad_values[(row position, column)]`` says why
    (an unreadable label is also kept raw in ``source_scores``).
    """
    out = df.copy()
    raw_labels: dict[int, object] = {}
    for col, dtype in CORE_COLUMNS.items():
        if col not in out.columns:
            out[col] = pd.Series(pd.NA, index=out.index, dtype=dtype)
            continue
        try:
            out[col] = out[col].astype(dtype)
        except (TypeError, ValueError):
            from traceanalysis.io.coerce import convert_each  # io imports this module

            out[col], failures = convert_each(out[col], col)
            for pos, (value, why) in failures.items():
                if bad_values is not None:
                    bad_values[(pos, col)] = why
                if col == "source_correct":
                    raw_labels[pos] = value
    if raw_labels:
        from traceanalysis.io.coerce import keep_raw_labels

        scores = {c: out[c] for c in ("source_scores", "source_metric")}
        keep_raw_labels(scores, out.index, raw_labels)
        out["source_scores"] = scores["source_scores"]
    ordered = list(CORE_COLUMNS) + [c for c in out.columns if c not in CORE_COLUMNS]
    return out[ordered]


def validate_samples(df: pd.DataFrame) -> tuple[pd.DataFrame, list[Rejection]]:
    """Split ``df`` into valid rows and rejections.

    A row is rejected when a required column is null (a response with no text field at
    all: nothing was sampled), ``sample_idx`` is negative, or it repeats the (run,
    problem_id, sample_idx) of an earlier valid row (the first valid one is kept). An
    empty or whitespace-only response is a response (graded ``no_answer``), never rejected.
    Each rejection names ``source_file`` and ``source_line`` when the row carries them.
    A value of the wrong type rejects its row only in a required column; elsewhere it is
    set to null and listed in ``valid.attrs["label_issues"]`` (Rejection-shaped records).
    """
    bad_values: dict[tuple[int, str], str] = {}
    df = coerce_core_dtypes(df, bad_values)
    reasons = pd.Series(pd.NA, index=df.index, dtype="string")
    for (pos, col), why in bad_values.items():
        if col in REQUIRED and pd.isna(reasons.iloc[pos]):
            reasons.iloc[pos] = f"{col}: {why}"
    for col in REQUIRED:
        reasons = reasons.mask(reasons.isna() & df[col].isna(), f"missing required field {col!r}")
    negative = df["sample_idx"].fillna(0) < 0
    reasons = reasons.mask(reasons.isna() & negative, "negative sample_idx")
    # Duplicates among rows still valid: a rejected row does not shadow a later good one.
    still = reasons.isna()
    dup = df.loc[still].duplicated(["run", "problem_id", "sample_idx"], keep="first")
    dup = dup.reindex(df.index, fill_value=False)
    reasons = reasons.mask(still & dup, "duplicate (run, problem_id, sample_idx)")
    bad = reasons.notna()
    rejections = _located(df, np.flatnonzero(bad.to_numpy()), reasons[bad].tolist())
    kept = ~bad.to_numpy()
    issues = sorted(
        (pos, f"{col}: {why}; set to null")
        for (pos, col), why in bad_values.items()
        if kept[pos] and col not in REQUIRED
    )
    valid = df.loc[~bad].reset_index(drop=True)
    valid.attrs["label_issues"] = _located(
        df, np.array([p for p, _ in issues], dtype=int), [why for _, why in issues]
    )
    return valid, rejections


def _located(df: pd.DataFrame, positions: np.ndarray, reasons: list[str]) -> list[Rejection]:
    """One Rejection per row position (in order), named by its file and line."""
    rows = df.iloc[positions][["source_file", "source_line", "run"]]
    return [
        Rejection(
            file=str(file) if pd.notna(file) else "<table>",
            # Without a file (a frame built in memory) the row's position is the location.
            line=int(line) if pd.notna(line) else (None if pd.notna(file) else int(i)),
            reason=str(reason),
            run=str(run) if pd.notna(run) else None,
        )
        for i, file, line, run, reason in zip(
            rows.index,
            rows["source_file"],
            rows["source_line"],
            rows["run"],
            reasons,
            strict=True,
        )
    ]
