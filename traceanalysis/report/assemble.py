"""The report folder's pieces: the figures stage (cached with its files), cached table
folders, the :class:`ReportContext` handed to the renderers, and the renderers' call."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from traceanalysis.engine.registry import get_stage
from traceanalysis.report import data_quality as dq
from traceanalysis.report.context import ReportContext
from traceanalysis.report.data_quality import AGREEMENT_TABLE
from traceanalysis.report.html import write_html
from traceanalysis.report.manifest import build_manifest
from traceanalysis.report.markdown import write_markdown


def figures_stage(cache: Any, key_parts: list[str], analysis: Any, out_dir: Path) -> list[Any]:
    """Draw the figures (the registered ``figures`` stage) or copy them from the stage
    cache. The key is the stage's version (its source hash: computed without importing
    matplotlib, so a warm rerun that only copies figures never imports it)."""
    figures = get_stage("figures")
    runs_key = [r.to_dict() for r in analysis.runs]
    key = cache.key(
        "figures", figures.version, {"runs": runs_key, "ref": analysis.reference}, *key_parts
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
    records = figures(
        analysis.samples, tables=analysis.tables, runs=analysis.runs,
        reference=analysis.reference, out_dir=out_dir,
    )  # fmt: skip
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
    """The :class:`ReportContext` handed to the renderers, manifest included. Files not
    read, label issues, the problem match and the graders come from the samples table's
    attrs (set by the loader and the grade stage) when present."""
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
        examples=examples,
        manifest=manifest,
        rejections=analysis.rejections,
        notes=analysis.notes,
        **quality,
    )


def render(ctx: ReportContext, out: Path) -> None:
    """index.html and report.md."""
    write_html(ctx, out / "index.html")
    write_markdown(ctx, out / "report.md")
