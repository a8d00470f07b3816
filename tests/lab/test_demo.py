"""A reduced demo end to end: bundled models -> generate -> report, and its helpers."""

from __future__ import annotations

import json

import pandas as pd

from traceanalysis.lab.demo import (
    DEMO_RUNS,
    SERIES,
    DemoOptions,
    generate_runs,
    level_table,
    markdown_table,
    run_demo,
    write_benchmark,
)
from traceanalysis.lab.tasks import LEVELS, Problem


def test_benchmark_file_holds_held_out_problems(tmp_path) -> None:
    path = write_benchmark(tmp_path / "b.jsonl", 3)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 3 * len(LEVELS)
    assert rows[0]["problem_id"] == "ops1-000" and rows[3]["problem_id"] == "ops3-000"
    for row in rows:
        start = row["prompt"].split(" to ")[1].rstrip(".")
        ops = tuple(row["prompt"][len("Apply ") :].split(" to ")[0].split(", "))
        assert Problem(start, ops).answer == row["gold"]


def test_level_table_matches_hand_computation() -> None:
    # problem a: 2 of 4 correct; problem b: 0 of 4 -> pass@1 = (0.5 + 0) / 2, pass@2 = (1 - 1/6 + 0) / 2
    samples = pd.DataFrame(
        {
            "run": ["base"] * 8,
            "problem_id": ["ops1-000"] * 4 + ["ops1-001"] * 4,
            "correct": [True, True, False, False] + [False] * 4,
        }
    )
    table = level_table(samples, ks=(1, 2))
    assert table.loc[0, "pass@1"] == 0.25
    assert table.loc[0, "pass@2"] == round((1 - 1 / 6) / 2, 3)
    assert markdown_table(table).startswith("| run | level | n_problems | pass@1 | pass@2 |")


def test_reduced_demo_end_to_end_is_deterministic(tmp_path) -> None:
    # a checkpoint, the series' last step, and one run outside the series keep it short
    runs_used = ("base", "rlvr-step20", "rlvr", "distill-patterns")
    options = DemoOptions(
        per_level=1, n=2, max_new_tokens=160, batch_size=16, quiet=True, runs=runs_used
    )
    index = run_demo(tmp_path / "a", options)
    assert index.is_file() and (tmp_path / "a" / "report.md").is_file()
    runs = tmp_path / "a" / "runs"
    assert sorted(p.name for p in runs.iterdir()) == sorted(runs_used)
    for name in runs_used:
        role = DEMO_RUNS[name]
        info = json.loads((runs / name / "run.json").read_text())
        assert info["role"] == role
        # checkpoint runs of the GRPO run carry their step and series; the others none
        assert (info.get("series"), info.get("step")) == SERIES.get(name, (None, None))
        lines = (runs / name / "samples.jsonl").read_text().splitlines()
        assert len(lines) == len(LEVELS) * 2
    levels = pd.read_csv(tmp_path / "a" / "lab_levels.csv")
    assert set(levels["run"]) == set(runs_used) and set(levels["level"]) == set(LEVELS)
    # base solves the one-operation problem at least once in two samples
    base_ops1 = levels[(levels["run"] == "base") & (levels["level"] == "ops1")]
    assert base_ops1["pass@2"].iloc[0] > 0
    generate_runs(tmp_path / "b", options)  # the same seeds give the same samples
    for name in runs_used:
        a = (runs / name / "samples.jsonl").read_text()
        b = (tmp_path / "b" / "runs" / name / "samples.jsonl").read_text()
        assert a == b
