"""Command line: parses arguments and calls the pipeline, nothing more.

Each subcommand lives in ``traceanalysis/commands/<name>.py`` with ``register(subparsers)``
that adds its parser and sets ``func``. Heavy imports happen inside the command's run
function, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from traceanalysis.errors import TraceAnalysisError

COMMANDS = (
    "inspect",
    "grade",
    "lexicons",
    "lexical",
    "behaviors",
    "judge",
    "report",
    "score",
    "view",
    "stages",
    "cache",
    "generate",
    "lab",
    "demo",
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m traceanalysis",
        description="Accuracy vs capability, trace language and cognitive behaviours "
        "of reasoning language models.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"traceanalysis.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"traceanalysis.commands.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; returns the process exit code (2 for unusable input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        result = args.func(args)
    except TraceAnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return int(result or 0)
