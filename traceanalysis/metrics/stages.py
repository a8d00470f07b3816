"""The plan's accuracy stages: the reference run, difficulty bins and the accuracy tables
(accuracy, passk, comparisons, support, crossing, difficulty, entropy, transitions)."""

from __future__ import annotations

import pandas as pd

from traceanalysis.engine.registry import stage, table
from traceanalysis.errors import InputError
from traceanalysis.metrics.crossing import crossing_table
from traceanalysis.metrics.difficulty import (
    assign_difficulty,
    difficulty_table,
    entropy_table,
    transition_table,
)
from traceanalysis.metrics.order import comparison_pairs, run_infos
from traceanalysis.metrics.paired import comparisons_table
from traceanalysis.metrics.reference import choose_reference
from traceanalysis.metrics.support import support_table
from traceanalysis.metrics.tables import accuracy_table, passk_table


def graded(df: pd.DataFrame) -> bool:
    """Whether any response has a verdict (no gold answers: no accuracy tables)."""
    return "correct" in df.columns and bool(df["correct"].notna().any())


@stage("reference", "1", kind="corpus", reads=("correct",), options=("reference",))
def pick_reference(df: pd.DataFrame, *, reference: str | None = None) -> str | None:
    """The reference run (metrics.choose_reference), or None when no run is graded."""
    runs = run_infos(df)
    name = choose_reference(runs, reference)
    done = set(df.loc[df["correct"].notna(), "run"].unique()) if "correct" in df else set()
    if name not in done:
        if reference is not None:
            raise InputError(
                f"--reference {reference!r} has no graded responses (no gold answers?)"
            )
        fallback = [r.name for r in runs if r.name in done]
        return fallback[0] if fallback else None
    return name


@stage(
    "difficulty",
    "2",
    kind="corpus",
    reads=("correct",),
    adds=("ref_rate", "difficulty_bin", "difficulty_bin_coarse"),
    needs=("reference",),
)
def difficulty_bins(df: pd.DataFrame, *, reference: str | None) -> pd.DataFrame | None:
    """Each problem's difficulty bin from the reference run's success rate."""
    if reference is None:
        return None
    return assign_difficulty(df, reference)[["ref_rate", "difficulty_bin", "difficulty_bin_coarse"]]


_ACC = ("correct", "difficulty_bin")  # graded responses (and their bins)


@table("accuracy", reads=_ACC, options=("ks", "n_boot", "seed"))
def accuracy(df: pd.DataFrame, *, ks: list[int] | None, n_boot: int, seed: int) -> pd.DataFrame:
    """pass@1, pass@k, maj@k per run with bootstrap CIs over problems."""
    if not graded(df):
        return {}
    out = accuracy_table(df, ks=ks, n_boot=n_boot, seed=seed)
    if "role" not in out.columns:
        out.insert(1, "role", out["run"].map({r.name: r.role for r in run_infos(df)}))
    return out


@table("passk", reads=_ACC, options=("n_boot", "seed"))
def passk(df: pd.DataFrame, *, n_boot: int, seed: int) -> pd.DataFrame:
    """The pass@k curve per run, k = 1 .. n, with bootstrap CIs."""
    return passk_table(df, n_boot=n_boot, seed=seed) if graded(df) else {}


def _pairs(df: pd.DataFrame, reference: str | None) -> list[tuple[str, str]]:
    return comparison_pairs(run_infos(df), reference) if graded(df) else []


@table("comparisons", reads=_ACC, options=("ks", "n_boot", "n_perm", "seed"), needs=("reference",))
def comparisons(
    df: pd.DataFrame, *, ks: list[int] | None, n_boot: int, n_perm: int, seed: int,
    reference: str | None,
) -> pd.DataFrame:  # fmt: skip
    """Paired differences of pass@1 and pass@k for the compared pairs, with tests."""
    pairs = _pairs(df, reference)
    if not pairs:
        return {}
    return comparisons_table(df, pairs, ks=ks, n_boot=n_boot, n_perm=n_perm, seed=seed)


@table("support", reads=_ACC, needs=("reference",))
def support(df: pd.DataFrame, *, reference: str | None) -> pd.DataFrame:
    """Problems each run of a pair solves that the other never does."""
    pairs = _pairs(df, reference)
    return support_table(df, pairs) if pairs else {}


@table("crossing", reads=_ACC, options=("n_boot", "seed"), needs=("reference",))
def crossing(df: pd.DataFrame, *, n_boot: int, seed: int, reference: str | None) -> pd.DataFrame:
    """Where two runs' pass@k curves cross, with a bootstrap interval."""
    pairs = _pairs(df, reference)
    return crossing_table(df, pairs, n_boot=n_boot, seed=seed) if pairs else {}


@table("difficulty_table", reads=_ACC, options=("n_boot", "seed"), needs=("reference",))
def difficulty_accuracy(
    df: pd.DataFrame, *, n_boot: int, seed: int, reference: str | None
) -> dict[str, pd.DataFrame]:
    """The ``difficulty`` table: accuracy per difficulty bin against the reference."""
    if reference is None or not graded(df):
        return {}
    return {"difficulty": difficulty_table(df, reference, n_boot=n_boot, seed=seed)}


@table("entropy", reads=_ACC, needs=("reference",))
def entropy(df: pd.DataFrame, *, reference: str | None) -> pd.DataFrame:
    """Answer entropy per run and difficulty bin."""
    return entropy_table(df, reference) if reference is not None and graded(df) else {}


@table("transitions", reads=_ACC, needs=("reference",))
def transitions(df: pd.DataFrame, *, reference: str | None) -> dict[str, pd.DataFrame]:
    """``transitions_<run>``: problems moving between difficulty bins, reference -> run."""
    if reference is None or not graded(df):
        return {}
    return {
        f"transitions_{r.name}": transition_table(df, reference, r.name)
        for r in run_infos(df)
        if r.name != reference and df.loc[df["run"] == r.name, "correct"].notna().any()
    }
