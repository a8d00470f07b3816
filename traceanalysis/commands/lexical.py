"""``lexical``: lexicon counts, frequency tables and distinctive tokens for a runs folder."""

from __future__ import annotations

import argparse

from traceanalysis.commands._common import add_runs_arguments
from traceanalysis.commands._plan_args import (
    add_engine_arguments,
    add_lexical_arguments,
    positive_int,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``lexical`` subcommand."""
    parser = subparsers.add_parser(
        "lexical",
        help="lexicon counts per response, stratified lexical table, word/token frequency "
        "and distinctive-token tables",
        description="Count reference tokens, words and lexicon matches in every response and "
        "write the lexical table, word and token frequencies and distinctive-token tables. "
        "The same plan as `report`, through the same stage cache.",
        epilog="example:\n  python -m traceanalysis lexical runs/ --out reports/lexical "
        "--compare roles",
    )
    add_runs_arguments(parser)
    add_engine_arguments(parser)
    add_lexical_arguments(parser)
    parser.add_argument("--out", default="reports/lexical", help="output folder")
    parser.add_argument(
        "--top", type=positive_int, default=200, help="rows of each frequency table"
    )
    parser.add_argument(
        "--min-count", type=positive_int, default=10, help="minimum count for distinctive tokens"
    )
    parser.add_argument(
        "--compare",
        default="runs",
        help="distinctive-token pairs: 'runs' (every pair of runs), 'roles' (every pair of "
        "roles), or A:B[,C:D] (run or role names)",
    )
    parser.add_argument(
        "--lemmatize", action="store_true", help="also write lemmatised word frequency tables"
    )
    parser.add_argument(
        "--sentences", action="store_true", help="also count sentences with spaCy (slower)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the plan's lexical stage (graded, for the tables by correctness) and write the
    tables into ``--out``."""
    from pathlib import Path

    from traceanalysis.commands._plan_args import check_out, report_options
    from traceanalysis.lexical.report import _with_correctness, write_lexical_tables
    from traceanalysis.lexical.stage import LexicalResult, resolve_matcher, resolve_tokenizer
    from traceanalysis.pipeline import run_plan

    check_out(args.out)
    options = report_options(args, token_freq=True)
    state, _ = run_plan(args.runs, options, targets=["lexical", "grade"])
    samples = state.features
    if args.sentences:
        samples = state.rows(range(len(samples)), [*samples.columns, "response"])
    samples, correctness = _with_correctness(samples)
    counts = state.values["lexical"]
    result = LexicalResult(
        samples=samples, groups=list(counts["words"]), word_counts=counts["words"],
        token_counts=counts["tokens"], tokenizer=resolve_tokenizer(args.tokenizer),
        matcher=resolve_matcher(args.lexicons),
    )  # fmt: skip
    written = write_lexical_tables(
        result, Path(args.out), part=args.part, top=args.top, min_count=args.min_count,
        compare=args.compare, lemmatize=args.lemmatize, sentences=args.sentences,
        correctness=correctness, n_rejected=len(samples.attrs.get("rejections") or []),
        inputs=samples.attrs.get("inputs") or [],
    )  # fmt: skip
    if not args.quiet:
        for path in written:
            print(path)
    return 0
