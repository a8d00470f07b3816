"""The default plan and its two calls: :func:`analyze` (every registered stage of the
analysis: load -> grade -> reference, difficulty -> lexical, behaviours (-> judge) ->
tables, audit) and :func:`write_report` (figures and the report folder).

Every stage is registered by the package that owns it (``<package>/stages.py``) and run
by :class:`~traceanalysis.engine.runner.PlanRunner` through the stage cache; ``grade``,
``lexical``, ``behaviors`` and ``judge`` are the same plan with other targets.
"""

from __future__ import annotations

import tempfile
import time
import weakref
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from traceanalysis.engine.cache import StageCache, stage_cache_dir
from traceanalysis.engine.executors import make_executor
from traceanalysis.engine.memory import clear_table_caches, returns_memory
from traceanalysis.engine.plan import Plan, build_plan
from traceanalysis.engine.plugins import load_plugins
from traceanalysis.engine.registry import list_stages
from traceanalysis.engine.runner import PlanRunner, RunState
from traceanalysis.errors import InputError
from traceanalysis.metrics.order import in_role_order, run_infos
from traceanalysis.schema import Rejection, RunInfo


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
    workers: int | None = None  # worker processes (default: CPU count)
    grade_timeout: float = 5.0  # CPU seconds per unique answer (--grade-timeout)
    strict_sets: bool = False  # "find all" answers must give the whole set (--strict-sets)
    lexical_part: str = "all"  # all | reasoning | final: the text the lexical stage counts
    token_freq: bool = False  # also count reference tokens per run (the lexical command)
    grader: str | None = None  # NAME or RUN=NAME,... (grade(grader=)); None: from golds
    n_boot: int = 1000  # bootstrap resamples for every CI (accuracy, comparisons, audit)
    n_perm: int = 10000  # random sign patterns of the paired permutation test (beyond exact)
    ks: list[int] | None = None  # the k of pass@k in the accuracy/comparisons tables (--k)
    steps: dict[str, int] | None = None  # run -> training step (--step RUN=N), over run.json
    seed: int = 0
    stage_cache: bool = True  # False: recompute every stage
    executor: str = "local"  # local | ray
    follow_links: bool = False  # fingerprint symlinks that leave the runs folder
    plugins: list[str] = field(default_factory=list)  # --plugin modules
    score_model: str | None = None  # reference causal LM for the score stage (--score-model)
    score_name: str | None = None  # suffix of its columns (default: the model folder's name)
    score_batch_size: int = 16  # sequences per forward pass (runtime: not in the key)
    score_backend: str = "transformers"  # transformers | vllm
    score_device: str | None = None  # default: cuda when available (runtime)
    score_dtype: str = "auto"


