"""The report pipeline end to end on a small base / RL / distilled runs folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pipeline_runs import write_runs

from traceanalysis.pipeline import ReportOptions, analyze, build_report
from traceanalysis.report.samples_out import select_examples
from traceanalysis.report.tables import write_tables


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One runs folder, one cache and one built report, shared by this module's tests."""
    root = tmp_path_factory.mktemp("pipeline")
    runs = write_runs(root / "runs", n_problems=10, n_samples=4)
    cache = root / "cache" / "cache.sqlite"
    out = root / "report"
    options = ReportOptions(
        cache=str(cache), quiet=True, n_boot=200, max_examples=5, grade_timeout=30.0
    )
    index = build_report(runs, out, options)
    return {"root": root, "runs": runs, "cache": cache, "out": out, "index": index}


def _options(shared: dict[str, Path], **kw: object) -> ReportOptions:
    return ReportOptions(
        cache=str(shared["cache"]), quiet=True, n_boot=200, max_examples=5, grade_timeout=30.0, **kw
    )


def test_report_folder_layout(shared: dict[str, Path]) -> None:
    out = shared["out"]
    assert shared["index"] == out / "index.html"
    for name in ("samples.parquet", "manifest.json", "tables", "figures"):
        assert (out / name).exists(), name
    tables = {p.stem for p in (out / "tables").glob("*.csv")}
    assert {
        "accuracy",
        "passk",
        "difficulty",
        "entropy",
        "behaviors",
        "audit",
        "flexible",
    } <= tables
    assert {"transitions_qwen-zero-rl", "transitions_qwen-distill"} <= tables
    for name in tables:
        assert (out / "tables" / f"{name}.tex").read_text().count("\\toprule") == 1
    samples = pd.read_parquet(out / "samples.parquet")
    assert len(samples) == 3 * 10 * 4
    for col in ("correct", "grade_status", "difficulty_bin", "behavior_verification_count"):
        assert col in samples.columns
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["responses"] == 120
    assert manifest["rejected_rows"]["total"] == 0
    assert manifest["versions"]["pandas"] == pd.__version__
    assert {i["run"] for i in manifest["inputs"]} == {"qwen-base", "qwen-zero-rl", "qwen-distill"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["judge"]["option"] == "none" and manifest["seeds"]["bootstrap"] == 0


def test_roles_lead_the_comparisons_and_findings_quote_tables(shared: dict[str, Path]) -> None:
    a = analyze(shared["runs"], _options(shared))
    assert [r.name for r in a.runs] == ["qwen-base", "qwen-zero-rl", "qwen-distill"]
    assert a.reference == "qwen-base"
    lead = a.findings["accuracy"][0]
    assert lead.startswith("Comparisons: qwen-zero-rl vs qwen-base; qwen-distill vs qwen-zero-rl")
    acc = a.tables["accuracy"].set_index("run")
    pct = f"{100 * acc.at['qwen-base', 'pass@1']:.1f}%"
    assert any(s.startswith(f"qwen-base: accuracy (pass@1) {pct}") for s in a.findings["accuracy"])
    assert any("qwen-distill (distilled)" in s for s in a.findings["flexible"])
    assert set(a.findings) == {
        "data",
        "accuracy",
        "difficulty",
        "language",
        "behaviors",
        "flexible",
        "dynamics",
        "score",
        "audit",
    }


def test_rerun_gives_identical_tables(shared: dict[str, Path]) -> None:
    out2 = shared["root"] / "rerun_tables"
    rerun = analyze(shared["runs"], _options(shared, stage_cache=False))  # every stage recomputed
    assert not any(s.get("cached") for s in rerun.stages.values())
    write_tables(rerun.tables, out2)
    for path in sorted((shared["out"] / "tables").glob("*.*")):
        assert path.read_bytes() == (out2 / path.name).read_bytes(), path.name


def test_changed_option_recomputes_only_dependent_stages(shared: dict[str, Path]) -> None:
    warm = analyze(shared["runs"], _options(shared))
    assert all(s["cached"] for s in warm.stages.values() if "cached" in s)
    reseeded = analyze(shared["runs"], _options(shared, seed=1))
    cached = {k: v["cached"] for k, v in reseeded.stages.items()}
    assert cached["audit"] is False
    for name in ("accuracy", "passk", "comparisons", "crossing", "difficulty_table"):
        assert cached[name] is False, name  # the seed of its bootstrap CIs changed
    assert all(cached[k] for k in ("load", "grade", "difficulty", "behaviors", "lexical"))
    assert all(cached[k] for k in ("support", "entropy", "transitions", "word_freq"))
    rebased = analyze(shared["runs"], _options(shared, reference="qwen-zero-rl"))
    cached = {k: v["cached"] for k, v in rebased.stages.items()}
    assert cached["load"] and cached["grade"] and cached["behaviors"]
    assert not cached["difficulty"] and not cached["accuracy"] and not cached["audit"]
    assert rebased.reference == "qwen-zero-rl"
    assert rebased.findings["accuracy"][0].startswith("Comparisons: qwen-zero-rl vs qwen-base")


def test_changed_input_file_invalidates_load(shared: dict[str, Path], tmp_path: Path) -> None:
    runs = write_runs(tmp_path / "runs", n_problems=10, n_samples=4)
    first = analyze(runs, _options(shared))
    # same content as the shared runs folder, but at another path: loaded again, so the
    # paths recorded are this folder's, and the tables are the same
    assert first.stages["load"]["cached"] is False
    files = {str(f) for r in first.runs for f in r.files}
    assert files and all(f.startswith(str(runs)) for f in files)
    assert set(first.samples["source_file"].dropna()) <= files
    shared_run = analyze(shared["runs"], _options(shared))
    pd.testing.assert_frame_equal(first.tables["accuracy"], shared_run.tables["accuracy"])
    assert analyze(runs, _options(shared)).stages["load"]["cached"] is True
    path = runs / "qwen-base" / "samples.jsonl"
    path.write_text(path.read_text().replace("\\boxed{7}", "\\boxed{8}", 1))
    second = analyze(runs, _options(shared))
    assert second.stages["load"]["cached"] is False and second.stages["grade"]["cached"] is False
    assert second.stages["behaviors"]["cached"] is False


def test_select_examples_caps_and_is_seeded() -> None:
    df = pd.DataFrame(
        {
            "run": ["a"] * 30 + ["b"] * 5,
            "problem_id": [f"p{i % 6}" for i in range(35)],
            "sample_idx": list(range(35)),
            "correct": pd.array([i % 3 == 0 for i in range(35)], dtype="boolean"),
        }
    )
    ex = select_examples(df, 8, seed=3)
    assert ex["run"].value_counts().to_dict() == {"a": 8, "b": 5}
    a = ex[ex["run"] == "a"]
    assert a["correct"].sum() >= 3 and (~a["correct"]).sum() >= 3  # both strata shown
    pd.testing.assert_frame_equal(ex, select_examples(df, 8, seed=3))
    assert select_examples(df, 0).empty
