"""Token bans: casing / leading-space variants, vocabulary scan, the vLLM logits processor."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from traceanalysis.errors import InputError
from traceanalysis.generate.ban import (
    BannedSequencesProcessor,
    banned_sequences,
    build_ban_list,
    casing_variants,
    lexicon_ban_words,
)

CORPUS = [
    "Wait, let me check. So the answer is 42. Hmm, maybe I made a mistake.",
    "wait wait WAIT. Let me think again: waiting is not an option, so we wait.",
    "Therefore the answer is 4. But wait, however we compute it, Hmm.",
] * 20


@pytest.fixture(scope="module")
def bpe_tokenizer():
    """A byte-level BPE tokenizer trained here on a small corpus (GPT-2 style leading spaces)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>"], show_progress=False
    )
    core.train_from_iterator(CORPUS, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|endoftext|>")


def test_casing_variants() -> None:
    assert casing_variants("let me") == [
        "let me",
        " let me",
        "Let me",
        " Let me",
        "Let Me",
        " Let Me",
        "LET ME",
        " LET ME",
    ]


def test_bpe_sequences_cover_every_variant(bpe_tokenizer) -> None:
    seqs = banned_sequences(["wait"], bpe_tokenizer)
    for variant in casing_variants("wait"):
        assert bpe_tokenizer.encode(variant, add_special_tokens=False) in seqs
    single = {s[0] for s in seqs if len(s) == 1}
    vocab = bpe_tokenizer.get_vocab()
    # every single token that spells the word up to case and leading space is banned
    expected = {
        i
        for t, i in vocab.items()
        if bpe_tokenizer.convert_tokens_to_string([t]).strip().lower() == "wait"
    }
    assert expected and expected <= single
    assert "Ġwait" in vocab and vocab["Ġwait"] in single
    # "waiting" is a different word: its own token is not banned
    assert all(bpe_tokenizer.decode(s).strip().lower() == "wait" for s in seqs)


def test_word_level_sequences(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    ban = build_ban_list(tok, ["wait", "let me"], "test")
    assert ban is not None
    vocab = tok.get_vocab()
    assert [vocab["wait"]] in ban.sequences and [vocab["Wait"]] in ban.sequences
    assert [vocab["WAIT"]] in ban.sequences and [vocab["let"], vocab["me"]] in ban.sequences
    described = ban.describe(tok)
    assert described["n_sequences"] == len(ban.sequences) and "WAIT" in described["sequences_text"]
    assert build_ban_list(tok, [" "], "test") is None


def test_vllm_processor_matches_transformers() -> None:
    from transformers.generation.logits_process import NoBadWordsLogitsProcessor

    sequences = [[5], [1, 2], [3, 4, 6], [7, 2]]
    ours = BannedSequencesProcessor(sequences)
    theirs = NoBadWordsLogitsProcessor(sequences, eos_token_id=0)
    gen = torch.Generator().manual_seed(0)
    for _ in range(200):
        history = torch.randint(0, 8, (1, 6), generator=gen)
        logits = torch.randn(1, 10, generator=gen)
        expected = theirs(history, logits.clone())[0]
        got = ours(history[0].tolist(), logits[0].clone())
        assert torch.equal(torch.isinf(got), torch.isinf(expected))


def test_lexicon_words() -> None:
    words, label, regexes = lexicon_ban_words("anthropomorphic")
    assert "wait" in words and "hmm" in words
    assert label.startswith("lexicon anthropomorphic v")
    with pytest.raises(InputError, match="unknown lexicon 'nope'"):
        lexicon_ban_words("nope")
