"""The whole analysis: load -> grade -> difficulty -> lexical -> behaviours (-> judge) ->
audit -> tables -> findings, then figures and the report folder.

Every stage is cached in the stage cache (:mod:`traceanalysis.engine.cache`) under
a key of its version, its options and the keys of the stages it reads, so a rerun costs
little and a changed option recomputes only the stages that depend on it. A stage whose
module is not installed or fails to import is skipped with a note shown in the report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from traceanalysis.audit import AUDIT_VERSION, audit
from traceanalysis.cache import content_hash
from traceanalysis.errors import InputError
from traceanalysis.metrics.order import in_role_order
from traceanalysis.report import assemble as asm
from traceanalysis.report import feature_stages as fs
from traceanalysis.report.findings import build_findings
from traceanalysis.report.flexible import flexible_table
from traceanalysis.report.manifest import write_manifest
from traceanalysis.report.samples_out import select_examples, write_samples
from traceanalysis.engine.cache import StageCache, file_fingerprint, stage_cache_dir
from traceanalysis.engine.memory import (
    clear_table_caches,
    release_free_memory,
    returns_memory,
)
from traceanalysis.engine.runner import StageRunner as _Runner
from traceanalysis.engine.runner import StepTimer as _StepTimer
from traceanalysis.report.tables import write_tables
from traceanalysis.schema import Rejection, RunInfo

PIPELINE_VERSION = "1"


@dataclass
class ReportOptions:
    """Options of :func:`analyze` and :func:`build_report` (the ``report`` command's flags)."""

    reference: str | None = None  # run whose success rates define difficulty bins
    judge: str = "none"  # none | openai:MODEL | hf:PATH
    judge_options: dict[str, object] = field(default_factory=dict)  # JudgeConfig fields
    lexicons: str | None = None  # folder of lexicon YAML files (default: shipped ones)
    tokenizer: str | None = None  # reference tokenizer (default: tiktoken cl100k_base)
    max_examples: int = 50  # responses per run in the HTML sample browser
    cache: str | None = None  # SQLite cache file; the stage cache sits beside it
    columns: dict[str, str] | None = None  # column mapping for unknown formats
    roles: dict[str, str] | None = None  # run name -> role (--role), over run.json and guessing
    source_metric: str | None = None  # the input metric that gives source_correct (--source-metric)
    title: str | None = None
    quiet: bool = False
    workers: int | None = None  # grading processes (default: CPU count)
    grade_timeout: float = 5.0
    grader: str | None = None  # NAME or RUN=NAME,... (grade(grader=)); None: from golds
    n_boot: int = 1000  # bootstrap resamples for every CI (accuracy, comparisons, audit)
    n_perm: int = 10000  # random sign patterns of the paired permutation test (beyond exact)
    ks: list[int] | None = None  # the k of pass@k in the accuracy/comparisons tables (--k)
    seed: int = 0
    stage_cache: bool = True  # False: recompute every stage


@dataclass
class Analysis:
    """What :func:`analyze` computed: the samples table, tables, findings and bookkeeping."""

    samples: pd.DataFrame
    runs: list[RunInfo]
    reference: str | None
    tables: dict[str, pd.DataFrame]
    findings: dict[str, list[str]]
    notes: dict[str, list[str]]
    rejections: list[Rejection]
    dropped: dict[str, object]
    stages: dict[str, dict[str, object]] = field(
        default_factory=dict
    )  # name -> key, cached, seconds
    keys: dict[str, str] = field(default_factory=dict)  # stage name -> full cache key


@returns_memory
def analyze(runs_path: str | Path, options: ReportOptions | None = None) -> Analysis:
    """Load, grade and analyse a runs folder: every table, finding and note; writes no files."""
    options = options or ReportOptions()
    runs_path = Path(runs_path)
    if not runs_path.exists():
        raise InputError("no such runs folder or file", file=str(runs_path))
    notes: dict[str, list[str]] = {}
    runner = _Runner(options, total=10)
    try:
        fingerprint = content_hash(file_fingerprint(runs_path))
        df, load_key = runner.run(
            "load", fs.LOAD_VERSION,
            {"columns": options.columns, "roles": options.roles,
             "source_metric": options.source_metric},
            [fingerprint],
            lambda: fs.load(
                runs_path, options.columns, progress=not options.quiet, roles=options.roles,
                source_metric=options.source_metric,
            ),
        )  # fmt: skip
        df, dropped = fs.align_problems(df)
        notes.setdefault("data", []).extend(dropped.pop("notes"))
        runs = fs.run_infos(df)
        df, grade_key = fs.grade_stage(runner, df, load_key, options)
        reference = fs.pick_reference(df, runs, options.reference)
        df, diff_key = fs.difficulty_stage(runner, df, grade_key, reference, notes)
        df, lex_key = fs.lexical_stage(runner, df, load_key, options, notes)
        df, beh_key = fs.behavior_stage(runner, df, load_key, notes)
        df, judge_key = fs.judge_stage(runner, df, load_key, options, notes)

        tables: dict[str, pd.DataFrame] = {}
        acc_deps = [grade_key, diff_key]
        stats = {"ks": options.ks, "n_boot": options.n_boot, "n_perm": options.n_perm,
                 "seed": options.seed}  # fmt: skip
        tables.update(asm.accuracy_tables(runner, df, runs, reference, acc_deps, notes, stats))
        lex_deps = [lex_key, grade_key, diff_key]
        word_counts = runner.extras.get("lexical") or {}
        tables.update(
            asm.language_tables(runner, df, runs, reference, lex_deps, word_counts, notes)
        )
        tables.update(asm.behavior_tables(runner, df, [beh_key, judge_key], notes))
        audit_opts = {"n_boot": options.n_boot, "seed": options.seed}
        feature_keys = [grade_key, diff_key, lex_key, beh_key, judge_key]
        features = asm.without_text(df)  # the audit and findings read no text
        tables["audit"], audit_key = runner.run(
            "audit", AUDIT_VERSION, audit_opts, feature_keys,
            lambda: audit(features, n_boot=options.n_boot, seed=options.seed),
        )  # fmt: skip
        tables["flexible"] = flexible_table(features, tables["audit"])
        order = [r.name for r in runs]  # role order: base, rl, distilled, other
        tables = {name: in_role_order(table, order) for name, table in tables.items()}
        rejections = list(df.attrs.get("rejections", []))
        findings = build_findings(tables, features, runs, reference, n_rejected=len(rejections))
        clear_table_caches()
        release_free_memory()
        runner.bar.update(1)
    finally:
        runner.bar.close()
    keys = {"load": load_key, "grade": grade_key, "difficulty": diff_key, "lexical": lex_key,
            "behaviors": beh_key, "judge": judge_key, "audit": audit_key,
            # options such as --k change these tables, not the stages above: the table
            # files and figures cached under ``keys`` must see that
            "tables_accuracy": str(runner.stages.get("tables_accuracy", {}).get("key", ""))}  # fmt: skip
    return Analysis(
        df, runs, reference, tables, findings, notes, rejections, dropped, runner.stages, keys
    )


@returns_memory
def write_report(
    analysis: Analysis,
    out: str | Path,
    options: ReportOptions | None = None,
    *,
    release_text: bool = False,
) -> Path:
    """Write the report folder for ``analysis``; returns the path of its ``index.html``.

    Layout (DESIGN.md): index.html, report.md, figures/, tables/, samples.parquet,
    manifest.json. Figures come from the stage cache when their inputs are unchanged.
    ``release_text``: once samples.parquet is written and the browser's examples chosen,
    ``analysis.samples`` loses its text columns, so figures and rendering run without
    them in memory (what :func:`build_report` does; the files are the same).
    """
    options = options or ReportOptions()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for folder, suffixes in (("tables", (".csv", ".tex")), ("figures", (".pdf", ".svg", ".png"))):
        for old in (out / folder).glob("*"):  # stale files of an earlier report in ``out``
            if old.is_file() and old.suffix in suffixes:
                old.unlink()
    timer = _StepTimer(analysis.stages)
    cache = StageCache(stage_cache_dir(options.cache), enabled=options.stage_cache)
    with timer("write_samples"):  # first: the text can go before the other files
        write_samples(
            analysis.samples, out / "samples.parquet", cache, list(analysis.keys.values())
        )
        examples = None
        if release_text:
            examples = select_examples(analysis.samples, options.max_examples, options.seed)
            analysis.samples = asm.without_text(analysis.samples)
    with timer("write_tables"):
        # the names too: a table added after analyze() (the demo's lab_levels) is not
        # covered by the stage keys, and a cached folder without it must not be reused
        keys = [*analysis.keys.values(), ",".join(sorted(analysis.tables))]
        asm.cached_files(cache, "tables", keys, out / "tables",
                         lambda folder: write_tables(analysis.tables, folder))  # fmt: skip
    with timer("figures"):
        figures = asm.figures_stage(
            cache, list(analysis.keys.values()), analysis, out / "figures", analysis.notes
        )
    analysis.stages["figures"]["cached"] = cache.hits.get("figures", False)
    with timer("render"):
        title = options.title or out.name
        ctx = asm.report_context(analysis, figures, options, title=title, examples=examples)
        write_manifest(ctx.manifest, out / "manifest.json")
        asm.render(ctx, out)
    return out / "index.html"


def build_report(
    runs_path: str | Path, out: str | Path | None = None, options: ReportOptions | None = None
) -> Path:
    """Analyse ``runs_path`` and write the report folder ``out`` (default ``reports/<name>``).

    Returns the path of ``index.html``; prints a one-line summary unless ``options.quiet``.
    """
    options = options or ReportOptions()
    runs_path = Path(runs_path)
    out = Path(out) if out is not None else Path("reports") / runs_path.resolve().name
    start = time.perf_counter()
    analysis = analyze(runs_path, options)
    index = write_report(analysis, out, options, release_text=True)
    total = time.perf_counter() - start
    if not options.quiet:
        print(
            f"report: {index} ({len(analysis.samples):,} responses, {len(analysis.runs)} run(s), "
            f"{total:.1f} s)"
        )
    return index
