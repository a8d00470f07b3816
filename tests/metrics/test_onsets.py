"""Onset detection: the planted onset of real verl dumps is found at its step, a flat or a
falling series has none, and the test (z, BH, the onset's bootstrap interval) matches an
independent computation (math.erfc, audit_stats.bh_qvalues, a loop over replicates)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.metrics.dynamics_data import dynamics_options, write_verl_dumps
from traceanalysis.audit_stats import bh_qvalues
from traceanalysis.metrics.dynamics import SeriesBoot
from traceanalysis.metrics.onsets import FDR, ONSET_COLUMNS, detect_onset, onsets_table
from traceanalysis.pipeline import analyze

PLANTED = (
    "reflection_simplerl_per_1k",
    "reflection_kim2025_per_1k",
    "behavior_verification_present",
)


def test_planted_onset_found_at_its_step(dumps) -> None:
    onsets = dumps.tables["onsets"]
    assert list(onsets.columns) == ONSET_COLUMNS
    assert set(onsets["run"]) == {"grpo-run"} and (onsets["first_step"] == 0).all()
    got = onsets.set_index("feature")
    for feature in PLANTED:
        row = got.loc[feature]
        assert row["onset_step"] == 30, feature
        assert row["lo"] <= 30 <= row["hi"]
        assert row["q_value"] <= FDR
    # the steps table agrees: zero reflection before step 30, clearly above after
    steps = dumps.tables["steps"]
    rate = steps[steps["metric"] == PLANTED[0]].set_index("step")
    assert (rate.loc[[0, 10, 20], "value"] == 0).all() and rate.loc[30, "lo"] > 0
    # features never seen in any response have no onset
    never = [
        f for f in got.index if f.endswith("_present") and f.startswith("behavior_")
        and steps.loc[steps["metric"] == f, "value"].max() == 0
    ]  # fmt: skip
    assert never and got.loc[never, "onset_step"].isna().all()


def test_no_onset_is_none(tmp_path) -> None:
    """Two series in one runs folder: reflection flat at 40%, and reflection in every
    response of the first two steps only (falling)."""
    runs = tmp_path / "runs"
    write_verl_dumps(runs / "flat", onset=None, p_wait_before=0.4, trend=False, seed=11)
    write_verl_dumps(runs / "falling", onset=0, p_wait=0.0, trend=False)
    for step in (0, 10):  # plant reflection in every early response
        path = runs / "falling" / f"{step}.jsonl"
        text = path.read_text().replace("The answer", "Wait, let me check this again. The answer")
        path.write_text(text)
    tables = analyze(runs, dynamics_options(tmp_path)).tables
    assert set(tables["steps"]["run"]) == {"flat", "falling"}
    onsets = tables["onsets"].set_index(["run", "feature"])
    for series in ("flat", "falling"):
        for feature in PLANTED:
            row = onsets.loc[(series, feature)]
            assert pd.isna(row["onset_step"]), (series, feature)
            assert pd.isna(row["lo"]) and pd.isna(row["hi"])
    rate = tables["steps"].query("run == 'falling' and metric == @PLANTED[0]").set_index("step")
    assert rate.loc[10, "value"] > 0 and (rate.loc[[20, 30, 40], "value"] == 0).all()


def _p(diff: float, se: float) -> float:
    if not np.isfinite(diff) or not np.isfinite(se):
        return 1.0
    if se == 0:
        return 0.0 if diff > 0 else 1.0
    return 0.5 * math.erfc(diff / se / math.sqrt(2))


def _first(p: list[float]) -> int:
    q = bh_qvalues(np.array(p))
    hits = [j for j, v in enumerate(q) if v <= FDR]
    return hits[0] if hits else -1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_detect_onset_against_loops(seed: int) -> None:
    rng = np.random.default_rng(seed)
    steps = [0, 5, 10, 15, 20, 25]
    truth = np.array([1.0, 1.0, 1.1, 1.6, 2.0, 2.1])
    boot = truth + rng.normal(0, 0.2, size=(400, len(steps)))
    point = truth + rng.normal(0, 0.05, size=len(steps))
    got = detect_onset(point, boot, steps)
    reps = boot[:, 1:] - boot[:, [0]]
    se = [float(np.std(reps[:, j], ddof=1)) for j in range(reps.shape[1])]
    first = _first([_p(point[j + 1] - point[0], se[j]) for j in range(len(se))])
    assert first >= 0
    assert got["onset_step"] == steps[first + 1]
    assert got["q_value"] == pytest.approx(bh_qvalues(np.array(
        [_p(point[j + 1] - point[0], se[j]) for j in range(len(se))]))[first])  # fmt: skip
    firsts = [_first([_p(r[j], se[j]) for j in range(len(se))]) for r in reps]
    index = sorted(f + 1 if f >= 0 else len(steps) for f in firsts)  # none: after the last
    lo = index[math.floor(0.025 * (len(index) - 1))]
    hi = index[math.ceil(0.975 * (len(index) - 1))]
    assert got["lo"] == (steps[lo] if lo < len(steps) else pd.NA)
    assert (got["hi"] is pd.NA) if hi >= len(steps) else got["hi"] == steps[hi]


def test_flat_falling_and_undefined_series_have_no_onset() -> None:
    rng = np.random.default_rng(3)
    steps = [0, 1, 2, 3]
    flat = np.full(4, 2.0)
    same = detect_onset(flat, np.tile(flat, (100, 1)), steps)  # identical steps, se 0
    assert same["onset_step"] is pd.NA and same["lo"] is pd.NA
    falling = np.array([3.0, 2.0, 1.0, 0.5])
    down = detect_onset(falling, falling + rng.normal(0, 0.1, (200, 4)), steps)
    assert down["onset_step"] is pd.NA
    nan = detect_onset(np.full(4, np.nan), np.full((50, 4), np.nan), steps)
    assert nan["onset_step"] is pd.NA
    assert detect_onset(np.ones(1), np.ones((5, 1)), [0])["onset_step"] is pd.NA


def test_onsets_table_rows_per_feature() -> None:
    steps = [0, 10]
    point = np.array([[0.0, 5.0], [0.1, 0.1], [3.0, 4.0]])
    boot = point[None, :, :] + np.random.default_rng(0).normal(0, 0.1, (50, 3, 2))
    sb = SeriesBoot("s", steps, ["a_per_1k", "behavior_x_present", "tokens_mean"], point, boot,
                    np.ones((3, 2), dtype=int))  # fmt: skip
    table = onsets_table([sb])
    assert list(table["feature"]) == ["a_per_1k", "behavior_x_present"]  # not the length
    assert table.set_index("feature").loc["a_per_1k", "onset_step"] == 10
    assert pd.isna(table.set_index("feature").loc["behavior_x_present", "onset_step"])
