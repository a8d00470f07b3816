"""The plan's audit stages: does length or keyword use predict correctness (difficulty
controlled), and the flexible table of every indicator."""

from __future__ import annotations

import pandas as pd

from traceanalysis.audit import audit as audit_table
from traceanalysis.engine.registry import table
from traceanalysis.flexible import flexible_table

_FEATURES = ("correct", "difficulty_bin", "n_tokens", "*_per_1k", "behavior_*", "judge_*")


@table("audit", reads=_FEATURES, options=("n_boot", "seed"))
def audit(df: pd.DataFrame, *, n_boot: int, seed: int) -> pd.DataFrame:
    """Within-problem AUROC and difficulty-controlled regressions of correctness on length
    and keyword use, with bootstrap CIs and FDR control."""
    return audit_table(df, n_boot=n_boot, seed=seed)


@table("flexible", reads=_FEATURES, needs=("audit",))
def flexible(df: pd.DataFrame, *, audit: pd.DataFrame | None) -> pd.DataFrame:
    """Every indicator's value per run, with its within-problem AUROC where audited."""
    return flexible_table(df, audit)
