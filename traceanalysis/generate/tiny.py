"""A tiny random causal LM with a word-level tokenizer, built locally (no download).

For tests, benchmarks and smoke runs of the generation step: a LlamaConfig model of a
few hundred thousand parameters and a ``tokenizers`` WordLevel tokenizer wrapped in
``PreTrainedTokenizerFast``, saved with ``save_pretrained`` so it loads like any model
folder. Its output is random words from its vocabulary, including banned-word candidates
("wait", "Wait", "WAIT", "hmm") and a chat template.
"""

from __future__ import annotations

from pathlib import Path

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]
WORDS = (
    "the answer is so then we get and let me check wait Wait WAIT hmm Hmm maybe "
    "therefore because thus but however first next finally compute add subtract multiply "
    "divide equals total sum number value x y z 0 1 2 3 4 5 6 7 8 9 10 12 15 20 42 + - * / = "
    "\\boxed{4} \\boxed{42} </answer> <answer> </think> . , ? :"
).split()
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ '<s> ' + m['role'] + ' : ' + m['content'] + ' </s> ' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<s> assistant : ' }}{% endif %}"
)


def build_tiny_model(
    folder: str | Path,
    *,
    hidden: int = 64,
    layers: int = 4,
    seed: int = 0,
    extra_words: list[str] | None = None,
    max_positions: int = 512,
) -> Path:
    """Write a tiny random Llama model + word-level tokenizer to ``folder``; returns it."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder = Path(folder)
    words = list(dict.fromkeys(WORDS + list(extra_words or [])))
    vocab = {tok: i for i, tok in enumerate(SPECIALS + words)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=hidden,
        intermediate_size=hidden * 4,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=max_positions,
        bos_token_id=vocab["<s>"],
        eos_token_id=vocab["</s>"],
        pad_token_id=vocab["<pad>"],
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = vocab["</s>"]
    model.generation_config.pad_token_id = vocab["<pad>"]
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
