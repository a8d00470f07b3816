"""Runs compared on the same problems: keep only the problems every run has."""

from __future__ import annotations

import pandas as pd


def align_problems(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, object]]:
    """Keep only the problems every run has, so runs are compared on the same problems.

    Returns the table and a record of what was dropped (per run: problems and responses)
    with plain-words ``notes``. When no problem is in every run, nothing is dropped and a
    note says so: that the runs share no problem only when no two runs share one.
    """
    per_run = {
        str(run): set(part.dropna().astype(str))
        for run, part in df.groupby("run", sort=False)["problem_id"]
    }
    if len(per_run) < 2:
        return df, {"notes": []}
    common = set.intersection(*per_run.values())
    every = set.union(*per_run.values())
    if not common:
        runs = list(per_run.values())
        shared = any(a & b for i, a in enumerate(runs) for b in runs[i + 1 :])
        note = (
            "No problem is in every run: each run is analysed on all its own problems, "
            "and two runs are compared on the problems they share."
            if shared
            else "The runs share no problem: each run is analysed on its own problems."
        )
        return df, {"notes": [note], "problems_used": len(every), "by_run": {}}
    if common == every:
        return df, {"notes": [], "problems_used": len(common), "by_run": {}}
    keep = df["problem_id"].isin(common)
    by_run = {}
    for run, problems in per_run.items():
        extra = sorted(problems - common)
        if extra:
            rows = int((~keep & (df["run"] == run)).sum())
            by_run[str(run)] = {"problems": len(extra), "responses": rows, "first": extra[:5]}
    notes = [
        f"Runs are compared on the {len(common):,} problems present in every run; "
        f"{len(every) - len(common):,} problem(s) missing from some run were dropped."
    ] + [
        f"{run}: dropped {d['problems']} problem(s), {d['responses']} response(s) "
        f"(e.g. {', '.join(map(str, d['first']))})."
        for run, d in by_run.items()
    ]
    out = df.loc[keep].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out, {"notes": notes, "problems_used": len(common), "by_run": by_run}
