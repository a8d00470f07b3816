"""``inspect RUNS``: what was found — runs, formats, models, roles, counts, rejections."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING

from traceanalysis.commands._common import add_runs_arguments, parse_columns

if TYPE_CHECKING:
    import pandas as pd

SHOW_REASONS = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``inspect`` subcommand."""
    parser = subparsers.add_parser(
        "inspect",
        help="show the runs, formats and counts found in RUNS",
        description="Read RUNS (a runs folder, one run folder or one file) and print, per "
        "run: detected format, model, role, problems, samples per problem and rejected rows.",
    )
    add_runs_arguments(parser)
    parser.add_argument(
        "--reasons", type=int, default=SHOW_REASONS, help="rejections shown per run (default 3)"
    )
    parser.set_defaults(func=run)


def summarize(df: pd.DataFrame, *, reasons: int = SHOW_REASONS) -> list[str]:
    """The report lines for a loaded samples table (``load_runs`` output)."""
    runs = df.attrs.get("runs", {})
    rejections = df.attrs.get("rejections", [])
    by_run = Counter(r.run for r in rejections)
    lines: list[str] = []
    for name, info in runs.items():
        rows = df[df["run"] == name]
        per_problem = rows.groupby("problem_id", observed=True).size()
        role = f"{info.role} (guessed from name)" if info.role_guessed else info.role
        lines.append(f"run {name}")
        lines.append(f"  format      {info.format or 'none'}")
        lines.append(f"  model       {info.model or 'unknown'}")
        lines.append(f"  role        {role}")
        lines.append(f"  problems    {len(per_problem)}")
        if len(per_problem):
            lines.append(
                f"  samples     {len(rows)} ({int(per_problem.min())} / "
                f"{per_problem.median():g} / {int(per_problem.max())} per problem, min/median/max)"
            )
        else:
            lines.append("  samples     0")
        truncated = int(rows["truncated"].fillna(False).sum())
        if truncated:
            lines.append(f"  truncated   {truncated}")
        lines.append(f"  rejected    {by_run.get(name, 0)}")
        for rejection in [r for r in rejections if r.run == name][:reasons]:
            lines.append(f"    {rejection}")
    orphans = [r for r in rejections if r.run not in runs]
    for rejection in orphans[:reasons]:
        lines.append(f"rejected  {rejection}")
    for path, why in df.attrs.get("skipped", []):
        lines.append(f"skipped  {path}: {why}")
    lines.append(
        f"total: {len(runs)} run(s), {len(df)} sample(s), {len(rejections)} rejected row(s)"
    )
    return lines


def run(args: argparse.Namespace) -> int:
    """Load RUNS and print the summary; exit code 2 when no valid row was found."""
    from traceanalysis.errors import InputError
    from traceanalysis.io import load_runs

    df = load_runs(args.runs, parse_columns(args.columns), progress=not args.quiet)
    print("\n".join(summarize(df, reasons=args.reasons)))
    if df.empty:
        first = df.attrs["rejections"][0] if df.attrs["rejections"] else None
        raise InputError(
            "no valid samples" + (f" (first rejection: {first})" if first else ""),
            file=args.runs,
        )
    return 0
