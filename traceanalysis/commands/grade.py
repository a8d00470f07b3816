"""``grade``: grade every response, cache the verdicts, print and write accuracy tables."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

from traceanalysis.commands._common import (
    add_cache_argument,
    add_runs_arguments,
    load_runs_from_args,
)

if TYPE_CHECKING:
    import pandas as pd


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``grade`` subcommand."""
    parser = subparsers.add_parser(
        "grade",
        help="grade responses (math-verify, text, multiple choice); print the accuracy table",
    )
    add_runs_arguments(parser)
    add_cache_argument(parser)
    add_grader_argument(parser)
    parser.add_argument("--reference", default=None, help="reference run for difficulty bins")
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: CPUs)"
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="CPU seconds per unique answer (default 5)"
    )
    parser.add_argument(
        "--strict-sets", action="store_true", help='"find all" answers must give the whole set'
    )
    parser.add_argument(
        "--out", default="reports/grade", help="folder for the CSV tables (default reports/grade)"
    )
    parser.add_argument(
        "--disagreements",
        action="store_true",
        help="list responses where our grade and the input's own label differ",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    add_k_argument(parser)
    parser.set_defaults(func=run)


def add_k_argument(parser: argparse.ArgumentParser) -> None:
    """``--k 1,2,4,8``: the k of pass@k in the accuracy and comparisons tables."""
    parser.add_argument(
        "--k",
        default=None,
        metavar="K,K,...",
        help="k of pass@k in the accuracy and comparisons tables, e.g. 1,4,16 (default: "
        "powers of two up to n, and the smallest and largest n); a k above a problem's n "
        "is computed over fewer problems and labelled so",
    )


def parse_k_argument(text: str | None) -> list[int] | None:
    """``--k`` as a list of k (None: the default ks); a bad value is an input error."""
    from traceanalysis.errors import InputError
    from traceanalysis.metrics import parse_ks

    try:
        return parse_ks(text)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def add_grader_argument(parser: argparse.ArgumentParser) -> None:
    """``--grader NAME`` / ``--grader RUN=NAME`` (repeatable), shared by ``grade`` and ``report``."""
    parser.add_argument(
        "--grader",
        action="append",
        default=None,
        metavar="[RUN=]NAME",
        help="grader for every run (math, text, choice, source, auto) or for one run "
        "(RUN=NAME, repeatable, e.g. --grader mcq=choice); default: chosen per run from "
        "its golds",
    )


def grader_spec(values: list[str] | None) -> str | None:
    """The ``--grader`` values as one spec string for ``grade(df, grader=...)``."""
    return ",".join(values) if values else None


def format_graders(graders: dict[str, dict[str, str]]) -> list[str]:
    """One line per run: which grader graded it and why."""
    return [f"{run}: {g['grader']} ({g['why']})" for run, g in graders.items()]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def format_accuracy(table: pd.DataFrame) -> str:
    """The accuracy table as text: one column per run, 'value [lo, hi]' per metric."""
    import pandas as pd

    metrics = [c for c in table.columns if re.fullmatch(r"(pass|maj)@\d+", c)]
    metrics.sort(key=lambda c: (c.startswith("maj"), int(c.split("@")[1])))
    shown: dict[str, list[str]] = {}
    for _, row in table.iterrows():
        col = []
        for key in ("role", "n_problems", "n_samples", "n_unverified"):
            col.append(str(row.get(key, "")))
        for m in metrics:
            v, used = row.get(m), row.get(f"{m}_n_problems")
            text = "" if pd.isna(v) else f"{v:.3f} [{row[m + '_lo']:.3f}, {row[m + '_hi']:.3f}]"
            if text and used is not None and not pd.isna(used) and used != row["n_problems"]:
                text += f" (over {int(used)} of {row['n_problems']} problems)"
            col.append(text)
        statuses = [c for c in table.columns if c.startswith("status_")]
        col += [f"{row[s]:.3f}" for s in statuses]
        shown[str(row["run"])] = col
    index = (
        ["role", "problems", "samples", "unverified"]
        + metrics
        + [c for c in table.columns if c.startswith("status_")]
    )
    return pd.DataFrame(shown, index=index).to_string()


def run(args: argparse.Namespace) -> int:
    """Load, grade, and write accuracy/passk/comparisons/support/crossing/difficulty/
    transition tables into ``--out``."""
    import sys
    from pathlib import Path

    from traceanalysis.grading import agreement_summary, disagreements, grade
    from traceanalysis.grading.selection import check_spec
    from traceanalysis.metrics import (
        accuracy_table,
        choose_reference,
        difficulty_table,
        entropy_table,
        passk_table,
        ragged_sentences,
        transition_table,
    )
    from traceanalysis.schema import RunInfo

    say = (lambda *a: None) if args.quiet else print
    check_spec(grader_spec(args.grader))  # a misspelt grader fails before loading
    ks = parse_k_argument(args.k)
    df = load_runs_from_args(args)
    runs = df.attrs.get("runs", {})
    if not runs:  # a loader that left no run records: every run counts, roles from the table
        runs = {str(n): RunInfo(name=str(n)) for n in sorted(df["run"].unique())}
    names = list(runs)
    reference = choose_reference(runs, args.reference)  # fails fast on a bad --reference
    for rejection in df.attrs.get("rejections", []):
        say(f"rejected {rejection}")
    graded = grade(
        df,
        grader=grader_spec(args.grader),
        workers=args.workers,
        timeout=args.timeout,
        strict_sets=args.strict_sets,
        cache_path=args.cache,
        progress=not args.quiet,
    )
    info = graded.attrs["grading"]
    say(
        f"graded {info['n_responses']} responses: {info['n_unique']} unique answers, "
        f"{info['n_cached']} from cache, {info['n_verified']} verified now"
    )
    for line in format_graders(info.get("graders", {})):
        say(f"grader {line}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    accuracy = accuracy_table(graded, ks=ks, seed=args.seed)
    accuracy.to_csv(out / "accuracy.csv", index=False)
    passk_table(graded, seed=args.seed).to_csv(out / "passk.csv", index=False)
    print(format_accuracy(accuracy))
    for line in ragged_sentences(graded):
        print(f"warning: {line}", file=sys.stderr)
    for line in write_comparisons(graded, runs, reference, out, ks=ks, seed=args.seed):
        print(line)
    if graded.loc[graded["run"] == reference, "correct"].notna().any():
        difficulty_table(graded, reference).to_csv(out / "difficulty.csv", index=False)
        entropy_table(graded, reference).to_csv(out / "entropy.csv", index=False)
        for name in names:
            if name != reference and graded.loc[graded["run"] == name, "correct"].notna().any():
                transition_table(graded, reference, name).to_csv(
                    out / f"transitions_{_safe(name)}.csv", index=False
                )
        say(f"reference run: {reference}")
    else:
        say(f"reference run {reference} has no graded response: no difficulty tables")
    agreement = agreement_summary(graded)
    if len(agreement):
        agreement.to_csv(out / "agreement.csv", index=False)
        say("agreement with the input's own correctness labels:")
        say(agreement.to_string(index=False))
    if args.disagreements:
        listed = disagreements(graded)
        listed.to_csv(out / "disagreements.csv", index=False)
        print(f"{len(listed)} disagreeing responses")
        if len(listed):
            print(listed.to_string(index=False, max_colwidth=40))
    say(f"tables written to {out}")
    return 0


def write_comparisons(
    graded: pd.DataFrame, runs: dict, reference: str, out: object, *, ks: list[int] | None,
    seed: int,
) -> list[str]:  # fmt: skip
    """Write comparisons.csv, support.csv and crossing.csv for the report's pairs (run vs
    reference); returns the lines to print: each pair's paired deltas and crossing."""
    from pathlib import Path

    from traceanalysis.metrics import comparisons_table, crossing_table, support_table
    from traceanalysis.report.findings import comparison_pairs
    from traceanalysis.report.findings_accuracy import crossing_sentence, pair_sentence

    pairs = comparison_pairs(list(runs.values()), reference)
    if not pairs:
        return []
    folder = Path(str(out))
    comparisons = comparisons_table(graded, pairs, ks=ks, seed=seed)
    crossing = crossing_table(graded, pairs, seed=seed)
    comparisons.to_csv(folder / "comparisons.csv", index=False)
    support_table(graded, pairs).to_csv(folder / "support.csv", index=False)
    crossing.to_csv(folder / "crossing.csv", index=False)
    lines = []
    for a, b in pairs:
        rows = comparisons.loc[(comparisons["run"] == a) & (comparisons["reference"] == b)]
        if rows.empty:
            lines.append(f"{a} vs {b}: not compared (no problem graded in both runs)")
            continue
        lines.append(pair_sentence(a, b, rows))
        hit = crossing.loc[(crossing["run"] == a) & (crossing["reference"] == b)]
        lines.extend(crossing_sentence(r) for _, r in hit.iterrows())
    return lines
