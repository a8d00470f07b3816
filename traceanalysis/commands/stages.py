"""``stages``: the plan — every registered stage with its version and dependencies."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``stages`` subcommand."""
    parser = subparsers.add_parser(
        "stages",
        help="list the plan: every stage, its version, what it reads and adds, its dependencies",
        description="The stages the report runs, in plan order, with the version that keys "
        "their cached output (declared label + hash of the code they import) and the "
        "stages each depends on. Plugins given with --plugin (and those of the entry-point "
        "group traceanalysis.stages) are listed too.",
        epilog="examples:\n  python -m traceanalysis stages\n"
        "  python -m traceanalysis stages --json --plugin my_stages",
    )
    parser.add_argument("--json", action="store_true", help="one JSON record per stage")
    parser.add_argument(
        "--plugin", action="append", default=None, metavar="MODULE",
        help="import MODULE's stages first; repeatable",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the plan (a table, or JSON lines with ``--json``)."""
    import json

    from traceanalysis.engine.plan import build_plan
    from traceanalysis.engine.plugins import load_plugins

    load_plugins(args.plugin or [])
    records = build_plan(None).describe()
    if args.json:
        for record in records:
            print(json.dumps(record))
        return 0
    for r in records:
        print(f"{r['stage']:<18} {r['kind']:<7} {r['version']:<28} <- {r['depends on']}")
        print(f"{'':<18} reads {r['reads']}; adds {r['adds']}; options {r['options']}")
    return 0
