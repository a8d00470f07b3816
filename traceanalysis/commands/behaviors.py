"""``behaviors RUNS``: rule-tag cognitive behaviours and print/write the behaviors table."""

from __future__ import annotations

import argparse

from traceanalysis.commands._common import add_runs_arguments
from traceanalysis.commands._plan_args import add_engine_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``behaviors`` subcommand."""
    parser = subparsers.add_parser(
        "behaviors",
        help="rule-tag cognitive behaviours per sentence; print the behaviors table",
        description="Split every response into sentences and tag verification, backtracking, "
        "subgoal setting, backward chaining, multi-perspective thinking, metacognitive "
        "awareness and self-reflection from the cue lists in lexicons/behaviors/. The same "
        "plan as `report`, through the same stage cache.",
        epilog="example:\n  python -m traceanalysis behaviors runs/ --out reports/behaviors",
    )
    add_runs_arguments(parser)
    add_engine_arguments(parser)
    parser.add_argument(
        "--classifier", default=None, help="apply a classifier saved by `judge --train-classifier`"
    )
    parser.add_argument(
        "--out", default="reports/behaviors", help="output folder (default reports/behaviors)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Tag through the plan, optionally apply a learned classifier, write behaviors.csv
    and the tagged rows."""
    from pathlib import Path

    from traceanalysis.behaviors import BehaviorClassifier, behaviors_table
    from traceanalysis.commands._plan_args import check_out, report_options
    from traceanalysis.pipeline import run_plan

    check_out(args.out)
    state, _ = run_plan(args.runs, report_options(args), targets=["behaviors_table"])
    df = state.features
    if args.classifier:
        df = BehaviorClassifier.load(args.classifier).predict(
            state.rows(range(len(df)), [*df.columns, "response"])
        )
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    table = behaviors_table(df) if args.classifier else state.tables["behaviors"]
    table.to_csv(folder / "behaviors.csv", index=False)
    keep = [c for c in ("run", "problem_id", "sample_idx") if c in df.columns]
    tagged = [c for c in df.columns if c.startswith(("behavior_", "learned_"))]
    tagged += [c for c in ("behavior_spans",) if c not in tagged]
    rows = state.rows(range(len(df)), keep + tagged) if not args.classifier else df
    rows = rows[[c for c in keep + tagged if c in rows.columns]].copy()
    rows.attrs = {}  # RunInfo objects are not JSON; the manifest carries them
    rows.to_parquet(folder / "behavior_labels.parquet", index=False)
    if not args.quiet:
        print(table.round(3).to_string(index=False))
        print(f"wrote {folder}/behaviors.csv, behavior_labels.parquet")
    return 0
