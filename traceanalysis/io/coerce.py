"""Turning raw reader output (any Python/Arrow types) into the core column dtypes.

Columns whose dtype is already right are cast in one vectorised step; only columns with
mixed Python objects are checked value by value. A value of the wrong type rejects its
row with a reason naming the column and what was expected.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

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
        return str(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        try:
            return json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            pass
    raise BadValue(f"expected text, got {type(value).__name__} {_describe(value)}")


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


_TRUE = {"true", "t", "yes", "y", "1", "1.0", "c", "correct"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", "i", "incorrect", "wrong"}


def to_bool(value: Any) -> Any:
    """Booleans, numeric scores (> 0 is True) and words like true/false, C/I."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value) > 0
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise BadValue(f"expected a boolean or score, got {type(value).__name__} {_describe(value)}")


CONVERTERS: dict[str, Converter] = {
    "run": to_text,
    "model": to_text,
    "role": to_text,
    "problem_id": to_id,
    "sample_idx": to_int,
    "prompt": to_text,
    "response": to_strict_text,
    "reasoning": to_text,
    "gold": to_text,
    "finish_reason": to_text,
    "step": to_int,
    "truncated": to_bool,
    "source_correct": to_bool,
}


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
    return None


def coerce_columns(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Rejection]]:
    """Cast the core columns present in ``frame``; reject rows holding a wrong-typed value.

    ``frame`` must carry ``source_line``. Columns not in the core schema are dropped
    (readers map what they understand); missing core columns are added as nulls later.
    """
    out: dict[str, pd.Series] = {}
    errors: dict[int, str] = {}
    for column in CONVERTERS:
        if column not in frame.columns:
            continue
        series = frame[column]
        fast = _fast_cast(series, column)
        if fast is not None:
            out[column] = fast
            continue
        convert = CONVERTERS[column]
        values: list[Any] = []
        for pos, value in enumerate(series.tolist()):
            if _is_missing(value):
                values.append(pd.NA)
                continue
            try:
                values.append(convert(value))
            except BadValue as exc:
                errors.setdefault(pos, f"{column}: {exc}")
                values.append(pd.NA)
        out[column] = pd.Series(values, index=series.index, dtype=CORE_COLUMNS[column])
    result = pd.DataFrame(out, index=frame.index)
    result["source_line"] = frame["source_line"].astype("Int64")
    if "source_file" in frame.columns:  # readers of archives name the member per row
        result["source_file"] = frame["source_file"].fillna(file).astype("string")
    else:
        result["source_file"] = pd.Series(file, index=result.index, dtype="string")
    if "_auto_idx" in frame.columns:
        result["_auto_idx"] = frame["_auto_idx"].astype(bool)
    if not errors:
        return result.reset_index(drop=True), []
    lines = result["source_line"].tolist()
    files = result["source_file"].tolist()
    rejections = [
        Rejection(str(files[pos]), None if lines[pos] is pd.NA else int(lines[pos]), reason)
        for pos, reason in sorted(errors.items())
    ]
    keep = np.ones(len(result), dtype=bool)
    keep[list(errors)] = False
    return result.loc[keep].reset_index(drop=True), rejections
