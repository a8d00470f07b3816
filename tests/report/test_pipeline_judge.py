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


def _options(tmp_path: Path, **judge_options: object) -> ReportOptions:
    return ReportOptions(
        cache=str(tmp_path / "c" / "cache.sqlite"), quiet=True, n_boot=50, grade_timeout=30.0,
        judge="openai:fake-judge",
        judge_options={"behaviors": ("verification",), "backoff_base": 0.01, **judge_options},
    )  # fmt: skip


def test_failed_labels_are_said_and_retried_on_the_next_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = write_runs(tmp_path / "runs", {"m-base": "base", "m-rl": "rl"}, n_problems=2,
                      n_samples=2)  # fmt: skip
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    script = [("maybe",), ("truncated",), ("parts",), ("garbage_json",), ("500",)]
    with FakeOpenAI(script=script) as server:
        options = _options(tmp_path, base_url=server.url, concurrency=1, max_attempts=1)
        first = analyze(runs, options)
        meta = first.samples.attrs["judge"]
        n_labels, n_failed = meta["n_labels"], meta["n_failed"]
        assert n_failed == 4 and len(server.requests) == n_labels  # "parts" is a label
        assert first.stages["judge"]["cached"] is False
        (note,) = [n for n in first.notes["behaviors"] if "judge labels failed" in n]
        assert note.startswith(f"4 of {n_labels} judge labels failed (most common: ")
        ctx = report_context(first, [], options, title="t")
        assert ctx.manifest["judge"]["n_failed"] == 4
        assert ctx.manifest["judge"]["label_status"] == {"failed": 4, "ok": n_labels - 4}
        second = analyze(runs, options)  # not stage-cached: asks again, only for the four
        assert len(server.requests) == n_labels + 4
        assert second.stages["judge"]["cached"] is False
        assert second.samples.attrs["judge"]["n_failed"] == 0
        assert second.samples.attrs["judge"]["n_cached"] == n_labels - 4
        assert not any("judge labels failed" in n for n in second.notes.get("behaviors", []))
        # what read the incomplete labels is not reused once they are complete
        for name in ("behaviors_table", "audit"):
            assert second.stages[name]["cached"] is False, name
        assert first.keys["judge"] != second.keys["judge"]
        third = analyze(runs, options)  # complete now: the stage cache answers
        assert len(server.requests) == n_labels + 4 and third.stages["judge"]["cached"] is True
        assert third.keys["judge"] == second.keys["judge"]
        for name in ("behaviors_table", "audit"):
            assert third.stages[name]["cached"] is True, name
    share = second.tables["behaviors"].set_index(["run", "behavior"])["judge_share_present"]
    expected = second.samples.groupby("run")["judge_verification_present"].mean()
    for run, value in expected.items():
        assert share[(run, "verification")] == pytest.approx(value)
    labelled = second.samples["judge_verification_present"]
    assert labelled.notna().all() and (second.samples["judge_status"] == "ok").all()


def test_a_changed_endpoint_recomputes_the_judge_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = write_runs(tmp_path / "runs", {"m-base": "base"}, n_problems=2, n_samples=2)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    with FakeOpenAI() as one, FakeOpenAI() as two:
        monkeypatch.setenv("OPENAI_BASE_URL", one.url)
        a = analyze(runs, _options(tmp_path))
        n = len(one.requests)
        assert n > 0 and analyze(runs, _options(tmp_path)).stages["judge"]["cached"] is True
        monkeypatch.setenv("OPENAI_BASE_URL", two.url)  # same --judge spec, another server
        b = analyze(runs, _options(tmp_path))
        assert len(two.requests) == n and b.stages["judge"]["cached"] is False
        c = analyze(runs, _options(tmp_path, base_url=one.url))  # --judge-base-url wins
        assert c.stages["judge"]["cached"] is True and len(one.requests) == n
        d = analyze(runs, _options(tmp_path, base_url=one.url, max_tokens=99))
        assert d.stages["judge"]["cached"] is False and len(one.requests) == 2 * n
        assert {r["max_tokens"] for r in one.requests[n:]} == {99}
    assert a.samples["judge_id"].iloc[0] == f"openai:fake-judge@{one.url}"
    assert b.samples["judge_id"].iloc[0] == f"openai:fake-judge@{two.url}"


def test_report_command_takes_the_judge_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from traceanalysis.cli import main

    runs = write_runs(tmp_path / "runs", {"m-base": "base"}, n_problems=2, n_samples=1)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    out = tmp_path / "report"
    with FakeOpenAI(script=[("truncated",)]) as server:
        args = ["report", str(runs), "--out", str(out), "--quiet", "--cache",
                str(tmp_path / "c.sqlite"), "--judge", "openai:fake-judge",
                "--judge-base-url", server.url, "--judge-behaviors", "verification",
                "--judge-max-tokens", "77", "--judge-concurrency", "1"]  # fmt: skip
        assert main(args) == 0
        assert len(server.requests) == 2
        assert {r["max_tokens"] for r in server.requests} == {77}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["judge"]["n_failed"] == 1 and manifest["judge"]["n_labels"] == 2
    assert manifest["options"]["judge_options"]["base_url"] == server.url
    assert "1 judge label(s) failed; rerun to retry them" in capsys.readouterr().err
    text = (out / "report.md").read_text()
    assert "1 of 2 judge labels failed (most common: 1 x unusable answer: answer cut off" in text
    assert main([*args[:-2], "--judge-max-tokens", "0"]) == 2  # checked before loading
