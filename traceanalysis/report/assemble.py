"""Aggregate tables, figures and the report files, for the report pipeline.

Each table group is cached under the keys of the per-response stages it reads; figures
are cached with their files so a warm rerun only copies them. A table function that is
not available is skipped with a note in the report instead of a crash.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from traceanalysis.report import data_quality as dq
from traceanalysis.report.context import ReportContext
from traceanalysis.report.data_quality import AGREEMENT_TABLE, DISAGREEMENTS_TABLE
from traceanalysis.report.feature_stages import SKIPPED, optional, version_of
from traceanalysis.report.findings import comparison_pairs
from traceanalysis.report.manifest import build_manifest
from traceanalysis.report.samples_out import select_examples
from traceanalysis.schema import RunInfo

TABLES_VERSION = "4"  # 2: agreement and disagreements tables; 3: comparisons, support, crossing; 4: bin CIs, pooled/mean rates


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
                out["difficulty"] = metrics["difficulty_table"](df, reference)
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


def figures_stage(
    cache: Any, key_parts: list[str], analysis: Any, out_dir: Path, notes: dict[str, list[str]]
) -> list[Any]:
    """Draw the figures (report.figures.make_figures) or copy them from the stage cache.

    The key is computed without importing the figure code (matplotlib, seaborn), so a
    warm rerun that only copies cached figures never imports them.
    """
    from traceanalysis.report.figures_version import figures_code_version

    runs_key = [r.to_dict() for r in analysis.runs]
    key = cache.key(
        "figures",
        figures_code_version(),
        {"runs": runs_key, "ref": analysis.reference},
        *key_parts,
    )
    store = cache.root / f"figures-{key[:24]}"
    records = cache.get("figures", key)
    out_dir.mkdir(parents=True, exist_ok=True)
    if records is not cache.MISSING and store.is_dir():
        for f in store.iterdir():
            shutil.copyfile(f, out_dir / f.name)
        cache.hits["figures"] = True
        return [_relocate(r, out_dir) for r in records]
    cache.hits["figures"] = False
    make = optional("traceanalysis.report.figures", "make_figures")
    if make is None:
        _note(notes, "data", "Figures skipped: traceanalysis.report.figures unavailable.")
        return []
    samples = analysis.samples[
        [
            c
            for c in ("run", "n_tokens", "correct", "difficulty_bin")
            if c in analysis.samples.columns
        ]
    ]
    records = make(analysis.tables, samples, analysis.runs, analysis.reference, out_dir)
    if cache.enabled:
        store.mkdir(parents=True, exist_ok=True)
        for r in records:
            for path in r.files.values():
                shutil.copyfile(path, store / Path(path).name)
        cache.put("figures", key, records)
    return records


def cached_files(cache: Any, name: str, keys: list[str], folder: Path, write: Any) -> bool:
    """Fill ``folder`` by ``write(folder)``, or copy it from the stage cache when the keys
    are unchanged; returns True on a cache hit."""
    from traceanalysis.report.tables import TABLES_WRITER_VERSION

    store = cache.root / f"{name}-{cache.key(name, TABLES_WRITER_VERSION, {}, *keys)[:24]}"
    folder.mkdir(parents=True, exist_ok=True)
    if cache.enabled and store.is_dir():
        for f in store.iterdir():
            shutil.copyfile(f, folder / f.name)
        return True
    write(folder)
    if cache.enabled:
        tmp = store.with_name(f"{store.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(folder, tmp)
        os.replace(tmp, store) if not store.exists() else shutil.rmtree(tmp)
    return False


def _relocate(record: Any, out_dir: Path) -> Any:
    from dataclasses import replace

    return replace(record, files={k: out_dir / Path(p).name for k, p in record.files.items()})


def report_context(
    analysis: Any, figures: list[Any], options: Any, *, title: str, examples: Any = None
) -> ReportContext:
    """The :class:`ReportContext` handed to the renderers, manifest included; ``examples``
    chosen here (:func:`select_examples`) unless given. Files not read, label issues, the
    problem match and the graders come from the samples table's attrs (set by the
    loader and the grade stage) when present."""
    from dataclasses import asdict

    attrs = analysis.samples.attrs
    grading = attrs.get("grading")
    graders = dict(grading.get("graders") or {}) if isinstance(grading, dict) else {}
    match = attrs.get("problem_match")
    quality = {
        "skipped": dq.skipped_files(attrs),
        "label_issues": dq.label_issues(attrs),
        "problem_match": dict(match) if isinstance(match, dict) else None,
        "graders": graders,
    }
    manifest = build_manifest(
        analysis.samples,
        runs=analysis.runs,
        reference=analysis.reference,
        options={"command": "report"} | asdict(options),
        rejections=analysis.rejections,
        stages=analysis.stages,
        dropped=analysis.dropped,
        seeds={
            "bootstrap": options.seed,
            "examples": options.seed,
            "bootstrap_resamples": options.n_boot,
            "permutation_resamples": options.n_perm,
        },  # fmt: skip
        agreement=analysis.tables.get(AGREEMENT_TABLE),
        **quality,
    )
    return ReportContext(
        title=title,
        runs=analysis.runs,
        reference=analysis.reference,
        tables=analysis.tables,
        findings=analysis.findings,
        figures=figures,
        examples=select_examples(analysis.samples, options.max_examples, options.seed)
        if examples is None
        else examples,
        manifest=manifest,
        rejections=analysis.rejections,
        notes=analysis.notes,
        **quality,
    )


def render(ctx: ReportContext, out: Path) -> list[str]:
    """index.html and report.md by the renderers of traceanalysis.report.html / .markdown.

    Returns the files that could not be written because their renderer is unavailable
    (each also warned about), so the rest of the report folder still appears.
    """
    missing = []
    for module, name, filename in (
        ("traceanalysis.report.html", "write_html", "index.html"),
        ("traceanalysis.report.markdown", "write_markdown", "report.md"),
    ):
        writer = optional(module, name)
        if writer is None:
            warnings.warn(f"{module}.{name} is not available: {filename} not written", stacklevel=2)
            missing.append(filename)
            continue
        writer(ctx, out / filename)
    return missing
