"""Tokenizer and model family of the lab, built from a config (no download).

The tokenizer is character level (every printable ASCII character and the newline);
the model is a small Llama. A sequence is ``prompt + "\\n" + response + <eos>``; the
tokenizer's chat template writes exactly ``prompt + "\\n"`` so chat-style and raw
prompting give the same input.
"""

from __future__ import annotations

import string
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

PAD, EOS = "<pad>", "<eos>"
CHARS = [c for c in string.printable if c not in "\t\r\x0b\x0c"]
CHAT_TEMPLATE = (
    "{% for m in messages %}{% if m['role'] == 'user' %}{{ m['content'] }}\n{% endif %}{% endfor %}"
)


@dataclass
class ModelSize:
    """Shape of a lab model."""

    hidden: int = 96
    layers: int = 3
    heads: int = 4
    intermediate: int = 288
    max_positions: int = 512


def build_tokenizer():
    """A character-level ``PreTrainedTokenizerFast`` that round-trips text exactly."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {PAD: 0, EOS: 1}
    for c in CHARS:
        vocab[c] = len(vocab)
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=PAD))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(""), behavior="isolated")
    tok.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token=PAD, eos_token=EOS, padding_side="left"
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_model(tokenizer, size: ModelSize, seed: int = 0):
    """A freshly initialised Llama causal LM of the given size (seeded)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=size.hidden,
        num_hidden_layers=size.layers,
        num_attention_heads=size.heads,
        num_key_value_heads=size.heads,
        intermediate_size=size.intermediate,
        max_position_embeddings=size.max_positions,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.bos_token_id = tokenizer.eos_token_id
    return model


def save_model(model, tokenizer, out: Path, *, size: ModelSize | None = None) -> Path:
    """Save model (safetensors) and tokenizer into ``out``; returns ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    if size is not None:
        import json

        (out / "lab_size.json").write_text(json.dumps(asdict(size), indent=1) + "\n")
    return out


def load_model(path: Path | str):
    """Load a lab model and its tokenizer from a local folder (never the hub)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(
        str(path), local_files_only=True, dtype=torch.float32
    )
    model.eval()
    return model, tokenizer


def encode_prompts(tokenizer, prompts: list[str]) -> dict[str, torch.Tensor]:
    """Left-padded input ids and attention mask for ``prompt + "\\n"``."""
    return tokenizer([p + "\n" for p in prompts], return_tensors="pt", padding=True)


@torch.no_grad()
def sample(
    model,
    tokenizer,
    prompts: list[str],
    *,
    max_new_tokens: int,
    temperature: float = 1.0,
    greedy: bool = False,
) -> list[str]:
    """Sample one completion per prompt (the caller seeds torch)."""
    enc = encode_prompts(tokenizer, prompts)
    kwargs = (
        {"do_sample": False}
        if greedy
        else {"do_sample": True, "temperature": temperature, "top_k": 0, "top_p": 1.0}
    )
    out = model.generate(
        **enc,
        max_new_tokens=max_new_tokens,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        **kwargs,
    )
    new = out[:, enc["input_ids"].shape[1] :]
    return tokenizer.batch_decode(new, skip_special_tokens=True)
