"""Judge answers that are not labels, over real HTTP (tests/behaviors/fake_openai.py):
each becomes a ``failed`` label with its reason, is never cached, and the next run asks
again and gets the label."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from fake_openai import FakeOpenAI

from traceanalysis.behaviors import JudgeConfig, judge_behaviors
from traceanalysis.behaviors.judge_cache import JudgeCache

ONE = pd.DataFrame({"run": ["a"], "response": ["Let me check. #verification #verification"]})
OPTS = {"concurrency": 1, "backoff_base": 0.01, "behaviors": ("verification",)}
GOOD = {"justification": "two checks", "present": True, "count": 2}


def _msg(content: object, **extra: object) -> dict:
    return {"role": "assistant", "content": content, **extra}


CASES = [
    (("maybe",), 'unusable answer: answer does not match the schema: "present" must be boolean'),
    (("truncated",), "cut off by the token limit (finish_reason 'length')"),
    (("garbage_json",), "no JSON object in the answer"),
    (("garbage",), "no JSON object in the answer"),
    (("tagged",), "no JSON object in the answer"),
    (("message", _msg(json.dumps(GOOD)), "length"), "cut off by the token limit"),
    (("message", _msg(None, refusal="I can't help with that."), "stop"), "the judge refused"),
    (
        ("message", _msg(None, tool_calls=[{"id": "c", "type": "function"}]), "tool_calls"),
        "called a tool",
    ),  # fmt: skip
    (("message", _msg(""), "stop"), "empty answer"),
    (("message", _msg(None), "stop"), "no content in the answer"),
    (("message", _msg(json.dumps({**GOOD, "confidence": 0.9})), "stop"), "unexpected key(s)"),
    (("message", _msg(json.dumps({**GOOD, "count": -2})), "stop"), '"count" must be >= 0'),
    (("message", _msg(json.dumps({**GOOD, "count": 1.5})), "stop"), '"count" must be integer'),
    (("message", _msg(json.dumps({**GOOD, "count": "2"})), "stop"), '"count" must be integer'),
    (("message", _msg(json.dumps({**GOOD, "count": 0})), "stop"), "contradictory answer"),
    (("message", _msg([{"type": "image_url", "image_url": {}}]), "stop"), "is not text"),
    (("message", _msg({"present": True}), "stop"), "content of type dict is not text"),
    (("message", _msg(json.dumps(GOOD)), "content_filter"), "content filter"),
]


@pytest.mark.parametrize(("action", "reason"), CASES, ids=[str(c[0][:2])[:60] for c in CASES])
def test_unusable_answer_is_failed_not_cached_and_retried(action, reason, tmp_path):
    cache = str(tmp_path / "cache.sqlite")
    with FakeOpenAI(script=[action]) as server:
        config = JudgeConfig("openai:fake-judge", base_url=server.url, cache_path=cache, **OPTS)
        out = judge_behaviors(ONE, config)
        meta = out.attrs["judge"]
        assert len(server.requests) == 1  # an answer that came back is not asked again now
        assert out["judge_status"].tolist() == ["failed"]
        assert out["judge_verification_present"].isna().all()
        assert out["judge_verification_count"].isna().all()
        assert meta["label_status"] == {"failed": 1} and meta["n_failed"] == 1
        assert reason in meta["errors"][0], meta["errors"]
        store = JudgeCache(cache)
        assert store.count() == 0  # not cached as a label
        store.close()
        again = judge_behaviors(ONE, config)
        assert len(server.requests) == 2  # retried on the next run
    assert again["judge_status"].tolist() == ["ok"]
    assert again["judge_verification_count"].tolist() == [2]
    assert again["judge_verification_present"].tolist() == [True]


def test_content_as_text_parts_is_a_label(tmp_path):
    with FakeOpenAI(script=[("parts",)]) as server:
        config = JudgeConfig(
            "openai:fake-judge", base_url=server.url, cache_path=str(tmp_path / "c.sqlite"), **OPTS
        )
        out = judge_behaviors(ONE, config)
        assert len(server.requests) == 1
    assert out["judge_status"].tolist() == ["ok"]
    assert out["judge_verification_count"].tolist() == [2]


def test_server_errors_then_an_unusable_answer(tmp_path):
    """500s are retried within the run; the answer that finally comes must still be valid."""
    with FakeOpenAI(script=[("500",), ("500",), ("maybe",)]) as server:
        config = JudgeConfig(
            "openai:fake-judge", base_url=server.url, cache_path=str(tmp_path / "c.sqlite"), **OPTS
        )
        out = judge_behaviors(ONE, config)
        assert len(server.requests) == 3
        assert out["judge_status"].tolist() == ["failed"]
        assert "must be boolean" in out.attrs["judge"]["errors"][0]
        with FakeOpenAI(script=[("500",)] * 6) as down:  # every attempt fails: failed too
            gone = judge_behaviors(ONE, JudgeConfig("openai:fake-judge", base_url=down.url,
                                                    cache_path=config.cache_path, **OPTS))  # fmt: skip
            assert len(down.requests) == 6
        assert "gave up after 6 attempts: HTTP 500" in gone.attrs["judge"]["errors"][0]
        again = judge_behaviors(ONE, config)
        assert len(server.requests) == 4
    assert again["judge_status"].tolist() == ["ok"]


def test_mixed_labels_keep_the_good_ones(tmp_path):
    """Of two behaviours, the valid answer is cached and the unusable one is asked again."""
    opts = {**OPTS, "behaviors": ("verification", "backtracking")}
    df = pd.DataFrame({"run": ["a"], "response": ["#verification then #backtracking"]})
    with FakeOpenAI(script=[("ok",), ("truncated",)]) as server:
        config = JudgeConfig(
            "openai:fake-judge", base_url=server.url, cache_path=str(tmp_path / "c.sqlite"), **opts
        )
        out = judge_behaviors(df, config)
        assert out["judge_status"].tolist() == ["failed"]
        assert out["judge_verification_count"].tolist() == [1]  # the valid label is kept
        assert out["judge_backtracking_count"].isna().all()
        again = judge_behaviors(df, config)
        assert len(server.requests) == 3  # only the failed one was asked again
        assert again.attrs["judge"]["n_cached"] == 1
    assert again["judge_status"].tolist() == ["ok"]
    assert again["judge_backtracking_count"].tolist() == [1]
