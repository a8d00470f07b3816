"""``generate``: sample n responses per problem from a causal LM into a runs folder."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from traceanalysis.commands._common import parse_columns


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``generate`` subcommand."""
    p = subparsers.add_parser(
        "generate",
        help="sample a run from a causal LM (transformers or vLLM)",
        description="Sample --n responses per benchmark problem from MODEL and write "
        "OUT/samples.jsonl + OUT/run.json. Rerunning the same command resumes.",
    )
    p.add_argument("--model", required=True, help="Hugging Face model id or local model folder")
    p.add_argument(
        "--benchmark",
        required=True,
        help="built-in name (MATH-500, GSM8K, AIME-2024, AIME-2025, AMC-2023, GPQA-Diamond) "
        "or a local .jsonl/.json/.parquet/.csv file or save_to_disk folder",
    )
    p.add_argument("--n", type=int, required=True, help="samples per problem")
    p.add_argument("--out", required=True, help="run folder, e.g. runs/qwen-base")
    p.add_argument(
        "--role",
        choices=("base", "rl", "distilled", "other"),
        default=None,
        help="model role (default: guessed from the run name)",
    )
    p.add_argument(
        "--template",
        default="raw",
        help="prompt template: raw, qwen-boxed, r1-zero, chat, or a template .yaml file",
    )
    p.add_argument("--temperature", type=float, default=0.9, help="0 = greedy (default 0.9)")
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--top-k", type=int, default=50, help="0 disables top-k (default 50)")
    p.add_argument("--max-new-tokens", type=int, default=1024)
    p.add_argument("--repetition-penalty", type=float, default=1.0)
    p.add_argument("--stop", action="append", default=[], help="extra stop string (repeatable)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", choices=("transformers", "vllm"), default="transformers")
    p.add_argument("--limit", type=int, default=None, help="only the first N problems")
    p.add_argument("--batch-size", type=int, default=8, help="sequences per forward batch")
    p.add_argument(
        "--columns",
        default=None,
        help="column mapping for a local benchmark, e.g. problem_id=idx,prompt=question,gold=answer",
    )
    p.add_argument(
        "--split", default=None, help="dataset split (default: the benchmark's test split)"
    )
    p.add_argument("--ban-lexicon", default=None, help="ban a lexicon's words at decode time")
    p.add_argument("--ban-words", default=None, help="comma-separated words to ban at decode time")
    p.add_argument(
        "--dtype", default="auto", help="auto (float32 on CPU), float32, bfloat16, float16"
    )
    p.add_argument(
        "--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda if available)"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="CPU threads for torch (default: 1 for models under 50M parameters)",
    )
    p.add_argument("--overwrite", action="store_true", help="discard an existing run in OUT")
    p.add_argument("--quiet", action="store_true", help="no progress bars or chatter")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the GenerationSpec from the arguments and run it."""
    from traceanalysis.generate import GenerationSpec, generate_run

    spec = GenerationSpec(
        model=args.model,
        benchmark=args.benchmark,
        n=args.n,
        out=args.out,
        role=args.role,
        template=args.template,
        temperature=args.temperature,
        top_p=args.top_p,
        top_k=args.top_k,
        max_new_tokens=args.max_new_tokens,
        repetition_penalty=args.repetition_penalty,
        stop=tuple(args.stop),
        seed=args.seed,
        backend=args.backend,
        limit=args.limit,
        batch_size=args.batch_size,
        ban_lexicon=args.ban_lexicon,
        ban_words=tuple(w.strip() for w in (args.ban_words or "").split(",") if w.strip()),
        overwrite=args.overwrite,
        columns=parse_columns(args.columns),
        split=args.split,
        dtype=args.dtype,
        device=args.device,
        threads=args.threads,
    )
    if Path(sys.argv[0]).name in ("__main__.py", "traceanalysis"):
        spec.extra["command"] = "python -m traceanalysis " + shlex.join(sys.argv[1:])
    out = generate_run(spec, progress=not args.quiet)
    if not args.quiet:
        print(f"wrote {out / 'samples.jsonl'} and {out / 'run.json'}")
    return 0
