"""``python -m traceanalysis view REPORT_DIR|RUNS``: browse every sample in a local web app."""

from __future__ import annotations

import argparse

from traceanalysis.errors import InputError

EXAMPLES = """examples:
  python -m traceanalysis view reports/demo
  python -m traceanalysis view reports/demo --port 0 --no-browser
  python -m traceanalysis view runs/ --out reports/runs-view   # analyses runs/ first

API (JSON): /api/runs, /api/facets, /api/problems, /api/problem?id=P,
  /api/samples?run=R&q=TEXT&correct=true|false|null&problem=P&offset=O&limit=N
"""


DESCRIPTION = """\
Browse every sample of a report in a local web app (127.0.0.1, nothing fetched from the
network): filters by run, role, correctness, grade status, difficulty bin, problem,
behaviour, lexicon hit and training step; full-text search; one problem across all runs
side by side with the gold and each verdict; behaviour and keyword highlighting; a JSON API.
Given a runs folder instead of a report folder, the report is written first."""


class _Help(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown (not the empty ones), description and examples kept as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False):
            return action.help
        return super()._get_help_string(action)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``view`` subcommand."""
    parser = subparsers.add_parser(
        "view",
        help="browse every sample of a report in a local web app",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=_Help,
    )
    parser.add_argument(
        "path", metavar="REPORT_DIR|RUNS", help="a report folder (with samples.parquet) or runs"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0: a free one)")
    parser.add_argument(
        "--no-browser", action="store_true", help="print the URL, do not open a browser"
    )
    parser.add_argument(
        "--out",
        default=None,
        help="report folder written when given RUNS (default: one per runs folder in the "
        "user cache folder)",
    )
    parser.add_argument("--quiet", action="store_true", help="only the URL line")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Resolve the report folder, load it and serve it until interrupted."""
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port: must be between 0 and 65535, got {args.port}")
    from traceanalysis.view import deps

    deps.check()  # a missing extra fails before any analysis
    from traceanalysis.view.serve import prepare, serve

    report = prepare(args.path, args.out, quiet=args.quiet)
    serve(report, args.host, args.port, open_browser=not args.no_browser)
    return 0
