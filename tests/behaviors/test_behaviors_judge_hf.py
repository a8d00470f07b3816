"""The hf judge backend with a tiny Llama built locally from a config (random weights)."""

from __future__ import annotations

import pandas as pd
import pytest

from traceanalysis.behaviors import JudgeConfig, judge_behaviors

WORDS = [
    "{",
    "}",
    '"',
    ":",
    ",",
    "present",
    "count",
    "true",
    "false",
    "0",
    "1",
    "2",
    "yes",
    "no",
    "wait",
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from traceanalysis.generate.tiny import build_tiny_model

    folder = tmp_path_factory.mktemp("tiny-judge")
    return build_tiny_model(folder, hidden=16, layers=1, extra_words=WORDS, max_positions=4096)


def test_hf_backend_labels_or_fails_and_retries_failures(tiny_model, tmp_path):
    df = pd.DataFrame(
        {"run": ["x"] * 3, "response": ["wait , no", "count 2", "a longer response : yes"]}
    )
    cfg = JudgeConfig(
        f"hf:{tiny_model}", max_tokens=6, batch_size=2, behaviors=("verification", "backtracking"),
        cache_path=str(tmp_path / "c.sqlite"),
    )  # fmt: skip
    out = judge_behaviors(df, cfg)
    meta = out.attrs["judge"]
    assert meta["backend"] == "hf" and meta["n_requests"] == 6
    assert out["judge_id"].iloc[0].startswith("hf:tiny-judge")
    assert set(meta["label_status"]) <= {"ok", "failed"} and sum(meta["label_status"].values()) == 6
    assert set(out["judge_status"]) <= {"ok", "failed"}
    # random weights and 6 tokens: word salad, never a valid label
    assert meta["n_failed"] == 6 and all("unusable answer" in e for e in meta["errors"])
    for b in ("verification", "backtracking"):  # a label exists exactly when it was valid
        ok = out["judge_status"] == "ok"
        assert out.loc[ok, f"judge_{b}_present"].notna().all()
        assert out.loc[~ok, f"judge_{b}_present"].isna().all()
    again = judge_behaviors(df, cfg)
    assert again.attrs["judge"]["n_requests"] == meta["n_failed"]  # failures are asked again


def test_hf_answers_are_validated_with_their_finish_reason(tiny_model):
    from traceanalysis.behaviors.judge_hf import HFJudge
    from traceanalysis.behaviors.prompts import load_prompt

    judge = HFJudge(JudgeConfig(f"hf:{tiny_model}"), load_prompt())
    valid = '{"justification": "checks twice", "present": true, "count": 2}'
    assert judge._result(valid, "stop").status == "ok"
    assert judge._result(valid, "stop").answer.count == 2
    cut = judge._result(valid[:30], "length")
    assert cut.status == "failed" and "cut off by the token limit" in cut.error
    assert judge._result(valid, "length").status == "failed"  # reached max_tokens: not complete
    loose = judge._result('{ " present " : true , " count " : 2 }', "stop")
    assert loose.status == "failed" and "lacks required key(s)" in loose.error


def test_hf_generation_reports_whether_it_stopped(tiny_model):
    """``_generate`` says "stop" exactly when an end-of-sequence token was generated."""
    from traceanalysis.behaviors.judge_hf import HFJudge
    from traceanalysis.behaviors.prompts import load_prompt

    judge = HFJudge(JudgeConfig(f"hf:{tiny_model}", max_tokens=8), load_prompt())
    judge._load()
    prompts = ["wait , no", "count 2 : yes"]
    outputs = judge._generate(prompts)
    assert [r for _, r in outputs] == ["length", "length"]  # random weights never stop in 8
    judge._model.generation_config.eos_token_id = list(range(judge._tokenizer.vocab_size))
    stopped = judge._generate(prompts)  # every token now ends the answer
    assert [r for _, r in stopped] == ["stop", "stop"]
