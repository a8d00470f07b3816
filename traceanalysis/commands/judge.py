"""``judge RUNS --judge openai:MODEL|hf:PATH``: run or resume the LLM judge of behaviours."""

from __future__ import annotations

import argparse

from traceanalysis.commands._common import add_runs_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``judge`` subcommand."""
    parser = subparsers.add_parser(
        "judge",
        help="label cognitive behaviours with an LLM judge (cached, resumable)",
        description="Ask an LLM judge, per response and behaviour, whether the behaviour "
        "occurs and how often. Answers are cached in the SQLite cache as they arrive: a "
        "killed run resumes where it stopped and a rerun makes only the missing calls. The "
        "same plan as `report --judge`, through the same stage cache.",
        epilog="example:\n  python -m traceanalysis judge runs/ --judge openai:gpt-4o-mini "
        "--sample 200 --out reports/judge",
    )
    from traceanalysis.commands._plan_args import add_engine_arguments, add_grading_arguments

    add_runs_arguments(parser)
    add_engine_arguments(parser)
    add_grading_arguments(parser)  # the judge's sample is stratified by correctness
    parser.add_argument(
        "--judge",
        required=True,
        help="openai:MODEL, hf:PATH, or PREFIX:SPEC of a backend a plugin registers "
        "(docs/extending.md)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print calls and tokens needed; call nothing"
    )
    add_judge_options(parser, prefixed=False)
    parser.add_argument(
        "--train-classifier",
        action="store_true",
        help="train, save and apply the TF-IDF classifier",
    )
    parser.add_argument(
        "--out", default="reports/judge", help="output folder (default reports/judge)"
    )
    parser.set_defaults(func=run)


def add_judge_options(parser: argparse.ArgumentParser, *, prefixed: bool) -> None:
    """The judge's options, shared by ``judge`` and ``report``.

    ``report`` spells every one ``--judge-NAME`` (its ``--seed`` and ``--max-examples``
    mean other things); ``judge`` also accepts the short spelling ``--NAME``.
    """

    def names(name: str) -> list[str]:
        return [f"--judge-{name}"] if prefixed else [f"--judge-{name}", f"--{name}"]

    add = parser.add_argument
    add("--judge-base-url", default=None, help="OpenAI-compatible base URL (else OPENAI_BASE_URL)")
    add("--judge-concurrency", type=int, default=8, help="parallel calls (default 8)")
    add(
        "--judge-seed",
        type=int,
        default=0,
        help="the judge's sampling seed; part of the cache key (default 0)",
    )
    add(*names("max-calls"), dest="judge_max_calls", type=int, default=None,
        help="make at most this many new judge calls")  # fmt: skip
    add(*names("sample"), dest="judge_sample", type=int, default=None,
        help="judge a stratified sample of N responses")  # fmt: skip
    add(*names("behaviors"), dest="judge_behaviors", default=None,
        help="comma-separated subset of behaviours to judge")  # fmt: skip
    add(*names("prompt"), dest="judge_prompt", default="judge_v1",
        help="judge prompt version or YAML file (default judge_v1)")  # fmt: skip
    add(*names("max-tokens"), dest="judge_max_tokens", type=int, default=300,
        help="answer tokens per judge call (default 300)")  # fmt: skip
    add(*names("timeout"), dest="judge_timeout", type=float, default=120.0,
        help="seconds per judge request (default 120)")  # fmt: skip
    add(*names("max-attempts"), dest="judge_max_attempts", type=int, default=6,
        help="attempts per judge call (default 6)")  # fmt: skip
    add(*names("no-structured"), dest="judge_no_structured", action="store_true",
        help="do not send the answer's JSON schema (answers are still validated)")  # fmt: skip
    add(*names("batch-size"), dest="judge_batch_size", type=int, default=8,
        help="hf judge: generation batch size (default 8)")  # fmt: skip
    if prefixed:
        add("--judge-sample-seed", type=int, default=0, help="seed of --judge-sample (default 0)")


def judge_options(args: argparse.Namespace, sample_seed: int) -> dict[str, object]:
    """:class:`~traceanalysis.behaviors.JudgeConfig` fields from :func:`add_judge_options`'
    arguments (all but ``judge`` and ``cache_path``)."""
    return {
        "base_url": args.judge_base_url,
        "concurrency": args.judge_concurrency,
        "seed": args.judge_seed,
        "max_tokens": args.judge_max_tokens,
        "timeout": args.judge_timeout,
        "max_attempts": args.judge_max_attempts,
        "structured": not args.judge_no_structured,
        "prompt": args.judge_prompt,
        "behaviors": tuple(args.judge_behaviors.split(",")) if args.judge_behaviors else None,
        "sample": args.judge_sample,
        "sample_seed": sample_seed,
        "max_calls": args.judge_max_calls,
        "batch_size": args.judge_batch_size,
    }


def _options(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from traceanalysis.behaviors.judge_registry import parse_judge_spec
    from traceanalysis.commands._plan_args import report_options
    from traceanalysis.engine.plugins import load_plugins

    load_plugins(list(args.plugin or []))  # a plugin may register a judge backend
    parse_judge_spec(args.judge)
    return report_options(args, judge=args.judge, judge_options=judge_options(args, args.seed))


def run(args: argparse.Namespace) -> int:
    """Plan (``--dry-run``) or judge, then write labels, tables and the judge manifest."""
    import json
    import sys
    from pathlib import Path

    from traceanalysis.behaviors import agreement_table, behaviors_table, plan_judge
    from traceanalysis.behaviors.stages import judge_config
    from traceanalysis.commands._plan_args import check_out
    from traceanalysis.pipeline import run_options, run_plan

    check_out(args.out)
    options = _options(args)
    config = judge_config(run_options(args.runs, options))
    if args.dry_run:
        state, _ = run_plan(args.runs, options, targets=["grade"])
        df = state.rows(range(len(state.features)), [*state.features.columns, "response"])
        plan = plan_judge(df, config)
        print(f"judge            {plan.judge_id}")
        print(f"responses        {plan.n_selected} of {plan.n_responses}")
        print(f"labels           {plan.n_labels} ({plan.n_cached} cached)")
        print(
            f"calls to make    {plan.n_calls}"
            + (f" ({plan.n_capped} more over --max-calls)" if plan.n_capped else "")
        )
        print(f"prompt tokens    ~{plan.approx_prompt_tokens} (4 characters per token)")
        print(f"output tokens    <= {plan.max_output_tokens} ({config.max_tokens} per call)")
        return 0
    state, _ = run_plan(args.runs, options, targets=["judge", "behaviors_table"])
    out = state.features
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    meta = dict(state.values.get("judge") or out.attrs.get("judge") or {})
    if args.train_classifier and meta["label_status"].get("ok", 0) == 0:
        print("no judge labels to train the classifier on; skipped", file=sys.stderr)
    elif args.train_classifier:
        from traceanalysis.behaviors import train_classifier

        out = state.rows(range(len(out)), [*out.columns, "response"])
        clf = train_classifier(out, seed=args.seed)
        clf.save(folder / "classifier.joblib")
        scores = clf.scores()
        scores.to_csv(folder / "classifier_scores.csv", index=False)
        out = clf.predict(out)
        meta["classifier"] = {"file": str(folder / "classifier.joblib"), "cv_f1": clf.cv_f1}
        if not args.quiet:
            print(scores.to_string(index=False), end="\n\n")
    keep = [c for c in ("run", "problem_id", "sample_idx") if c in out.columns]
    labels = [c for c in out.columns if c.startswith(("judge_", "behavior_", "learned_"))]
    rows = out[keep + labels].copy()
    rows.attrs = {}  # RunInfo objects are not JSON; the manifest carries them
    rows.to_parquet(folder / "judge_labels.parquet", index=False)
    table = behaviors_table(out) if args.train_classifier else state.tables["behaviors"]
    agreement = agreement_table(out)
    table.to_csv(folder / "behaviors.csv", index=False)
    agreement.to_csv(folder / "agreement.csv", index=False)
    (folder / "judge.json").write_text(
        json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8"
    )
    if not args.quiet:
        print(
            f"judge {meta['judge_id']}: {meta['n_calls']} calls ({meta['n_requests']} requests), {meta['n_cached']} cached"
        )
        print("label status: " + ", ".join(f"{k} {v}" for k, v in meta["label_status"].items()))
        if not agreement.empty:
            print(agreement.round(3).to_string(index=False))
        print(f"wrote {folder}/judge_labels.parquet, behaviors.csv, agreement.csv, judge.json")
    failed = meta["n_failed"]
    if failed:
        print(
            f"error: {failed} label(s) failed ({meta['errors'][0]}); rerun to retry them",
            file=sys.stderr,
        )
        return 1
    return 0
