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
from typing import NoReturn

from traceanalysis import __version__
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


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks and shows each option's default (when it has one
    and its help does not already say it)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        shown = default not in (None, False, argparse.SUPPRESS) and not isinstance(default, list)
        if shown and "default" not in text and action.option_strings:
            text += " (default: %(default)s)"
        return text


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``error: ...``) with exit code 2, and
    whose subcommands show their defaults."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:  # noqa: D102 - argparse's hook
        self.exit(2, f"error: {self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand."""
    parser = Parser(
        prog="python -m traceanalysis",
        description="Accuracy vs capability, trace language and cognitive behaviours "
        "of reasoning language models.",
        epilog="example:\n  python -m traceanalysis report runs/ --out reports/mine",
    )
    parser.add_argument("--version", action="version", version=f"traceanalysis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"traceanalysis.commands.{name}").register(sub)
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
