"""``python -m traceanalysis report RUNS``: the comparative report folder, end to end."""

from __future__ import annotations

import argparse
from pathlib import Path

from traceanalysis.commands._common import add_runs_arguments
from traceanalysis.commands._plan_args import (
    add_engine_arguments,
    add_grading_arguments,
    add_lexical_arguments,
    check_out,
    report_options,
)
from traceanalysis.commands.judge import add_judge_options, judge_options
from traceanalysis.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="grade, analyse and write the comparative report (HTML, Markdown, figures, tables)",
        description="Load a runs folder, grade it, measure language and behaviours, audit "
        "whether length and keywords predict correctness, and write reports/NAME/ with "
        "index.html, report.md, figures/, tables/, samples.parquet and manifest.json.",
        epilog="examples:\n  python -m traceanalysis report runs/ --out reports/mine\n"
        "  python -m traceanalysis report runs/ --role qwen-base=base --k 1,16 --executor ray",
    )
    add_runs_arguments(parser)
    add_engine_arguments(parser)
    add_grading_arguments(parser)
    add_lexical_arguments(parser)
    parser.add_argument(
        "--out", default=None, help="report folder (default: reports/<runs folder name>)"
    )
    parser.add_argument(
        "--judge",
        default="none",
        help="LLM judge for behaviours: none, openai:MODEL, hf:PATH, or PREFIX:SPEC of a "
        "backend a plugin registers (docs/extending.md)",
    )
    add_judge_options(parser, prefixed=True)
    parser.add_argument(
        "--score-model", default=None, metavar="PATH",
        help="reference causal LM (a local folder): each response's NLL under it and the "
        "section 'Inside the reference distribution?' (docs/score.md)",
    )  # fmt: skip
    parser.add_argument(
        "--score-name", default=None, help="suffix of the score columns (default: the folder name)"
    )
    parser.add_argument(
        "--score-batch-size", type=int, default=16, help="sequences per forward pass (default 16)"
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        default=50,
        help="responses per run in the HTML sample browser",
    )
    parser.add_argument(
        "--title", default=None, help="report title (default: the output folder name)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the report; prints one summary line with the path of index.html."""
    if args.judge != "none":  # a prefix of the judge-backend registry (a plugin may add one)
        from traceanalysis.behaviors.judge_registry import parse_judge_spec
        from traceanalysis.engine.plugins import load_plugins

        load_plugins(list(args.plugin or []))
        parse_judge_spec(args.judge, allow_none=True)
    if args.max_examples < 0:
        raise InputError("--max-examples: must be 0 or more")
    check_out(args.out)
    from traceanalysis.pipeline import build_report

    judging = judge_options(args, args.judge_sample_seed)
    if args.judge != "none":  # bad judge options fail before loading
        from traceanalysis.behaviors import JudgeConfig

        JudgeConfig(judge=args.judge, **judging)  # type: ignore[arg-type]
    options = report_options(
        args, judge=args.judge, judge_options=judging, max_examples=args.max_examples,
        title=args.title,
    )  # fmt: skip
    index = build_report(args.runs, args.out, options)
    _warn_failed_labels(index.parent / "manifest.json")
    return 0


def _warn_failed_labels(manifest_path: Path) -> None:
    """One stderr line when judge labels failed (the report says so too)."""
    import json
    import sys

    judge = json.loads(manifest_path.read_text(encoding="utf-8")).get("judge", {})
    failed = int(judge.get("n_failed") or 0)
    if failed:
        print(f"warning: {failed} judge label(s) failed; rerun to retry them", file=sys.stderr)
