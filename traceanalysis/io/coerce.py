"""Turning raw reader output (any Python/Arrow types) into the core column dtypes.

Columns whose dtype is already right are cast in one vectorised step; only columns with
mixed Python objects are checked value by value. A value of the wrong type in a required
column (run, problem_id, sample_idx, response) rejects its row with a reason naming the
column and what was expected. In any other column it is set to null and counted as an
issue (``coerce_columns`` puts them in ``frame.attrs["label_issues"]``): the response
stays. A correctness label that cannot be read (``"0.5"``, ``2``, ``"maybe"``) becomes a
null ``source_correct`` and its raw value is kept in ``source_scores``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from traceanalysis.io.source_metrics import plain
from traceanalysis.schema import CORE_COLUMNS, Rejection

Converter = Callable[[Any], Any]


class BadValue(ValueError):
    """A value that cannot become the column's type."""


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def to_text(value: Any) -> Any:
    """Strings stay, numbers become their text, lists/dicts become JSON; else BadValue."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return str(plain(value))
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        try:
            return json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            pass
    raise BadValue(f"expected text, got {type(value).__name__} {_describe(value)}")


def to_word(value: Any) -> Any:
    """Short scalar text (finish_reason, model, metric names): strings and numbers only."""
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        raise BadValue(f"expected a string, got {type(value).__name__} {_describe(value)}")
    return to_text(value)


def to_strict_text(value: Any) -> Any:
    """Only strings are accepted (for ``response``)."""
    if isinstance(value, str):
        return value
    raise BadValue(f"expected a string, got {type(value).__name__} {_describe(value)}")


def to_id(value: Any) -> Any:
    """Problem ids: strings, or integers (incl. integral floats) written as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    raise BadValue(
        f"expected a string or integer id, got {type(value).__name__} {_describe(value)}"
    )


def to_int(value: Any) -> Any:
    """Integers, integral floats and digit strings; else BadValue."""
    if isinstance(value, (bool, np.bool_)):
        raise BadValue(f"expected an integer, got bool {value!r}")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise BadValue(f"expected an integer, got {type(value).__name__} {_describe(value)}")


_TRUE = {"true", "1", "1.0", "yes", "c", "correct"}
_FALSE = {"false", "0", "0.0", "no", "i", "incorrect", "wrong"}


def to_label(value: Any) -> Any:
    """Correctness labels: booleans, 1/0 (int or float) and their string forms
    (true/false, 1/0, 1.0/0.0, yes/no, correct/incorrect, C/I); else BadValue.

    Scores such as 0.5, 0.9999, 2 or -1 are not labels: what counts as correct for them
    is the source's own rule, not ours to guess.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        if value == 1:
            return True
        if value == 0:
            return False
        raise BadValue(f"{_describe(value)} is not a label (1/0, true/false)")
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise BadValue(f"{_describe(value)} is not a label (1/0, true/false)")
    raise BadValue(
        f"expected a label (1/0, true/false), got {type(value).__name__} {_describe(value)}"
    )


CONVERTERS: dict[str, Converter] = {
    "run": to_text,
    "model": to_word,
    "role": to_word,
    "problem_id": to_id,
    "sample_idx": to_int,
    "prompt": to_text,
    "response": to_strict_text,
    "reasoning": to_text,
    "gold": to_text,
    "finish_reason": to_word,
    "step": to_int,
    "truncated": to_label,
    "source_metric": to_word,
    "source_scores": to_text,
    "source_correct": to_label,
    "gold_field": to_word,
    "source_problem_id": to_id,
}
# A bad value here rejects the row; anywhere else it becomes null and is counted.
ROW_REJECTING = ("run", "problem_id", "sample_idx", "response")


def _fast_cast(series: pd.Series, column: str) -> pd.Series | None:
    """A vectorised cast when the column's dtype already fits, else None."""
    target = CORE_COLUMNS[column]
    if series.isna().all():
        return pd.Series(pd.NA, index=series.index, dtype=target)
    if target == "string":
        if ptypes.is_string_dtype(series.dtype) and not ptypes.is_object_dtype(series.dtype):
            return series.astype("string")
        if column != "response" and ptypes.is_integer_dtype(series.dtype):
            return series.astype("Int64").astype("string")
        if ptypes.is_object_dtype(series.dtype) and pd.api.types.infer_dtype(series) in (
            "string",
            "empty",
        ):
            return series.astype("string")
        return None
    if target == "Int64" and ptypes.is_integer_dtype(series.dtype):
        return series.astype("Int64")
    if target == "boolean" and ptypes.is_bool_dtype(series.dtype):
        return series.astype("boolean")
    if target == "boolean" and ptypes.is_numeric_dtype(series.dtype):
        values = series.dropna()
        if values.isin([0, 1]).all():  # 1/0 labels: a vectorised cast
            return series.eq(1).astype("boolean").mask(series.isna())
    return None


