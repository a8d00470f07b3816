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

from traceanalysis.report import data_quality as dq
from traceanalysis.report.context import ReportContext
from traceanalysis.report.data_quality import AGREEMENT_TABLE
from traceanalysis.report.feature_stages import optional
from traceanalysis.report.manifest import build_manifest
from traceanalysis.report.samples_out import select_examples
from traceanalysis.report.table_stages import (  # noqa: F401 (the pipeline's stages, re-exported)
    _note,
    accuracy_tables,
    behavior_tables,
    language_tables,
    without_text,
)


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
