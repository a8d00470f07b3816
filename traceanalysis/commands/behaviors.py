"""``behaviors RUNS``: rule-tag cognitive behaviours and print/write the behaviors table."""

from __future__ import annotations

import argparse

from traceanalysis.commands._common import add_runs_arguments, load_runs_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``behaviors`` subcommand."""
    parser = subparsers.add_parser(
        "behaviors",
        help="rule-tag cognitive behaviours per sentence; print the behaviors table",
        description="Split every response into sentences and tag verification, backtracking, "
        "subgoal setting, backward chaining, multi-perspective thinking, metacognitive "
        "awareness and self-reflection from the cue lists in lexicons/behaviors/.",
    )
    add_runs_arguments(parser)
    parser.add_argument(
        "--classifier", default=None, help="apply a classifier saved by `judge --train-classifier`"
    )
    parser.add_argument(
        "--out", default="reports/behaviors", help="output folder (default reports/behaviors)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Tag, optionally apply a learned classifier, write behaviors.csv and the tagged rows."""
    from pathlib import Path

    from traceanalysis.behaviors import BehaviorClassifier, behaviors_table, tag_behaviors

    df = tag_behaviors(load_runs_from_args(args))
    if args.classifier:
        df = BehaviorClassifier.load(args.classifier).predict(df)
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    table = behaviors_table(df)
    table.to_csv(folder / "behaviors.csv", index=False)
    keep = [c for c in ("run", "problem_id", "sample_idx") if c in df.columns]
    tagged = [c for c in df.columns if c.startswith(("behavior_", "learned_"))]
    rows = df[keep + tagged].copy()
    rows.attrs = {}  # RunInfo objects are not JSON; the manifest carries them
    rows.to_parquet(folder / "behavior_labels.parquet", index=False)
    if not args.quiet:
        print(table.round(3).to_string(index=False))
        print(f"wrote {folder}/behaviors.csv, behavior_labels.parquet")
    return 0
