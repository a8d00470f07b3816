"""The hf judge backend with a tiny Llama built locally from a config (random weights)."""

from __future__ import annotations

import pandas as pd
import pytest

from traceanalysis.behaviors import JudgeConfig, judge_behaviors
from traceanalysis.behaviors.prompts import parse_answer

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


def test_hf_backend_labels_or_marks_unparseable_and_caches(tiny_model):
    df = pd.DataFrame(
        {"run": ["x"] * 3, "response": ["wait , no", "count 2", "a longer response : yes"]}
    )
    cfg = JudgeConfig(
        f"hf:{tiny_model}", max_tokens=6, batch_size=2, behaviors=("verification", "backtracking")
    )
    out = judge_behaviors(df, cfg)
    meta = out.attrs["judge"]
    assert meta["backend"] == "hf" and meta["n_requests"] == 6
    assert out["judge_id"].iloc[0].startswith("hf:tiny-judge")
    assert (
        set(meta["label_status"]) <= {"ok", "unparseable"}
        and sum(meta["label_status"].values()) == 6
    )
    assert set(out["judge_status"]) <= {"ok", "unparseable"}
    for b in ("verification", "backtracking"):  # a label exists exactly when it was parsed
        ok = out["judge_status"] == "ok"
        assert out.loc[ok, f"judge_{b}_present"].notna().all()
    again = judge_behaviors(df, cfg)
    assert again.attrs["judge"]["n_requests"] == 0
    pd.testing.assert_frame_equal(out, again)


def test_random_word_salad_is_parsed_only_when_readable():
    # The tiny model's tokenizer decodes with spaces; quoted keys with spaces are not keys.
    assert parse_answer('{ " present " : true , " count " : 2 }').count == 2
    assert parse_answer("present : yes count : 2").count == 2
    assert parse_answer("} { wait") is None
