"""The plan's training-dynamics stage: the ``steps`` and ``onsets`` tables of every series
of responses ordered by training step (docs/dynamics.md); absent when no run has steps."""

from __future__ import annotations

import pandas as pd

from traceanalysis.engine.registry import table
from traceanalysis.metrics.dynamics import all_series, steps_table
from traceanalysis.metrics.onsets import onsets_table

DYNAMICS_READS = (
    "step", "correct", "extracted", "grade_status", "n_tokens", "*_count", "*_per_1k",
    "*_present", "behavior_*_present",
)  # fmt: skip


# "steps" (--step RUN=N, ReportOptions.steps) joins the options once ReportOptions has it.
@table("dynamics", reads=DYNAMICS_READS, options=("n_boot", "seed", "steps"))
def dynamics(
    df: pd.DataFrame, *, n_boot: int, seed: int, steps: dict[str, int] | None = None
) -> dict[str, pd.DataFrame]:
    """``steps`` (every metric per series and step, 95% bootstrap CIs over prompts) and
    ``onsets`` (the first step credibly above the first, per lexicon and behaviour);
    ``steps``: run -> training step (``--step``), over run.json's."""
    boots = all_series(df, n_boot=n_boot, seed=seed, steps=steps)
    if not boots:
        return {}
    return {"steps": steps_table(boots), "onsets": onsets_table(boots)}
