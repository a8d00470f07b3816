"""``python -m traceanalysis report RUNS``: the comparative report folder, end to end."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from traceanalysis.commands._common import (
    add_cache_argument,
    add_runs_arguments,
    parse_columns,
    parse_roles,
)
from traceanalysis.commands.grade import (
    add_grader_argument,
    add_k_argument,
    grader_spec,
    parse_k_argument,
)
from traceanalysis.commands.judge import add_judge_options, judge_options
from traceanalysis.errors import InputError

_JUDGE = re.compile(r"^(none|openai:.+|hf:.+)$")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="grade, analyse and write the comparative report (HTML, Markdown, figures, tables)",
        description="Load a runs folder, grade it, measure language and behaviours, audit "
        "whether length and keywords predict correctness, and write reports/NAME/ with "
        "index.html, report.md, figures/, tables/, samples.parquet and manifest.json.",
    )
    add_runs_arguments(parser)
    parser.add_argument(
        "--out", default=None, help="report folder (default: reports/<runs folder name>)"
    )
    parser.add_argument(
        "--reference", default=None, help="run whose success rates define difficulty"
    )
    parser.add_argument(
        "--judge",
        default="none",
        help="LLM judge for behaviours: none (default), openai:MODEL or hf:PATH",
    )
    add_judge_options(parser, prefixed=True)
    parser.add_argument(
        "--lexicons", default=None, help="folder of lexicon YAML files (default: shipped)"
    )
    parser.add_argument(
        "--tokenizer", default=None, help="reference tokenizer (default: tiktoken cl100k_base)"
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        default=50,
        help="responses per run in the HTML sample browser (default 50)",
    )
    parser.add_argument(
        "--title", default=None, help="report title (default: the output folder name)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="grading processes (default: CPU count)"
    )
    parser.add_argument(
        "--grade-timeout", type=float, default=5.0, help="seconds per math-verify check (default 5)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for bootstrap CIs and example choice"
    )
    parser.add_argument("--no-stage-cache", action="store_true", help="recompute every stage")
    add_cache_argument(parser)
    add_grader_argument(parser)
    add_k_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the report; prints one summary line with the path of index.html."""
    if not _JUDGE.match(args.judge):
        raise InputError(f"--judge: expected none, openai:MODEL or hf:PATH, got {args.judge!r}")
    if args.max_examples < 0:
        raise InputError("--max-examples: must be 0 or more")
    from traceanalysis.grading.selection import check_spec

    check_spec(grader_spec(args.grader))  # a misspelt grader fails before loading
    ks = parse_k_argument(args.k)
    from traceanalysis.pipeline import ReportOptions, build_report

    judging = judge_options(args, args.judge_sample_seed)
    if args.judge != "none":  # bad judge options fail before loading
        from traceanalysis.behaviors import JudgeConfig

        JudgeConfig(judge=args.judge, **judging)  # type: ignore[arg-type]
    options = ReportOptions(
        reference=args.reference,
        judge=args.judge,
        judge_options=judging,
        lexicons=args.lexicons,
        tokenizer=args.tokenizer,
        max_examples=args.max_examples,
        cache=args.cache,
        columns=parse_columns(args.columns),
        roles=parse_roles(args.role),
        source_metric=args.source_metric,
        title=args.title,
        quiet=args.quiet,
        workers=args.workers,
        grade_timeout=args.grade_timeout,
        grader=grader_spec(args.grader),
        seed=args.seed,
        ks=ks,
        stage_cache=not args.no_stage_cache,
    )
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
