"""Self-distillation: the table against brute force, and a tiny end-to-end run."""

from __future__ import annotations

import itertools
import json
import random

import numpy as np
import pandas as pd
import pytest
import torch

from traceanalysis.lab.demo import DemoOptions
from traceanalysis.lab.self_distill import (
    EVAL_RUNS,
    SelfDistillOptions,
    data_summary,
    pool_problems,
    run_self_distill,
)
from traceanalysis.lab.self_distill_table import paired_difference, self_distill_table, verdict
from traceanalysis.lab.tasks import HELD_OUT_KEYS, LEVELS, terse_solution


def brute_pass_at_k(outcomes: list[bool], k: int) -> float:
    """Share of all k-subsets of the samples that hold a correct one (no formula)."""
    subsets = list(itertools.combinations(outcomes, k))
    return sum(any(s) for s in subsets) / len(subsets)


def synthetic_samples(seed: int = 3) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for run, skill in (("sd-rlvr", 0.7), ("sd-base", 0.4)):
        for level in ("ops1", "ops5"):
            for i in range(6):
                p = skill * (1.0 if level == "ops1" else 0.5)
                for j in range(5):
                    rows.append(
                        {
                            "run": run,
                            "problem_id": f"{level}-{i:03d}",
                            "sample_idx": j,
                            "correct": rng.random() < p,
                        }
                    )
    return pd.DataFrame(rows)


def test_table_values_match_brute_force() -> None:
    samples = synthetic_samples()
    labels = {"sd-rlvr": "rlvr's", "sd-base": "base's"}
    table = self_distill_table(samples, labels, k=3)
    assert list(table.columns) == [
        "student", "teacher_data", "level", "n_problems", "n_samples",
        "pass@1", "pass@1_lo", "pass@1_hi", "pass@3", "pass@3_lo", "pass@3_hi",
    ]  # fmt: skip
    assert table[["student", "level"]].values.tolist() == [
        [run, level] for run in labels for level in ("all", "ops1", "ops5")
    ]
    for row in table.itertuples(index=False):
        mine = samples[samples["run"] == row.student]
        if row.level != "all":
            mine = mine[mine["problem_id"].str.startswith(row.level)]
        per_problem = [g["correct"].tolist() for _, g in mine.groupby("problem_id")]
        assert row.n_problems == len(per_problem) and row.n_samples == len(mine)
        for k, value in ((1, row[5]), (3, row[8])):
            expected = np.mean([brute_pass_at_k(o, k) for o in per_problem])
            assert value == pytest.approx(expected, abs=1e-4)
        assert row[6] <= row[5] <= row[7] and row[9] <= row[8] <= row[10]


def test_bootstrap_ci_is_close_to_an_independent_resampling() -> None:
    samples = synthetic_samples()
    table = self_distill_table(samples, {"sd-rlvr": "x"}, k=3)
    row = table[table["level"] == "all"].iloc[0]
    mine = samples[samples["run"] == "sd-rlvr"]
    rates = mine.groupby("problem_id")["correct"].mean().to_numpy()
    rng = np.random.default_rng(123)
    means = [rates[rng.integers(0, len(rates), len(rates))].mean() for _ in range(20000)]
    lo, hi = np.quantile(means, [0.025, 0.975])
    assert row["pass@1_lo"] == pytest.approx(lo, abs=0.04)
    assert row["pass@1_hi"] == pytest.approx(hi, abs=0.04)


def test_paired_difference_and_verdict() -> None:
    samples = synthetic_samples()
    diff = paired_difference(samples, "sd-rlvr", "sd-base", 3)
    a = samples[samples["run"] == "sd-rlvr"].groupby("problem_id")["correct"].mean()
    b = samples[samples["run"] == "sd-base"].groupby("problem_id")["correct"].mean()
    assert diff["n_problems"] == 12
    assert diff["delta_pass@1"] == pytest.approx((a - b).mean(), abs=1e-4)
    assert diff["delta_pass@1_lo"] <= diff["delta_pass@1"] <= diff["delta_pass@1_hi"]
    ahead = {"delta_pass@1": 0.2, "delta_pass@1_lo": 0.1, "delta_pass@1_hi": 0.3}
    assert verdict(ahead).startswith("agrees")
    behind = {"delta_pass@1": -0.2, "delta_pass@1_lo": -0.3, "delta_pass@1_hi": -0.1}
    assert verdict(behind).startswith("disagrees")
    assert verdict({**ahead, "delta_pass@1_lo": -0.01}).startswith("does not reproduce")


def test_pool_is_seeded_and_never_held_out() -> None:
    a, b = pool_problems(200, 5), pool_problems(200, 5)
    assert [p.key for p in a] == [p.key for p in b]
    assert not any(p.key in HELD_OUT_KEYS for p in a)
    assert {len(p.ops) for p in a} == {1, 2, 3, 4, 5}
    stats = data_summary([(p, terse_solution(p, random.Random(0))) for p in a[:10]])
    assert stats["examples"] == 10 and stats["share_identical_to_terse_solution"] == 1.0


def test_tiny_self_distill_run_writes_table_report_and_runs(tmp_path) -> None:
    torch.set_num_threads(1)
    evaluation = DemoOptions(per_level=1, n=2, max_new_tokens=120, batch_size=32, quiet=True)
    options = SelfDistillOptions(
        pool=16, examples=4, steps=2, teacher_max_new=70, evaluation=evaluation, quiet=True
    )
    summary = run_self_distill(tmp_path, options)
    table = pd.read_csv(tmp_path / "self_distill.csv")
    assert list(table["student"].unique()) == list(EVAL_RUNS)
    assert set(table["level"]) == {"all", *LEVELS}
    overall = table[table["level"] == "all"]
    assert (overall["n_problems"] == len(LEVELS)).all() and (overall["n_samples"] == 10).all()
    assert ((overall["pass@1_lo"] <= overall["pass@1"]) & (overall["pass@1"] <= 1)).all()
    # both students saw the same number of examples and the same steps
    for student in ("sd-rlvr", "sd-base"):
        info = json.loads((tmp_path / "models" / student / "train_summary.json").read_text())
        assert info["examples"] == summary["data"]["base"]["examples"] <= 4
        assert len(pd.read_csv(tmp_path / "models" / student / "train_log.csv")) == 2
    for run, (_, role) in EVAL_RUNS.items():
        meta = json.loads((tmp_path / "runs" / run / "run.json").read_text())
        assert meta["role"] == role
    report = (tmp_path / "self_distill.md").read_text()
    assert "2505.14216" in report and "Time:" in report
    assert summary["seconds"]["total"] > 0 and "verdict" in summary
