"""``--judge``: the pipeline runs the LLM judge (a real local fake OpenAI server) and the
report carries judge labels, judge-vs-rules agreement and the judge's identity."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pipeline_runs import write_runs

from traceanalysis.pipeline import ReportOptions, analyze
from traceanalysis.report.assemble import report_context

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "behaviors"))
from fake_openai import FakeOpenAI  # noqa: E402


def test_judge_labels_flow_into_tables_findings_and_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = write_runs(
        tmp_path / "runs", {"m-base": "base", "m-rl": "rl"}, n_problems=3, n_samples=2
    )
    options = ReportOptions(
        cache=str(tmp_path / "c" / "cache.sqlite"), quiet=True, n_boot=50, grade_timeout=30.0,
        judge="openai:fake-judge",
    )  # fmt: skip
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        a = analyze(runs, options)
        assert len(server.requests) > 0
        calls = len(server.requests)
        again = analyze(runs, options)  # judge stage from the stage cache: no new call
        assert len(server.requests) == calls and again.stages["judge"]["cached"] is True
    for col in ("judge_verification_present", "judge_status", "judge_id"):
        assert col in a.samples.columns
    assert a.stages["judge"]["cached"] is False
    beh = a.tables["behaviors"]
    assert {"judge_share_present", "kappa", "n_both"} <= set(beh.columns)
    assert any("Cohen's kappa" in s for s in a.findings["behaviors"])
    assert "(judge)" in " ".join(a.tables["flexible"]["label"])
    assert any(f.startswith("judge_") for f in a.tables["audit"]["feature"])
    ctx = report_context(a, [], options, title="t")
    assert ctx.manifest["judge"]["option"] == "openai:fake-judge"
    assert ctx.manifest["judge"]["ids"] and "fake-judge" in ctx.manifest["judge"]["ids"][0]
