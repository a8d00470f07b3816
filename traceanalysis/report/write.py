"""Writing the report folder of an :class:`~traceanalysis.pipeline.Analysis`:
samples.parquet, tables/, figures/, manifest.json, index.html and report.md.

Nothing here loads inputs or computes a feature: the samples table is streamed from the
analysis's stage files, tables come from the analysis, and the figures stage (registered
in :mod:`traceanalysis.report.stages`) is cached with its files under its key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from traceanalysis.engine.cache import StageCache, stage_cache_dir
from traceanalysis.engine.runner import StepTimer
from traceanalysis.report.assemble import cached_files, figures_stage, render, report_context
from traceanalysis.report.manifest import write_manifest
from traceanalysis.report.samples_out import example_rows, write_samples
from traceanalysis.report.tables import write_tables


def _clear_stale(out: Path) -> None:
    for folder, suffixes in (("tables", (".csv", ".tex")), ("figures", (".pdf", ".svg", ".png"))):
        for old in (out / folder).glob("*"):  # files of an earlier report in ``out``
            if old.is_file() and old.suffix in suffixes:
                old.unlink()


def write_report_folder(analysis: Any, out: Path, options: Any) -> Path:
    """Write every file of the report folder ``out``; returns the path of index.html."""
    out.mkdir(parents=True, exist_ok=True)
    _clear_stale(out)
    timer = StepTimer(analysis.stages)
    cache = StageCache(stage_cache_dir(options.cache), enabled=options.stage_cache)
    keys = list(analysis.keys.values())
    with timer("write_samples"):
        write_samples(analysis.batches(), out / "samples.parquet", cache, keys)
        rows = example_rows(analysis.samples, options.max_examples, options.seed)
        examples = analysis.rows(rows)
    with timer("write_tables"):
        # the names too: a table added after analyze() (the demo's lab_levels) is not
        # covered by the stage keys, and a cached folder without it must not be reused
        names = [*keys, ",".join(sorted(analysis.tables))]
        cached_files(cache, "tables", names, out / "tables",
                     lambda folder: write_tables(analysis.tables, folder))  # fmt: skip
    with timer("figures"):
        figures = figures_stage(cache, keys, analysis, out / "figures")
    analysis.stages["figures"]["cached"] = cache.hits.get("figures", False)
    with timer("render"):
        title = options.title or out.name
        ctx = report_context(analysis, figures, options, title=title, examples=examples)
        write_manifest(ctx.manifest, out / "manifest.json")
        render(ctx, out)
    return out / "index.html"
