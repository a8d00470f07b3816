"""``lab train``: retrain the bundled lab models with the documented recipe."""

from __future__ import annotations

import argparse

LAB_STAGES = ("base", "rlvr", "distill-patterns", "distill-knowledge")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``lab`` subcommand."""
    parser = subparsers.add_parser("lab", help="train the bundled lab models")
    sub = parser.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    train = sub.add_parser("train", help="train all stages or selected ones")
    train.add_argument("--all", action="store_true", help="every stage, in order")
    train.add_argument(
        "--stage", action="append", choices=LAB_STAGES, help="one stage (repeatable)"
    )
    train.add_argument("--out", required=True, help="folder receiving one subfolder per model")
    train.add_argument(
        "--tiny", action="store_true", help="a tiny config for smoke tests (seconds)"
    )
    train.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    train.add_argument("--seed", type=int, default=0)
    train.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Train the requested stages in order."""
    from dataclasses import replace
    from pathlib import Path

    import torch

    from traceanalysis.errors import InputError
    from traceanalysis.lab.build import STAGES, train_stage
    from traceanalysis.lab.recipe import FULL, TINY

    torch.set_num_threads(args.threads)
    stages = list(STAGES) if args.all else [s for s in STAGES if s in (args.stage or [])]
    if not stages:
        raise InputError("lab train: give --all or at least one --stage")
    recipe = replace(TINY if args.tiny else FULL, seed=args.seed)
    for stage in stages:
        train_stage(stage, recipe, Path(args.out))
    return 0
