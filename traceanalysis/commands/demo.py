"""``demo``: the bundled lab models -> runs -> report, offline, in a few minutes."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="sample the bundled lab models and build the report (offline)",
        description="Sample every bundled lab model (and the RLVR checkpoints) on held-out lab "
        "problems through the normal generate path, then build the normal report.",
        epilog="example:\n  python -m traceanalysis demo --out reports/demo",
    )
    parser.add_argument("--out", default="reports/demo", help="output folder")
    parser.add_argument(
        "--problems-per-level",
        type=int,
        default=10,
        help="held-out problems per task level (5 levels)",
    )
    parser.add_argument("--n", type=int, default=8, help="samples per problem")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads for sampling (default 1: fastest for these tiny models)",
    )
    parser.add_argument("--quiet", action="store_true")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo and print where the report is."""
    import os
    from pathlib import Path

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import torch

    from traceanalysis.lab.demo import DemoOptions, run_demo

    torch.set_num_threads(args.threads)
    options = DemoOptions(
        per_level=args.problems_per_level,
        n=args.n,
        seed=args.seed,
        threads=args.threads,
        quiet=args.quiet,
    )
    index = run_demo(Path(args.out), options)
    print(f"demo report: {index}")
    return 0
