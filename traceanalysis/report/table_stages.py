"""The aggregate-table stages of the report pipeline: accuracy (with the paired
comparisons, support and crossing tables), language and behaviours.

Each table group is cached under the keys of the per-response stages it reads. A table
function that is not available is skipped with a note in the report instead of a crash.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from traceanalysis.report.data_quality import AGREEMENT_TABLE, DISAGREEMENTS_TABLE
from traceanalysis.report.feature_stages import SKIPPED, optional, version_of
from traceanalysis.report.findings import comparison_pairs
from traceanalysis.schema import RunInfo

TABLES_VERSION = "6"  # 2: agreement and disagreements tables; 3: comparisons, support, crossing; 4: bin CIs, pooled/mean rates; 5: --seed and --n-boot reach the difficulty CIs; 6: no maj@k for source-graded samples


# Long per-response text: the aggregate tables never read it, and every row selection of
# a frame that carries it copies it (pyarrow take), so table stages get frames without it.
TEXT_COLUMNS = ("response", "prompt", "reasoning")


def without_text(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` without the response/prompt/reasoning text and the ``*_spans`` JSON columns."""
    drop = [c for c in df.columns if c in TEXT_COLUMNS or str(c).endswith("_spans")]
    slim = df.drop(columns=drop)
    slim.attrs = df.attrs
    return slim


def _note(notes: dict[str, list[str]], section: str, text: str) -> None:
    notes.setdefault(section, []).append(text)


def accuracy_tables(
    runner: Any, df: pd.DataFrame, runs: list[RunInfo], reference: str | None,
    deps: list[str], notes: dict[str, list[str]], stats: dict[str, Any] | None = None,
) -> dict[str, pd.DataFrame]:  # fmt: skip
    """accuracy, passk, difficulty, transitions_<run>, entropy; comparisons, support and
    crossing for the compared pairs; agreement and disagreements (our grade vs the
    input's own scores) where the input carries scores. ``stats``: ks, n_boot, n_perm,
    seed of the statistics (ReportOptions)."""
    metrics = {n: optional("traceanalysis.metrics", n) for n in
               ("accuracy_table", "passk_table", "difficulty_table", "transition_table", "entropy_table",
                "comparisons_table", "support_table", "crossing_table")}  # fmt: skip
    stats = dict(stats or {})
    boot = {k: stats[k] for k in ("n_boot", "seed") if k in stats}
    pairs = comparison_pairs(runs, reference)
    summary = optional("traceanalysis.grading", "agreement_summary")
    listed = optional("traceanalysis.grading", "disagreements")
    if df["correct"].notna().sum() == 0:
        _note(
            notes,
            "accuracy",
            "No response could be graded (no gold answers): accuracy tables are empty.",
        )
        return {}
    missing = sorted(n for n, f in metrics.items() if f is None)
    if missing:
        _note(notes, "accuracy", f"Skipped (not available): {', '.join(missing)}.")
    roles = {r.name: r.role for r in runs}
    df = without_text(df)

    def compute() -> dict[str, pd.DataFrame]:
        out: dict[str, pd.DataFrame] = {}
        if metrics["accuracy_table"]:
            out["accuracy"] = metrics["accuracy_table"](df, ks=stats.get("ks"), **boot)
            if "role" not in out["accuracy"].columns:
                out["accuracy"].insert(1, "role", out["accuracy"]["run"].map(roles))
        if metrics["passk_table"]:
            out["passk"] = metrics["passk_table"](df, **boot)
        if pairs and metrics["comparisons_table"]:
            out["comparisons"] = metrics["comparisons_table"](df, pairs, **stats)
        if pairs and metrics["support_table"]:
            out["support"] = metrics["support_table"](df, pairs)
        if pairs and metrics["crossing_table"]:
            out["crossing"] = metrics["crossing_table"](df, pairs, **boot)
        if summary is not None and listed is not None:
            agreement = summary(df)
            if len(agreement):
                out[AGREEMENT_TABLE] = agreement
                out[DISAGREEMENTS_TABLE] = listed(df)
        if reference is not None:
            if metrics["difficulty_table"]:
                out["difficulty"] = metrics["difficulty_table"](df, reference, **boot)
            if metrics["entropy_table"]:
                out["entropy"] = metrics["entropy_table"](df, reference)
            if metrics["transition_table"]:
                for r in runs:
                    if r.name != reference and df.loc[df["run"] == r.name, "correct"].notna().any():
                        out[f"transitions_{r.name}"] = metrics["transition_table"](
                            df, reference, r.name
                        )
        return out

    opts = {"reference": reference, "missing": missing, "pairs": pairs, "stats": stats}
    value, _ = runner.run("tables_accuracy", TABLES_VERSION, opts, deps, compute)
    return value


def language_tables(
    runner: Any, df: pd.DataFrame, runs: list[RunInfo], reference: str | None,
    deps: list[str], word_counts: dict[str, Any], notes: dict[str, list[str]],
) -> dict[str, pd.DataFrame]:  # fmt: skip
    """lexical, word_freq_<run> (top 2,000 words), distinctive_<a>_vs_<b> for the pairs."""
    if SKIPPED in deps[0] or "n_tokens" not in df.columns:
        return {}
    names = ("lexical_table", "frequency_table", "distinctive_tokens")
    funcs = {n: optional("traceanalysis.lexical.tables", n) or optional("traceanalysis.lexical.frequency", n)
             or optional("traceanalysis.lexical.logodds", n) for n in names}  # fmt: skip
    missing = sorted(n for n, f in funcs.items() if f is None)
    if missing:
        _note(notes, "language", f"Skipped (not available): {', '.join(missing)}.")
    pairs = comparison_pairs(runs, reference)
    df = without_text(df)

    def compute() -> dict[str, pd.DataFrame]:
        out: dict[str, pd.DataFrame] = {}
        if funcs["lexical_table"]:
            out["lexical"] = funcs["lexical_table"](df)
        if funcs["frequency_table"]:
            for r in runs:
                if r.name in word_counts:
                    out[f"word_freq_{r.name}"] = funcs["frequency_table"](
                        word_counts[r.name], top=2000
                    )
        if funcs["distinctive_tokens"]:
            for a, b in pairs:
                if a in word_counts and b in word_counts:
                    out[f"distinctive_{a}_vs_{b}"] = funcs["distinctive_tokens"](
                        word_counts[a], word_counts[b]
                    )
        return out

    opts = {"pairs": pairs, "missing": missing}
    value, _ = runner.run("tables_language", TABLES_VERSION, opts, deps, compute)
    return value


def behavior_tables(
    runner: Any, df: pd.DataFrame, deps: list[str], notes: dict[str, list[str]]
) -> dict[str, pd.DataFrame]:
    """behaviors (rules, and judge agreement where judge labels exist)."""
    func = optional("traceanalysis.behaviors", "behaviors_table")
    if SKIPPED in deps[0] or not any(c.startswith("behavior_") for c in df.columns):
        return {}
    if func is None:
        _note(notes, "behaviors", "Skipped (not available): behaviors_table.")
        return {}
    value, _ = runner.run(
        "tables_behaviors",
        version_of(func, TABLES_VERSION),
        {},
        deps,
        lambda: {"behaviors": func(df)},
    )
    return value
