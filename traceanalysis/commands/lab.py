"""``lab``: retrain the bundled lab models (``train``) and run the lab's experiments
(``self-distill``, arXiv 2505.14216 section 4)."""

from __future__ import annotations

import argparse

LAB_STAGES = ("base", "rlvr", "distill-patterns", "distill-knowledge")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``lab`` subcommand."""
    parser = subparsers.add_parser(
        "lab",
        help="train the bundled lab models, run lab experiments",
        description="The bundled lab: train the tiny base, RLVR and distilled models with the "
        "package's own recipe (train), or reproduce 2505.14216's self-distillation experiment "
        "on them (self-distill).",
        epilog="examples:\n  python -m traceanalysis lab train --all --out /tmp/lab\n"
        "  python -m traceanalysis lab self-distill --out reports/self-distill",
    )
    sub = parser.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    train = sub.add_parser("train", help="train all stages or selected ones")
    train.add_argument("--all", action="store_true", help="every stage, in order")
    train.add_argument(
        "--stage", action="append", choices=LAB_STAGES, help="one stage (repeatable)"
    )
    train.add_argument("--out", required=True, help="folder receiving one subfolder per model")
    train.add_argument(
        "--tiny", action="store_true", help="a tiny config for smoke tests (seconds)"
    )
    train.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    train.add_argument("--seed", type=int, default=0)
    train.set_defaults(func=run)
    _register_self_distill(sub)


def _register_self_distill(sub: argparse._SubParsersAction) -> None:
    sd = sub.add_parser(
        "self-distill",
        help="SFT base on rlvr's vs on its own correct responses, evaluate both (2505.14216 s4)",
    )
    sd.add_argument("--out", required=True, help="output folder (table, report, runs, students)")
    sd.add_argument("--pool", type=int, default=1024, help="training problems sampled per teacher")
    sd.add_argument(
        "--examples", type=int, default=384, help="correct responses per student (same for both)"
    )
    sd.add_argument("--steps", type=int, default=150, help="SFT steps per student")
    sd.add_argument("--batch", type=int, default=24, help="SFT batch size")
    sd.add_argument("--lr", type=float, default=5e-4, help="SFT peak learning rate")
    sd.add_argument(
        "--problems-per-level", type=int, default=10, help="held-out problems per level (demo's)"
    )
    sd.add_argument("--n", type=int, default=8, help="evaluation samples per problem")
    sd.add_argument("--seed", type=int, default=0)
    sd.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    sd.add_argument("--models-dir", default=None, help="lab models folder (default: bundled)")
    sd.add_argument("--quiet", action="store_true")
    sd.set_defaults(func=run_self_distill)


def run(args: argparse.Namespace) -> int:
    """Train the requested stages in order."""
    from dataclasses import replace
    from pathlib import Path

    import torch

    from traceanalysis.errors import InputError
    from traceanalysis.lab.build import STAGES, train_stage
    from traceanalysis.lab.recipe import FULL, TINY

    torch.set_num_threads(args.threads)
    stages = list(STAGES) if args.all else [s for s in STAGES if s in (args.stage or [])]
    if not stages:
        raise InputError("lab train: give --all or at least one --stage")
    recipe = replace(TINY if args.tiny else FULL, seed=args.seed)
    for stage in stages:
        train_stage(stage, recipe, Path(args.out))
    return 0


def run_self_distill(args: argparse.Namespace) -> int:
    """Run the self-distillation experiment and print where its report is."""
    import os
    from pathlib import Path

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import torch

    from traceanalysis.lab.demo import MODELS_DIR, DemoOptions
    from traceanalysis.lab.self_distill import SelfDistillOptions, run_self_distill

    torch.set_num_threads(args.threads)
    models = Path(args.models_dir) if args.models_dir else MODELS_DIR
    evaluation = DemoOptions(
        per_level=args.problems_per_level,
        n=args.n,
        seed=args.seed,
        threads=args.threads,
        models_dir=models,
        quiet=args.quiet,
    )
    options = SelfDistillOptions(
        pool=args.pool,
        examples=args.examples,
        steps=args.steps,
        batch=args.batch,
        lr=args.lr,
        seed=args.seed,
        evaluation=evaluation,
        models_dir=models,
        quiet=args.quiet,
    )
    summary = run_self_distill(Path(args.out), options)
    print(f"self-distill: {summary['verdict']}")
    print(f"self-distill report: {Path(args.out) / 'self_distill.md'}")
    return 0
