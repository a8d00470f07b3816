"""The bundled lab models load offline and behave like the recipe says."""

from __future__ import annotations

import json

import pytest
import torch

from traceanalysis.lab.demo import DEMO_RUNS, MODELS_DIR, SERIES
from traceanalysis.lab.model import load_model, sample
from traceanalysis.lab.tasks import held_out_problems, reward

CHECKPOINTS = [name for name in DEMO_RUNS if (MODELS_DIR / name / "checkpoint.json").exists()]
FINAL = [name for name in DEMO_RUNS if name not in CHECKPOINTS]


@pytest.mark.parametrize("name", FINAL)
def test_bundled_model_loads_with_logs(name: str) -> None:
    folder = MODELS_DIR / name
    model, tok = load_model(folder)
    assert 100_000 < sum(p.numel() for p in model.parameters()) < 5_000_000
    assert tok.decode(tok("\\boxed{0482}")["input_ids"]) == "\\boxed{0482}"
    summary = json.loads((folder / "train_summary.json").read_text())
    assert set(summary["greedy_accuracy_by_level"]) == {"ops1", "ops3", "ops5", "ops7", "new3"}
    assert (folder / "train_log.csv").stat().st_size > 0


def test_bundled_checkpoints_are_the_demo_series() -> None:
    assert CHECKPOINTS == ["rlvr-step20", "rlvr-step40", "rlvr-step60", "rlvr-step80"]
    for name in CHECKPOINTS:
        info = json.loads((MODELS_DIR / name / "checkpoint.json").read_text())
        assert (info["series"], info["step"]) == SERIES[name]
        model, _ = load_model(MODELS_DIR / name)
        assert 100_000 < sum(p.numel() for p in model.parameters()) < 5_000_000
    summary = json.loads((MODELS_DIR / "rlvr" / "train_summary.json").read_text())
    assert ("rlvr", summary["step"]) == SERIES["rlvr"]
    assert summary["checkpoints"] == [SERIES[name][1] for name in CHECKPOINTS]


def test_bundled_weights_fit_the_size_budget() -> None:
    total = sum(f.stat().st_size for f in MODELS_DIR.rglob("*") if f.is_file())
    assert total < 25 * 2**20


def test_base_solves_easy_held_out_problems_greedily() -> None:
    torch.set_num_threads(1)
    model, tok = load_model(MODELS_DIR / "base")
    problems = [p for p in held_out_problems(8) if p.level == "ops1"]
    outs = sample(model, tok, [p.prompt for p in problems], max_new_tokens=40, greedy=True)
    assert sum(reward(o, p.answer) for o, p in zip(outs, problems, strict=True)) >= 6
    assert outs[0].startswith(problems[0].start + " " + problems[0].ops[0] + ">")
