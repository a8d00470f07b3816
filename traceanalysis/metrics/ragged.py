"""Runs whose problems do not all have the same number of samples (ragged n), and runs
with samples whose grading failed: the facts behind the warnings of ``inspect`` and of
the report's data section."""

from __future__ import annotations

import pandas as pd

from traceanalysis.metrics.passk import counted_rows

SHOW_PROBLEMS = 5  # problems named per run; the counts cover all of them
RAGGED_COLUMNS = [
    "run", "n_problems", "n_min", "n_max", "ragged_problems", "missing_samples",
    "examples", "n_unverified",
]  # fmt: skip


def ragged_runs(df: pd.DataFrame) -> pd.DataFrame:
    """One row per run that is ragged or has unverified samples.

    Columns: run, n_problems, n_min, n_max (rows per problem in the samples table),
    ragged_problems (problems with fewer than n_max rows), missing_samples (sum of
    n_max - n_i), examples (up to :data:`SHOW_PROBLEMS` such problems as "id (n_i/n_max)"),
    n_unverified (counted samples whose grading failed; 0 before grading).
    """
    sizes = df.groupby(["run", "problem_id"], observed=True).size().rename("n").reset_index()
    unverified = pd.Series(dtype=int)
    if "correct" in df.columns:
        failed = counted_rows(df) & df["correct"].isna()
        unverified = failed.groupby(df["run"], observed=True).sum()
    rows = []
    for run, part in sizes.groupby("run", sort=False, observed=True):
        n_max = int(part["n"].max())
        short = part.loc[part["n"] < n_max].sort_values(["n", "problem_id"])
        n_unverified = int(unverified.get(run, 0))
        if short.empty and not n_unverified:
            continue
        rows.append(
            {
                "run": str(run),
                "n_problems": len(part),
                "n_min": int(part["n"].min()),
                "n_max": n_max,
                "ragged_problems": len(short),
                "missing_samples": int((n_max - short["n"]).sum()),
                "examples": ", ".join(
                    f"{pid} ({n}/{n_max})"
                    for pid, n in zip(
                        short["problem_id"][:SHOW_PROBLEMS], short["n"][:SHOW_PROBLEMS], strict=True
                    )
                ),
                "n_unverified": n_unverified,
            }
        )
    return pd.DataFrame(rows, columns=RAGGED_COLUMNS)


def ragged_sentences(df: pd.DataFrame) -> list[str]:
    """The warnings, one sentence per fact, for ``inspect`` and the report."""
    out = []
    for r in ragged_runs(df).itertuples():
        if r.ragged_problems:
            more = "" if r.ragged_problems <= SHOW_PROBLEMS else ", ..."
            out.append(
                f"{r.run} is ragged: {r.ragged_problems} of {r.n_problems} problems have fewer "
                f"than {r.n_max} samples ({r.missing_samples} missing: {r.examples}{more}); "
                f"pass@k is stated only up to k = {r.n_min}."
            )
        if r.n_unverified:
            out.append(
                f"{r.run}: {r.n_unverified} sample(s) could not be verified (grading timeout "
                "or error); they count in n as not correct, so its pass@k is a lower bound."
            )
    return out
