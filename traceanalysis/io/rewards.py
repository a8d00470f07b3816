"""Correctness labels from RL rewards (verl rollout dumps, TRL completion logs).

``acc`` (a boolean) is the label when verl writes it. Else the reward is read: when
its values in the whole file are within {-1, 0, 1} (DAPO and verl's math rewards give
+1 / -1, TRL's ``accuracy_reward`` 1 / 0), positive means correct. Otherwise it is passed
on raw, as every source metric is: a 0 or 1 reads as a label, any other value (0.5 for
a partial or format reward, -1 beside shaped scores) is nulled by coercion with a
counted reason. Every numeric reward of the row stays in ``source_scores``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceanalysis.io.source_metrics import numeric_scores, scores_json

_BINARY = {-1.0, 0.0, 1.0}


def _numeric(series: pd.Series) -> pd.Series | None:
    """The series as floats, or None when some value is not a number."""
    values = pd.to_numeric(series, errors="coerce")
    if values[series.notna()].isna().any():
        return None
    return values.astype(float)


def binary_reward_label(series: pd.Series) -> pd.Series:
    """``series > 0`` (nullable boolean) when every value is -1, 0, 1 or null; else raw."""
    values = _numeric(series)
    if values is None:
        return series
    finite = values.dropna()
    if not set(np.unique(finite.to_numpy())) <= _BINARY:
        return series
    return (values > 0).astype("boolean").mask(values.isna())


def reward_columns(frame: pd.DataFrame, label: str | None, scores: list[str]) -> dict[str, object]:
    """``source_correct``, ``source_metric`` and ``source_scores`` for a reward table.

    ``label`` names the column the label comes from (None: no label); ``scores`` the
    columns kept in ``source_scores`` (their numeric values, per row).
    """
    out: dict[str, object] = {}
    if label is not None:
        column = frame[label]
        given = column.dropna()
        is_bool = pd.api.types.is_bool_dtype(column) or all(
            isinstance(v, (bool, np.bool_)) for v in given.tolist()
        )
        out["source_correct"] = column if is_bool else binary_reward_label(column)
        out["source_metric"] = label
    present = [c for c in scores if c in frame.columns]
    if present:
        records = frame[present].to_dict("records")
        out["source_scores"] = [scores_json(numeric_scores(r)) for r in records]
    return out
