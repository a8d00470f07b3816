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
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-judge")
    specials = ["<unk>", "<pad>", "<s>", "</s>"]
    vocab = {w: i for i, w in enumerate(specials + WORDS)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="<unk>",
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="</s>",
        model_max_length=4096,
    )
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=4096,
        pad_token_id=1,
        bos_token_id=2,
        eos_token_id=3,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


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