def convert_each(series: pd.Series, column: str) -> tuple[pd.Series, dict[int, tuple[Any, str]]]:
    """Convert ``series`` value by value with ``CONVERTERS[column]``.

    Returns the column in its core dtype (missing and unreadable values null) and, per row
    position of an unreadable value, ``(raw value, why)``.
    """
    convert = CONVERTERS[column]
    values: list[Any] = []
    failures: dict[int, tuple[Any, str]] = {}
    for pos, value in enumerate(series.tolist()):
        if _is_missing(value):
            values.append(pd.NA)
            continue
        try:
            values.append(convert(value))
        except BadValue as exc:
            values.append(pd.NA)
            failures[pos] = (value, str(exc))
    return pd.Series(values, index=series.index, dtype=CORE_COLUMNS[column]), failures


def keep_raw_labels(result: dict[str, pd.Series], index: pd.Index, raw: dict[int, Any]) -> None:
    """Write each unreadable label (by row position) into its ``source_scores`` JSON object,
    keyed by the row's ``source_metric`` (else ``source_correct``)."""
    scores = result.get("source_scores")
    if scores is None:
        scores = pd.Series(pd.NA, index=index, dtype="string")
    scores = scores.copy()
    metrics = result.get("source_metric")
    for pos, value in raw.items():
        name = metrics.iloc[pos] if metrics is not None else pd.NA
        key = "source_correct" if name is pd.NA else str(name)
        current = scores.iloc[pos]
        try:
            obj = json.loads(current) if current is not pd.NA else {}
        except json.JSONDecodeError:
            obj = {"source_scores": current}
        if not isinstance(obj, dict):
            obj = {"source_scores": obj}
        obj.setdefault(key, plain(value))
        scores.iloc[pos] = json.dumps(obj, ensure_ascii=False, default=str)
    result["source_scores"] = scores


def coerce_columns(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Rejection]]:
    """Cast the core columns present in ``frame``; reject rows with a bad required value.

    ``frame`` must carry ``source_line``. Columns not in the core schema are dropped
    (readers map what they understand); missing core columns are added as nulls later.
    A bad value in any other column is set to null; each such value is one
    :class:`Rejection`-shaped record in ``result.attrs["label_issues"]`` (the row stays).
    """
    out: dict[str, pd.Series] = {}
    errors: dict[int, str] = {}
    issues: list[tuple[int, str]] = []
    raw_labels: dict[int, Any] = {}
    for column in CONVERTERS:
        if column not in frame.columns:
            continue
        series = frame[column]
        fast = _fast_cast(series, column)
        if fast is not None:
            out[column] = fast
            continue
        out[column], failures = convert_each(series, column)
        for pos, (value, exc) in failures.items():
            if column in ROW_REJECTING:
                errors.setdefault(pos, f"{column}: {exc}")
            elif column == "source_correct":
                raw_labels[pos] = value
                metric = out["source_metric"].iloc[pos] if "source_metric" in out else pd.NA
                named = "" if metric is pd.NA else f" (from {metric!r})"
                issues.append(
                    (pos, f"source_correct{named}: {exc}; set to null, kept in source_scores")
                )
            else:
                issues.append((pos, f"{column}: {exc}; set to null"))
    if raw_labels:
        keep_raw_labels(out, frame.index, raw_labels)
    result = pd.DataFrame(out, index=frame.index)
    result["source_line"] = frame["source_line"].astype("Int64")
    if "source_file" in frame.columns:  # readers of archives name the member per row
        result["source_file"] = frame["source_file"].fillna(file).astype("string")
    else:
        result["source_file"] = pd.Series(file, index=result.index, dtype="string")
    if "_auto_idx" in frame.columns:
        result["_auto_idx"] = frame["_auto_idx"].astype(bool)
    lines = result["source_line"].tolist()
    files = result["source_file"].tolist()

    def located(pos: int, reason: str) -> Rejection:
        line = lines[pos]
        return Rejection(str(files[pos]), None if line is pd.NA else int(line), reason)

    label_issues = [located(pos, reason) for pos, reason in sorted(issues)]
    rejections = [located(pos, reason) for pos, reason in sorted(errors.items())]
    if errors:
        keep = np.ones(len(result), dtype=bool)
        keep[list(errors)] = False
        result = result.loc[keep]
        dropped = set(errors)
        label_issues = [
            issue
            for (pos, _), issue in zip(sorted(issues), label_issues, strict=True)
            if pos not in dropped
        ]
    result = result.reset_index(drop=True)
    result.attrs["label_issues"] = label_issues
    return result, rejections
