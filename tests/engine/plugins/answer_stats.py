"""A user's own analyses, outside the package: one stage and one table (test fixture)."""

from __future__ import annotations

import pandas as pd

import traceanalysis


@traceanalysis.stage("answer_digits", version="1", reads=["response"], adds=["n_digits"])
def answer_digits(df: pd.DataFrame) -> pd.DataFrame:
    """Digits in each response."""
    return pd.DataFrame({"n_digits": df["response"].fillna("").str.count(r"\d")}, index=df.index)


@traceanalysis.table("digits_by_run")
def digits_by_run(df: pd.DataFrame) -> pd.DataFrame:
    """Mean digits per response, per run."""
    return df.groupby("run", observed=True)["n_digits"].mean().rename("mean_digits").reset_index()
