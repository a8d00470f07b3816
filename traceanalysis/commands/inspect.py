"""``inspect RUNS``: what was found — runs, formats, models, roles, counts, rejections,
unreadable values and skipped files."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING

from traceanalysis.commands._common import add_runs_arguments, load_runs_from_args

if TYPE_CHECKING:
    import pandas as pd

SHOW_REASONS = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``inspect`` subcommand."""
    parser = subparsers.add_parser(
        "inspect",
        help="show the runs, formats and counts found in RUNS",
        description="Read RUNS (a runs folder, one run folder or one file) and print, per "
        "run: detected format, model, role, problems, samples per problem, empty responses, "
        "labels, rejected rows and unreadable values; then every skipped file and why.",
        epilog="example: python -m traceanalysis inspect runs/ --role qwen-math=base",
    )
    add_runs_arguments(parser)
    parser.add_argument(
        "--reasons", type=int, default=SHOW_REASONS, help="rejections shown per run (default 3)"
    )
    parser.set_defaults(func=run)


def _role(info: object) -> str:
    if getattr(info, "extra", {}).get("role_source") == "--role":
        return f"{info.role} (--role)"
    return f"{info.role} (guessed from name)" if info.role_guessed else f"{info.role} (run.json)"


def summarize(df: pd.DataFrame, *, reasons: int = SHOW_REASONS) -> list[str]:
    """The report lines for a loaded samples table (``load_runs`` output)."""
    from traceanalysis.io.validation import blank_text
    from traceanalysis.metrics.order import role_order

    runs = df.attrs.get("runs", {})
    rejections = df.attrs.get("rejections", [])
    issues = df.attrs.get("label_issues", [])
    skipped = df.attrs.get("skipped", [])
    by_run = Counter(r.run for r in rejections)
    issues_by_run = Counter(i.run for i in issues)
    lines: list[str] = []
    roles = {n: str(getattr(i, "role", "other")) for n, i in runs.items()}
    for name in role_order(list(runs), roles):  # base, rl, distilled, other
        info = runs[name]
        rows = df[df["run"] == name]
        per_problem = rows.groupby("problem_id", observed=True).size()
        lines.append(f"run {name}")
        lines.append(f"  format      {info.format or 'none'}")
        lines.append(f"  model       {info.model or 'unknown'}")
        lines.append(f"  role        {_role(info)}")
        lines.append(f"  problems    {len(per_problem)}")
        if len(per_problem):
            lines.append(
                f"  samples     {len(rows)} ({int(per_problem.min())} / "
                f"{per_problem.median():g} / {int(per_problem.max())} per problem, min/median/max)"
            )
        else:
            lines.append("  samples     0")
        empty = int(blank_text(rows["response"]).sum())
        if empty:
            lines.append(f"  empty       {empty} (empty or blank responses, kept: no answer)")
        truncated = int(rows["truncated"].fillna(False).sum())
        if truncated:
            lines.append(f"  truncated   {truncated}")
        if "source_correct" in rows.columns and rows["source_correct"].notna().any():
            labelled = rows["source_correct"].dropna()
            lines.append(
                f"  labels      {len(labelled)} from the input, {labelled.mean():.1%} correct"
            )
        lines.append(f"  rejected    {by_run.get(name, 0)}")
        for rejection in [r for r in rejections if r.run == name][:reasons]:
            lines.append(f"    {rejection}")
        if issues_by_run.get(name):
            lines.append(f"  unreadable  {issues_by_run[name]} value(s) set to null, rows kept")
            for issue in [i for i in issues if i.run == name][:reasons]:
                lines.append(f"    {issue}")
    orphans = [r for r in rejections if r.run not in runs]
    for rejection in orphans[:reasons]:
        lines.append(f"rejected  {rejection}")
    match = df.attrs.get("problem_match")
    if match and len(runs) > 1:
        from traceanalysis.io.problem_match import describe

        lines.append(f"matching  {describe(match)}")
        for item in match["unmatched"][:reasons]:
            lines.append(f"  {item['run']} {item['source_problem_id']}: {item['reason']}")
    if skipped:
        lines.append(f"skipped {len(skipped)} file(s), not read as samples:")
        lines.extend(f"  {path}: {why}" for path, why in skipped)
    from traceanalysis.metrics.ragged import ragged_sentences

    lines.extend(f"warning: {line}" for line in ragged_sentences(df))
    lines.append(
        f"total: {len(runs)} run(s), {len(df)} sample(s), {len(rejections)} rejected row(s), "
        f"{len(issues)} unreadable value(s), {len(skipped)} skipped file(s)"
    )
    return lines


def run(args: argparse.Namespace) -> int:
    """Load RUNS and print the summary; exit code 2 when no valid row was found."""
    from traceanalysis.errors import InputError

    df = load_runs_from_args(args)
    print("\n".join(summarize(df, reasons=args.reasons)))
    if df.empty:
        first = df.attrs["rejections"][0] if df.attrs["rejections"] else None
        raise InputError(
            "no valid samples" + (f" (first rejection: {first})" if first else ""),
            file=args.runs,
        )
    return 0
