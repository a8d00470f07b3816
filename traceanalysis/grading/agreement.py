"""Agreement between our grading and correctness labels the input carried (``source_correct``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

_LISTED = [
    "run",
    "problem_id",
    "sample_idx",
    "gold",
    "extracted",
    "correct",
    "source_correct",
    "grade_status",
    "source_file",
    "source_line",
]


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two boolean label vectors; 1.0 when both are constant and equal."""
    observed = float((a == b).mean())
    expected = float(a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean()))
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


def _both(df: pd.DataFrame) -> pd.DataFrame:
    if "source_correct" not in df.columns or "correct" not in df.columns:
        return df.iloc[0:0]
    mask = df["source_correct"].notna() & df["correct"].notna()
    return df.loc[mask]


def agreement_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per run: responses labelled by both, share agreeing, Cohen's kappa, and each side's accuracy.

    Empty (no rows) when the input carries no ``source_correct`` labels.
    """
    both = _both(df)
    rows = []
    for run, part in both.groupby("run", sort=True, observed=True):
        ours = part["correct"].astype(bool).to_numpy()
        theirs = part["source_correct"].astype(bool).to_numpy()
        same = ours == theirs
        kappa = cohen_kappa(ours, theirs)
        rows.append(
            {
                "run": run,
                "n_both": len(part),
                "agreement": float(same.mean()),
                "kappa": float(kappa),
                "accuracy_ours": float(ours.mean()),
                "accuracy_source": float(theirs.mean()),
                "n_disagree": int((~same).sum()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "run",
            "n_both",
            "agreement",
            "kappa",
            "accuracy_ours",
            "accuracy_source",
            "n_disagree",
        ],
    )


def disagreements(df: pd.DataFrame) -> pd.DataFrame:
    """The responses where our ``correct`` and the input's ``source_correct`` differ."""
    both = _both(df)
    diff = both.loc[both["correct"].astype(bool) != both["source_correct"].astype(bool)]
    cols = [c for c in _LISTED if c in diff.columns]
    return diff[cols].sort_values(["run", "problem_id", "sample_idx"]).reset_index(drop=True)
