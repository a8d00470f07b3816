"""``grade``: grade every response, cache the verdicts, print and write accuracy tables."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

from traceanalysis.commands._common import (
    add_runs_arguments,
)

if TYPE_CHECKING:
    import pandas as pd


GRADE_TABLES = (
    "accuracy", "passk", "comparisons", "support", "crossing", "difficulty_table", "entropy",
    "transitions", "agreement_tables",
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``grade`` subcommand."""
    from traceanalysis.commands._plan_args import add_engine_arguments, add_grading_arguments

    parser = subparsers.add_parser(
        "grade",
        help="grade responses (math-verify, text, multiple choice); print the accuracy table",
        description="Grade every response (each run by the grader its golds call for), cache "
        "the verdicts and write the accuracy tables: accuracy, passk, comparisons, support, "
        "crossing, difficulty, entropy, transitions_<run> and agreement (CSV). The same plan "
        "as `report`, through the same stage cache.",
        epilog="example:\n  python -m traceanalysis grade runs/ --out reports/grade --k 1,8",
    )
    add_runs_arguments(parser)
    add_engine_arguments(parser)
    add_grading_arguments(parser)
    parser.add_argument("--out", default="reports/grade", help="folder for the CSV tables")
    parser.add_argument(
        "--disagreements",
        action="store_true",
        help="list responses where our grade and the input's own label differ",
    )
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
    """Grade through the plan and write the accuracy tables into ``--out``."""
    import sys
    from pathlib import Path

    from traceanalysis.commands._plan_args import check_out, report_options
    from traceanalysis.grading.stages import DISAGREEMENTS_TABLE
    from traceanalysis.metrics import ragged_sentences
    from traceanalysis.pipeline import run_plan
    from traceanalysis.report.tables import write_csv
    from traceanalysis.safenames import safe_stem

    say = (lambda *a: None) if args.quiet else print
    check_out(args.out)
    options = report_options(args)
    state, _ = run_plan(args.runs, options, targets=list(GRADE_TABLES))
    graded = state.features
    for rejection in graded.attrs.get("rejections", []):
        say(f"rejected {rejection}")
    info = graded.attrs.get("grading") or {}
    say(
        f"graded {info.get('n_responses', len(graded))} responses: {info.get('n_unique', 0)} "
        f"unique answers, {info.get('n_cached', 0)} from cache, {info.get('n_verified', 0)} "
        "verified now"
    )
    for line in format_graders(info.get("graders", {})):
        say(f"grader {line}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tables = dict(state.tables)
    listed = tables.pop(DISAGREEMENTS_TABLE, None)
    for name, table in tables.items():
        write_csv(table, out / f"{safe_stem(name)}.csv")
    if "accuracy" in tables:
        print(format_accuracy(tables["accuracy"]))
    for line in ragged_sentences(graded):
        print(f"warning: {line}", file=sys.stderr)
    for line in comparison_lines(tables):
        print(line)
    reference = state.values.get("reference")
    if "difficulty" in tables:
        say(f"reference run: {reference}")
    else:
        say(f"reference run {reference} has no graded response: no difficulty tables")
    if "agreement" in tables:
        say("agreement with the input's own correctness labels:")
        say(tables["agreement"].to_string(index=False))
    if args.disagreements:
        listed = listed if listed is not None else graded.iloc[0:0][["run"]]
        listed.to_csv(out / "disagreements.csv", index=False)
        print(f"{len(listed)} disagreeing responses")
        if len(listed):
            print(listed.to_string(index=False, max_colwidth=40))
    say(f"tables written to {out}")
    return 0


def comparison_lines(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Each compared pair's paired deltas and crossing, as sentences."""
    from traceanalysis.report.findings_accuracy import crossing_sentence, pair_sentence

    comparisons, crossing = tables.get("comparisons"), tables.get("crossing")
    if comparisons is None or comparisons.empty:
        return []
    lines = []
    pairs = comparisons[["run", "reference"]].drop_duplicates().itertuples(index=False)
    for a, b in pairs:
        rows = comparisons.loc[(comparisons["run"] == a) & (comparisons["reference"] == b)]
        lines.append(pair_sentence(a, b, rows))
        if crossing is not None:
            hit = crossing.loc[(crossing["run"] == a) & (crossing["reference"] == b)]
            lines.extend(crossing_sentence(r) for _, r in hit.iterrows())
    return lines
