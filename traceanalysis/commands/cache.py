"""``cache info|prune``: what the caches hold, and removing what was not used."""

from __future__ import annotations

import argparse

from traceanalysis.commands._common import add_cache_argument


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``cache`` subcommand."""
    parser = subparsers.add_parser(
        "cache",
        help="show or prune the caches (stage outputs, verdicts, labels, scores)",
        description="info: the SQLite cache file's tables and the stage cache's entries per "
        "stage. prune: remove stage-cache entries not used (read or written) for DAYS "
        "(every entry without --older-than); --sqlite also removes the SQLite file.",
        epilog="examples:\n  python -m traceanalysis cache info\n"
        "  python -m traceanalysis cache prune --older-than 30",
    )
    parser.add_argument("action", choices=("info", "prune"), help="what to do")
    add_cache_argument(parser)
    parser.add_argument(
        "--older-than", type=float, default=None, metavar="DAYS",
        help="prune: only entries unused for DAYS days",
    )  # fmt: skip
    parser.add_argument(
        "--sqlite", action="store_true",
        help="prune: also delete the SQLite file (verdicts, judge labels, scores: recomputed)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the caches' contents, or prune them."""
    from collections import defaultdict

    from traceanalysis.cache import default_cache_path
    from traceanalysis.engine.cache import stage_cache_dir
    from traceanalysis.engine.cache_admin import prune, sqlite_tables, stage_entries
    from traceanalysis.errors import InputError

    if args.older_than is not None and args.older_than < 0:
        raise InputError("--older-than: must be 0 or more days")
    if args.action == "prune":
        removed, freed = prune(args.cache, older_than=args.older_than, sqlite=args.sqlite)
        print(f"removed {removed} stage-cache entries ({freed / 2**20:.1f} MiB freed)")
        return 0
    path = args.cache or default_cache_path()
    print(f"SQLite cache {path}")
    for table, rows in sqlite_tables(args.cache).items():
        print(f"  {table:<24} {rows:>10,} rows")
    entries = stage_entries(args.cache)
    print(f"stage cache {stage_cache_dir(args.cache)}: {len(entries)} entries")
    by_stage: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, float("inf")])
    for e in entries:
        row = by_stage[e.stage]
        row[0] += 1
        row[1] += e.size
        row[2] = min(row[2], e.age_days)
    for stage, (n, size, age) in sorted(by_stage.items()):
        print(
            f"  {stage:<24} {int(n):>4} entries {size / 2**20:>9.1f} MiB  last used {age:.1f} days ago"
        )
    return 0
