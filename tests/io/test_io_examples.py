"""The example runs shipped in examples/runs load cleanly and are reproducible."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from traceanalysis.io import load_runs

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_example_runs_load() -> None:
    df = load_runs(EXAMPLES / "runs")
    runs = df.attrs["runs"]
    assert {n: (i.role, i.role_guessed, i.format) for n, i in runs.items()} == {
        "base": ("base", False, "native"),
        "distill": ("distilled", False, "native"),
        "zero-rl": ("rl", False, "qwen_math"),
    }
    assert df.groupby("run").size().to_dict() == {"base": 160, "distill": 160, "zero-rl": 160}
    assert df.groupby(["run", "problem_id"]).size().eq(8).all()
    assert df.attrs["rejections"] == []
    distill = df[df["run"] == "distill"]
    assert distill["reasoning"].notna().all()
    assert distill["truncated"].sum() == (distill["finish_reason"] == "length").sum() > 0


def test_generator_is_seeded(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_example_runs", EXAMPLES / "make_example_runs.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    module.build(tmp_path)
    for name in ("base/samples.jsonl", "zero-rl/math_eval.jsonl", "base/run.json"):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / "runs" / name).read_bytes()
    fresh = load_runs(tmp_path / "distill")
    shipped = load_runs(EXAMPLES / "runs" / "distill")
    assert fresh.drop(columns="source_file").equals(shipped.drop(columns="source_file"))