@dataclass
class Analysis:
    """What :func:`analyze` computed: the samples table (text-free features; the text and
    spans stay in the stage files, see :meth:`rows`), tables, findings and bookkeeping."""

    samples: pd.DataFrame
    runs: list[RunInfo]
    reference: str | None
    tables: dict[str, pd.DataFrame]
    findings: dict[str, list[str]]
    notes: dict[str, list[str]]
    rejections: list[Rejection]
    dropped: dict[str, object]
    stages: dict[str, dict[str, object]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # stage name -> full cache key
    state: RunState | None = None
    extra_tables: list[str] = field(default_factory=list)  # tables of plugin stages
    extra_columns: list[str] = field(default_factory=list)  # columns of plugin stages

    def rows(self, index: Any, columns: list[str] | None = None) -> pd.DataFrame:
        """Rows ``index`` (positions in :attr:`samples`) with every column, text included."""
        if self.state is None:
            return self.samples.iloc[list(index)].reset_index(drop=True)
        return self.state.rows(index, columns)

    def batches(self):  # noqa: ANN201 - an iterator of DataFrames
        """The whole samples table, text included, one row group at a time."""
        if self.state is None:
            yield self.samples
            return
        yield from self.state.batches()


def run_options(runs_path: str | Path, options: ReportOptions) -> dict[str, Any]:
    """The option dict the stages read (:class:`ReportOptions` fields plus ``runs``)."""
    return {**asdict(options), "runs": str(runs_path)}


def plan_for(options: ReportOptions, targets: list[str] | None = None) -> Plan:
    """The analysis plan (figures excluded) for ``targets`` (None: every stage)."""
    load_plugins(options.plugins)
    skip = [s.name for s in list_stages() if s.phase == "report"]
    if (options.judge or "none").strip() == "none":
        skip.append("judge")
    if not options.score_model:
        skip.append("score")
    return build_plan(targets, skip=skip)


@returns_memory
def run_plan(
    runs_path: str | Path, options: ReportOptions, targets: list[str] | None = None
) -> tuple[RunState, Plan]:
    """Run the plan for ``targets`` on ``runs_path``; the state keeps its scratch folder
    (the stage files when the stage cache is off) alive as long as it lives."""
    runs_path = Path(runs_path)
    if not runs_path.exists():
        raise InputError("no such runs folder or file", file=str(runs_path))
    plan = plan_for(options, targets)
    cache = StageCache(stage_cache_dir(options.cache), enabled=options.stage_cache)
    scratch = tempfile.TemporaryDirectory(prefix="traceanalysis-")
    executor = make_executor(options.executor, workers=options.workers)
    try:
        runner = PlanRunner(
            plan, run_options(runs_path, options), cache=cache, executor=executor,
            scratch=Path(scratch.name), progress=not options.quiet,
        )  # fmt: skip
        state = runner.run()
    finally:
        executor.close()
    weakref.finalize(state, scratch.cleanup)
    if state.values.get("grade"):  # the batches' grading records, summed
        state.features.attrs["grading"] = state.values["grade"]
    state.notes.extend(getattr(cache, "notes", []))
    return state, plan


def analyze(runs_path: str | Path, options: ReportOptions | None = None) -> Analysis:
    """Load, grade and analyse a runs folder: every table, finding and note; writes no files."""
    from traceanalysis.behaviors.stages import judge_complete, judge_note
    from traceanalysis.report.findings import build_findings

    options = options or ReportOptions()
    state, plan = run_plan(runs_path, options)
    df = state.features
    runs = run_infos(df)
    reference = state.values.get("reference")
    attrs = df.attrs
    dropped = dict(attrs.get("dropped") or {"notes": []})
    notes: dict[str, list[str]] = {"data": [*dropped.pop("notes", []), *state.notes]}
    if reference is None:
        notes["difficulty"] = ["Difficulty bins skipped: no graded run."]
    if "correct" not in df.columns or df["correct"].notna().sum() == 0:
        notes["accuracy"] = [
            "No response could be graded (no gold answers): accuracy tables are empty."
        ]
    if "judge" in plan and not judge_complete(attrs.get("judge")):
        notes.setdefault("behaviors", []).append(judge_note(attrs.get("judge") or {}) or "")
    order = [r.name for r in runs]  # role order: base, rl, distilled, other
    tables = {name: in_role_order(t, order) for name, t in state.tables.items()}
    rejections = list(attrs.get("rejections", []))
    findings = build_findings(tables, df, runs, reference, n_rejected=len(rejections))
    clear_table_caches()  # the bootstrap resamples drawn for the tables
    extra = [s.name for s in plan.stages if not s.builtin]
    return Analysis(
        samples=df, runs=runs, reference=reference, tables=tables, findings=findings,
        notes=notes, rejections=rejections, dropped=dropped, stages=state.records,
        keys=dict(state.keys), state=state,
        extra_tables=[t for t, s in state.table_stage.items() if s in extra],
        extra_columns=[c for c, s in state.origin.items() if s in extra],
    )  # fmt: skip


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
    ``release_text`` is kept for callers of earlier versions: the text is never in memory.
    """
    from traceanalysis.report.write import write_report_folder

    del release_text
    return write_report_folder(analysis, Path(out), options or ReportOptions())


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
    index = write_report(analysis, out, options)
    total = time.perf_counter() - start
    if not options.quiet:
        print(
            f"report: {index} ({len(analysis.samples):,} responses, {len(analysis.runs)} run(s), "
            f"{total:.1f} s)"
        )
    return index
