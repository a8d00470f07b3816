"""``score``: each response's negative log-likelihood under a reference model."""

from __future__ import annotations

import argparse

from traceanalysis.commands._common import (
    add_cache_argument,
    add_runs_arguments,
    parse_columns,
    parse_roles,
)

EPILOG = """example:
  python -m traceanalysis score reports/demo/runs --model traceanalysis/lab/models/base \\
      --name base --out reports/score

writes OUT/samples.parquet (the samples table with nll_NAME, nll_NAME_per_token and
n_tokens_NAME) and OUT/score.json. Scores are cached per row in the SQLite cache: a
killed run resumes where it stopped. See docs/score.md."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``score`` subcommand."""
    parser = subparsers.add_parser(
        "score",
        help="NLL of every response given its prompt under a reference model",
        description="Score every response under a reference causal LM: its total negative "
        "log-likelihood given its prompt (nats), per token, and its token count; cached per "
        "row in SQLite, resumable. Writes DIR/samples.parquet and DIR/score.json.",
        epilog=EPILOG,
    )
    add_runs_arguments(parser)
    add_cache_argument(parser)
    parser.add_argument(
        "--model", required=True, metavar="PATH",
        help="the reference causal LM: a local folder (or a hub id in the local cache)",
    )  # fmt: skip
    parser.add_argument(
        "--name", default=None,
        help="suffix of the new columns (nll_NAME, ...); default: the model folder's name",
    )  # fmt: skip
    parser.add_argument("--out", default="reports/score", help="output folder")
    parser.add_argument(
        "--batch-size", type=int, default=16, help="sequences per forward pass (default 16)"
    )
    parser.add_argument(
        "--backend", choices=("transformers", "vllm"), default="transformers",
        help="transformers (CPU or GPU) or vLLM's prompt log-probabilities (needs vllm)",
    )  # fmt: skip
    parser.add_argument(
        "--device", default=None, help="cpu, cuda or cuda:N (default: cuda when available)"
    )
    parser.add_argument(
        "--dtype", default="auto",
        help="auto (float32 on CPU, the model's own on GPU), float32, bfloat16 or float16",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Score the runs and print one line per run."""
    from traceanalysis.score.run import ScoreOptions, score_runs

    options = ScoreOptions(
        model=args.model, name=args.name, batch_size=args.batch_size, backend=args.backend,
        device=args.device, dtype=args.dtype, cache=args.cache, quiet=args.quiet,
        columns=parse_columns(args.columns), roles=parse_roles(args.role),
        source_metric=args.source_metric,
    )  # fmt: skip
    record = score_runs(args.runs, options, args.out)
    if not args.quiet:
        print(
            f"scored {record.get('rows', 0):,} responses under {record.get('model')} "
            f"(fingerprint {str(record.get('fingerprint'))[:12]}): "
            f"{record.get('computed', 0):,} computed, {record.get('cached', 0):,} from the "
            f"cache, {record.get('too_long', 0):,} too long, {record['seconds']:.1f} s"
        )
        for row in record.get("summary", []):
            print(
                f"  {row['run']}: {row['scored']:,}/{row['responses']:,} scored, "
                f"{row['mean_tokens']} tokens, {row['nll_per_token']} nats/token"
            )
        print(f"wrote {args.out}/samples.parquet and {args.out}/score.json")
    return 0
