"""The openai judge backend against a real local HTTP server speaking chat-completions."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from fake_openai import FakeOpenAI

from traceanalysis.behaviors import BEHAVIORS, JudgeConfig, judge_behaviors, plan_judge
from traceanalysis.behaviors.judge_cache import JudgeCache
from traceanalysis.errors import InputError


def frame(n: int = 6) -> pd.DataFrame:
    """Responses whose correct labels are known: count of '#B' markers."""
    texts = []
    for i in range(n):
        markers = " ".join(f"#{b}" for j, b in enumerate(BEHAVIORS) for _ in range((i + j) % 3))
        texts.append(f"response {i}: {markers}")
    return pd.DataFrame({"run": ["a", "b"] * (n // 2), "response": texts})


def config(server: FakeOpenAI, **kw) -> JudgeConfig:
    kw.setdefault("concurrency", 4)
    kw.setdefault("backoff_base", 0.01)
    return JudgeConfig("openai:fake-judge", base_url=server.url, **kw)


def test_labels_are_parsed_and_requests_are_deterministic():
    df = frame()
    with FakeOpenAI() as server:
        out = judge_behaviors(df, config(server))
        bodies = list(server.requests)
    assert len(bodies) == len(df) * len(BEHAVIORS)
    for i in range(len(df)):
        for j, b in enumerate(BEHAVIORS):
            expected = (i + j) % 3
            assert out[f"judge_{b}_count"].iloc[i] == expected
            assert out[f"judge_{b}_present"].iloc[i] == (expected > 0)
    assert out["judge_status"].tolist() == ["ok"] * len(df)
    assert out["judge_id"].iloc[0] == f"openai:fake-judge@{server.url}"
    assert str(out["judge_verification_present"].dtype) == "boolean"
    assert str(out["judge_verification_count"].dtype) == "Int64"
    assert {b["temperature"] for b in bodies} == {0.0} and {b["seed"] for b in bodies} == {0}
    assert all(b["response_format"]["type"] == "json_schema" for b in bodies)
    meta = out.attrs["judge"]
    assert meta["n_calls"] == meta["n_requests"] == len(bodies) and meta["n_cached"] == 0
    assert meta["prompt_version"] == "judge_v1" and meta["label_status"] == {"ok": len(bodies)}


def test_retries_429_retry_after_500_malformed_and_timeout():
    df = frame(2).iloc[[1]]
    script = [("429", 0.4), ("500",), ("malformed_body",), ("slow", 3.0)]
    with FakeOpenAI(script=script) as server:
        start = time.monotonic()
        out = judge_behaviors(
            df, config(server, concurrency=1, timeout=0.5, behaviors=("verification",))
        )
        elapsed = time.monotonic() - start
        n_requests = len(server.requests)
    assert n_requests == 5  # 4 scripted failures, then the answer
    assert out["judge_status"].tolist() == ["ok"]
    assert out["judge_verification_count"].tolist() == [1]
    assert out.attrs["judge"]["n_requests"] == 5
    assert elapsed >= 0.4 + 0.5  # waited Retry-After, and for the timeout


def test_hard_failure_is_a_status_not_a_default_and_is_retried_next_run():
    df = frame(2).iloc[[0]]
    opts = {"concurrency": 1, "max_attempts": 3, "behaviors": ("verification", "backtracking")}
    with FakeOpenAI(script=[("500",)] * 3) as server:
        out = judge_behaviors(df, config(server, **opts))
        assert len(server.requests) == 4  # 3 attempts for the first label, 1 for the second
        assert out["judge_status"].tolist() == ["failed"]
        assert out["judge_verification_present"].isna().all()
        assert out.attrs["judge"]["label_status"] == {"failed": 1, "ok": 1}
        assert "gave up after 3 attempts: HTTP 500" in out.attrs["judge"]["errors"][0]
        again = judge_behaviors(df, config(server, **opts))
        assert len(server.requests) == 5  # only the failed label was asked again
    assert again["judge_status"].tolist() == ["ok"]


def test_client_errors_are_not_retried():
    with FakeOpenAI(script=[("400",)]) as server:
        out = judge_behaviors(frame(2).iloc[[0]], config(server, behaviors=("verification",)))
        assert len(server.requests) == 1
    assert out["judge_status"].tolist() == ["failed"]


def test_rerun_makes_zero_calls_and_gives_identical_table():
    df = frame()
    with FakeOpenAI() as server:
        first = judge_behaviors(df, config(server))
        n = len(server.requests)
        second = judge_behaviors(df, config(server, concurrency=16))
        assert len(server.requests) == n
    pd.testing.assert_frame_equal(first, second)
    assert second.attrs["judge"]["n_calls"] == 0 and second.attrs["judge"]["n_cached"] == n
    assert JudgeCache().count(first["judge_id"].iloc[0]) == n


def test_plan_max_calls_and_partial_status():
    df = frame()
    with FakeOpenAI() as server:
        cfg = config(server, concurrency=1, max_calls=3)
        plan = plan_judge(df, cfg)
        assert (plan.n_labels, plan.n_cached, plan.n_calls, plan.n_capped) == (42, 0, 3, 39)
        assert plan.approx_prompt_tokens > 3 * 100 and plan.max_output_tokens == 3 * cfg.max_tokens
        assert len(server.requests) == 0  # planning never calls
        out = judge_behaviors(df, cfg)
        assert len(server.requests) == 3
    assert out["judge_status"].tolist() == ["partial"] + ["not_judged"] * 5
    assert plan_judge(df, cfg).n_cached == 3


def test_identical_responses_share_one_call():
    df = pd.DataFrame({"run": ["a"] * 3, "response": ["same #verification"] * 3})
    with FakeOpenAI() as server:
        out = judge_behaviors(df, config(server, behaviors=("verification",)))
        assert len(server.requests) == 1
    assert out["judge_verification_count"].tolist() == [1, 1, 1]


def test_sample_is_stratified_and_seeded():
    df = pd.DataFrame(
        {
            "run": ["a"] * 8 + ["b"] * 8,
            "correct": [True, False] * 8,
            "response": [f"r{i} #verification" for i in range(16)],
        }
    )
    with FakeOpenAI() as server:
        out = judge_behaviors(
            df, config(server, sample=4, sample_seed=7, behaviors=("verification",))
        )
        again = judge_behaviors(
            df, config(server, sample=4, sample_seed=7, behaviors=("verification",))
        )
    judged = out[out["judge_status"] == "ok"]
    assert len(judged) == 4
    assert judged.groupby(["run", "correct"]).size().tolist() == [1, 1, 1, 1]
    assert again["judge_status"].tolist() == out["judge_status"].tolist()


def test_missing_key_without_base_url(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(InputError, match="OPENAI_API_KEY"):
        judge_behaviors(frame(2), "openai:gpt-4o-mini")


def test_bad_judge_spec():
    with pytest.raises(InputError, match="openai:MODEL or hf:PATH"):
        judge_behaviors(frame(2), "gpt-4o")


def test_works_inside_a_running_event_loop():
    import asyncio

    df = frame(2)

    async def notebook_cell():
        with FakeOpenAI() as server:
            return judge_behaviors(df, config(server, behaviors=("verification",)))

    out = asyncio.run(notebook_cell())
    assert out["judge_status"].tolist() == ["ok", "ok"]
    assert out["judge_verification_count"].tolist() == [0, 1]


def test_edited_definition_is_a_new_cache_key(monkeypatch):
    import dataclasses

    import traceanalysis.behaviors.judge_setup as judge_module

    df = frame(2).iloc[[1]]
    opts = {"behaviors": ("verification",)}
    with FakeOpenAI() as server:
        judge_behaviors(df, config(server, **opts))
        shipped = judge_module.load_behaviors()
        edited = tuple(
            dataclasses.replace(b, definition=b.definition + " Also count unit checks.")
            if b.name == "verification"
            else b
            for b in shipped
        )  # same version string: only the text the judge sees changed
        monkeypatch.setattr(judge_module, "load_behaviors", lambda: edited)
        out = judge_behaviors(df, config(server, **opts))
        assert len(server.requests) == 2
        assert "Also count unit checks." in server.requests[-1]["messages"][-1]["content"]
    assert out.attrs["judge"]["n_cached"] == 0


def test_unreadable_retry_after_falls_back_to_backoff():
    from traceanalysis.behaviors.judge_openai import retry_after_seconds

    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({"retry-after": "2.5"}) == 2.5
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    # An unreadable header used to raise inside the 429 handler and end the whole run.
    with FakeOpenAI(script=[("429", "soon")]) as server:
        out = judge_behaviors(frame(2).iloc[[1]], config(server, behaviors=("verification",)))
        assert len(server.requests) == 2
    assert out["judge_status"].tolist() == ["ok"]
