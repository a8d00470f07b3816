"""``lexical``: lexicon counts, frequency tables and distinctive tokens for a runs folder."""

from __future__ import annotations

import argparse

from traceanalysis.commands._common import add_runs_arguments, load_runs_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``lexical`` subcommand."""
    parser = subparsers.add_parser(
        "lexical",
        help="lexicon counts per response, stratified lexical table, word/token frequency "
        "and distinctive-token tables",
    )
    add_runs_arguments(parser)
    parser.add_argument("--out", default="reports/lexical", help="output folder")
    parser.add_argument(
        "--tokenizer",
        default=None,
        help="reference tokenizer: a tiktoken name (default cl100k_base) or a path to a "
        "Hugging Face tokenizer",
    )
    parser.add_argument("--lexicons", default=None, help="folder of extra lexicon YAML files")
    parser.add_argument(
        "--part",
        choices=("all", "reasoning", "final"),
        default="all",
        help="count in the whole response, the <think> reasoning, or the final part",
    )
    parser.add_argument("--top", type=int, default=200, help="rows of each frequency table")
    parser.add_argument(
        "--min-count", type=int, default=10, help="minimum count for distinctive tokens"
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
    parser.add_argument("--threads", type=int, default=None, help="tokenizer threads")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="worker processes for the pass (many-core machines; default 1)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the runs, run the one lexical pass and write the tables into ``--out``."""
    from pathlib import Path

    from traceanalysis.lexical import load_lexicons
    from traceanalysis.lexical.report import write_lexical_outputs

    df = load_runs_from_args(args)
    lexicons = load_lexicons(args.lexicons)
    written = write_lexical_outputs(
        df,
        Path(args.out),
        lexicons=lexicons,
        tokenizer=args.tokenizer,
        part=args.part,
        top=args.top,
        min_count=args.min_count,
        compare=args.compare,
        lemmatize=args.lemmatize,
        sentences=args.sentences,
        threads=args.threads,
        processes=args.processes,
    )
    if not args.quiet:
        for path in written:
            print(path)
    return 0
