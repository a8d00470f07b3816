"""How a generated row is cut: EOS, stop strings, padding (also when the pad token is the EOS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from traceanalysis.generate.backend_hf import TransformersBackend, load_model_and_tokenizer

SAMPLING = {
    "temperature": 0.9,
    "top_p": 1.0,
    "top_k": 0,
    "max_new_tokens": 8,
    "repetition_penalty": 1.0,
}


@pytest.fixture(scope="module")
def loaded(tiny_model: Path):
    """The tiny model and its tokenizer, loaded once for this module."""
    model, tokenizer, device = load_model_and_tokenizer(str(tiny_model), device="cpu")
    return model, tokenizer, device


def _backend(loaded, *, pad_is_eos: bool) -> TransformersBackend:
    model, tokenizer, device = loaded
    tokenizer.pad_token = tokenizer.eos_token if pad_is_eos else "<pad>"
    return TransformersBackend(
        model, tokenizer, device, sampling=SAMPLING, seed=0, stop=["</answer>"]
    )


def _ids(loaded, words: str) -> list[int]:
    return loaded[1].convert_tokens_to_ids(words.split())


@pytest.mark.parametrize("pad_is_eos", [False, True])
@pytest.mark.parametrize(
    ("generated", "expected"),
    [
        # EOS: counted, not in the text; padding after it
        ("the answer </s> PAD PAD", ("the answer", "stop", 3)),
        # max_new_tokens reached
        ("the answer is 4", ("the answer is 4", "length", 4)),
        # a stop string: kept in the text, counted up to the token that completes it,
        # padding after it (the pad may be the EOS token itself, as in Qwen)
        ("the answer </answer> PAD PAD", ("the answer </answer>", "stop", 3)),
        ("x </answer>", ("x </answer>", "stop", 2)),
        # tokens after the stop string (a row that went on) are not part of the response
        ("x </answer> the answer", ("x </answer>", "stop", 2)),
    ],
)
def test_finish(loaded, pad_is_eos: bool, generated: str, expected: tuple) -> None:
    backend = _backend(loaded, pad_is_eos=pad_is_eos)
    pad = loaded[1].pad_token
    assert backend._finish(_ids(loaded, generated.replace("PAD", pad))) == expected
