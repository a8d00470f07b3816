"""Tokenizer and model family of the lab, built from a config (no download).

The tokenizer is a small BPE (:func:`build_tokenizer`): every digit, space, newline and
punctuation mark is its own token and the words of the task and of the teacher's
reflection are whole tokens, so a sampled trace is made of words (a character-level
model's reflections fell apart into fragments) while the digit-wise state lines keep a
fixed number of tokens. The model is a small Llama. A sequence is
``prompt + "\\n" + response + <eos>``; the tokenizer's chat template writes exactly
``prompt + "\\n"`` so chat-style and raw prompting give the same input.
"""

from __future__ import annotations

import random
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


# Pre-tokenisation: a word with its leading space, or one digit, whitespace or other
# character. BPE merges never cross these pieces, so digits stay single tokens.
PIECES = r" ?[A-Za-z]+|\d|\s|[^\sA-Za-z\d]"
VOCAB_SIZE = 400
CORPUS_SIZE = 3000


def tokenizer_corpus(seed: int = 0, n: int = CORPUS_SIZE):
    """The seeded texts the BPE is trained on: prompts and teacher traces of 1-7 ops."""
    from traceanalysis.lab.tasks import ALL_OPS, training_problem
    from traceanalysis.lab.teacher import teacher_trace

    rng = random.Random(seed)
    for _ in range(n):
        p = training_problem(rng, 1, 7, ALL_OPS)
        yield p.prompt + "\n" + teacher_trace(p, rng)


def build_tokenizer():
    """The lab's BPE as a ``PreTrainedTokenizerFast`` (trained here, deterministic).

    The alphabet is every printable ASCII character and the newline, so any such text
    round-trips exactly; merges (at most :data:`VOCAB_SIZE` tokens, pairs seen twice or
    more) make the corpus's words single tokens.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(PIECES), behavior="isolated")
    tok.decoder = decoders.Fuse()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=[PAD, EOS],
        initial_alphabet=CHARS,
        show_progress=False,
    )
    tok.train_from_iterator(tokenizer_corpus(), trainer=trainer)
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
