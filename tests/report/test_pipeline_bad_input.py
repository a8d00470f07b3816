"""Bad input and edge cases: zero correct, one run, missing problems, ungraded runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pipeline_runs import write_runs

from traceanalysis.errors import InputError
from traceanalysis.pipeline import ReportOptions, analyze, build_report


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One grade/stage cache for the module: the variants share most (answer, gold) pairs."""
    return str(tmp_path_factory.mktemp("cache") / "cache.sqlite")


def _opts(cache: str, **kw: object) -> ReportOptions:
    return ReportOptions(
        cache=cache, quiet=True, n_boot=100, max_examples=3, grade_timeout=30.0, **kw
    )


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory, cache: str):  # noqa: ANN201
    """Three runs: the RL run lacks problems p0 and p1, the distilled run has no gold."""
    root = tmp_path_factory.mktemp("mixed")
    runs = write_runs(
        root / "runs", n_problems=6, n_samples=3,
        missing={"qwen-zero-rl": [0, 1]}, no_gold=("qwen-distill",),
    )  # fmt: skip
    return analyze(runs, _opts(cache))


def test_missing_problems_use_the_intersection_and_say_what_was_dropped(mixed) -> None:  # noqa: ANN001
    a = mixed
    assert set(a.samples["problem_id"]) == {"p2", "p3", "p4", "p5"}
    assert len(a.samples) == 3 * 4 * 3
    notes = " ".join(a.notes["data"])
    assert "4 problems present in every run" in notes and "2 problem(s)" in notes
    assert "qwen-base: dropped 2 problem(s), 6 response(s) (e.g. p0, p1)" in notes
    assert a.dropped["by_run"]["qwen-distill"]["responses"] == 6
    assert "qwen-zero-rl" not in a.dropped["by_run"]


def test_ungraded_run_is_kept_and_named(mixed) -> None:  # noqa: ANN001
    a = mixed
    distill = a.samples[a.samples["run"] == "qwen-distill"]
    assert distill["correct"].isna().all() and (distill["grade_status"] == "ungraded").all()
    assert any("qwen-distill could not be graded" in s for s in a.findings["data"])
    assert "transitions_qwen-distill" not in a.tables
    assert (
        not (a.tables["audit"]["run"] == "qwen-distill").any()
        or (a.tables["audit"].loc[a.tables["audit"]["run"] == "qwen-distill", "n"] == 0).all()
    )
    assert np.isfinite(a.tables["accuracy"].set_index("run").at["qwen-base", "pass@1"])


def test_zero_correct_run_and_single_run_report(tmp_path: Path, cache: str) -> None:
    runs = write_runs(
        tmp_path / "runs", {"solo-zero": "rl"}, n_problems=6, n_samples=3, skill={"solo-zero": -5.0}
    )
    index = build_report(runs, tmp_path / "out", _opts(cache))
    out = index.parent
    acc = pd.read_csv(out / "tables" / "accuracy.csv")
    assert acc["pass@1"].tolist() == [0.0]
    audit = pd.read_csv(out / "tables" / "audit.csv")
    assert (audit["n_correct"] == 0).all() and audit["coef_fe"].isna().all()
    assert audit["verdict"].str.startswith("cannot tell").all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["reference"] == "solo-zero" and len(manifest["runs"]) == 1
    assert not any(p.name.startswith("transitions_") for p in (out / "tables").iterdir())


def test_no_run_graded_still_reports_language_and_behaviours(tmp_path: Path, cache: str) -> None:
    runs = write_runs(tmp_path / "runs", n_problems=4, n_samples=2, no_gold=tuple(
        ["qwen-base", "qwen-zero-rl", "qwen-distill"]))  # fmt: skip
    a = analyze(runs, _opts(cache))
    assert a.reference is None
    assert "accuracy" not in a.tables and "behaviors" in a.tables
    assert any("no gold answers" in n for n in a.notes["accuracy"])
    assert a.findings["accuracy"][-1].startswith("No accuracy could be computed")


def test_unusable_input_is_an_input_error(tmp_path: Path, cache: str) -> None:
    with pytest.raises(InputError, match="no such"):
        analyze(tmp_path / "nope", _opts(cache))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError):
        analyze(tmp_path / "empty", _opts(cache))
