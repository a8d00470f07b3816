"""``score`` as a command: the plan's load and score stages on a runs folder, the samples
table with the score columns written to ``<out>/samples.parquet`` and what was done to
``<out>/score.json``."""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from traceanalysis.engine.cache import StageCache, stage_cache_dir
from traceanalysis.engine.plan import build_plan
from traceanalysis.engine.runner import PlanRunner
from traceanalysis.engine.store import write_batches
from traceanalysis.errors import InputError
from traceanalysis.score import stages as _stages  # noqa: F401 - registers the stages

ROW_GROUP = 8192


@dataclass
class ScoreOptions:
    """The ``score`` command's settings (the stage's options; see ``score/stages.py``)."""

    model: str
    name: str | None = None
    batch_size: int = 16
    backend: str = "transformers"
    device: str | None = None
    dtype: str = "auto"
    cache: str | None = None
    quiet: bool = False
    columns: dict[str, str] | None = None
    roles: dict[str, str] | None = None
    source_metric: str | None = None

    def stage_options(self) -> dict[str, Any]:
        """The ``score_*`` options the stage reads."""
        return {
            "score_model": self.model, "score_name": self.name,
            "score_batch_size": self.batch_size, "score_backend": self.backend,
            "score_device": self.device, "score_dtype": self.dtype,
        }  # fmt: skip


def score_runs(runs: str | Path, options: ScoreOptions, out: str | Path) -> dict[str, Any]:
    """Score every response of ``runs`` and write ``out``/samples.parquet and score.json;
    returns the score stage's record (with timing and the per-run summary)."""
    from traceanalysis.pipeline import ReportOptions, run_options

    runs = Path(runs)
    if not runs.exists():
        raise InputError("no such runs folder or file", file=str(runs))
    if options.batch_size < 1:
        raise InputError(f"--batch-size must be at least 1, got {options.batch_size}")
    report = ReportOptions(
        cache=options.cache, quiet=options.quiet, columns=options.columns,
        roles=options.roles, source_metric=options.source_metric,
    )  # fmt: skip
    opts = {**run_options(runs, report), **options.stage_options()}
    plan = build_plan(["score"])
    cache = StageCache(stage_cache_dir(options.cache))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="traceanalysis-score-") as scratch:
        runner = PlanRunner(
            plan, opts, cache=cache, scratch=Path(scratch), progress=not options.quiet
        )
        state = runner.run()
        seconds = time.perf_counter() - start
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        write_batches(out / "samples.parquet", state.batches(), ROW_GROUP)
        record = dict(state.values.get("score") or {})
        name = record.get("name")
        record.update(
            runs=str(runs), seconds=round(seconds, 3), cached_stage=state.records["score"]["cached"],
            summary=summary(state.features, str(name)).to_dict(orient="records"),
        )  # fmt: skip
        (out / "score.json").write_text(json.dumps(record, indent=1, default=str) + "\n")
    return record


def summary(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Per run: responses, scored responses, mean response tokens, mean per-token NLL."""
    value, tokens = f"nll_{name}_per_token", f"n_tokens_{name}"
    if value not in df.columns:
        return pd.DataFrame()
    grouped = df.groupby("run", sort=False, observed=True)
    return pd.DataFrame(
        {
            "responses": grouped.size(),
            "scored": grouped[value].count(),
            "mean_tokens": grouped[tokens].mean().astype(float).round(1),
            "nll_per_token": grouped[value].mean().round(4),
            "nll_total_mean": grouped[f"nll_{name}"].mean().round(2),
        }
    ).reset_index()
