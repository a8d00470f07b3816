"""Helpers of the score tests: tiny models with a char tokenizer (BOS added by default),
built and saved locally, and small runs folders."""

from __future__ import annotations

import json
import string
from pathlib import Path

import numpy as np
import pandas as pd

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
CHARS = [c for c in string.printable if c not in "\t\r\x0b\x0c"]
CHAT = "{{ bos_token }}{% for m in messages %}User: {{ m['content'] }}\n{% endfor %}Assistant:"
QA = {"name": "qa", "version": 1, "sha256": "0" * 64, "chat": False, "text": "Q: {prompt}\nA:"}
CHAT_TEMPLATE = {"name": "chat", "version": 1, "sha256": "1" * 64, "chat": True, "text": "{prompt}"}


def char_tokenizer():
    """A char-level PreTrainedTokenizerFast whose defaults add a BOS; with a chat template."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {PAD: 0, BOS: 1, EOS: 2}
    for c in CHARS:
        vocab[c] = len(vocab)
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=PAD))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(""), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", special_tokens=[(BOS, vocab[BOS])]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token=PAD, bos_token=BOS, eos_token=EOS
    )
    fast.chat_template = CHAT
    return fast


def save_llama(
    out: Path, max_positions: int = 256, seed: int = 0, hidden: int = 32, layers: int = 2
) -> Path:
    """A tiny random Llama and the char tokenizer saved in ``out``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = char_tokenizer()
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
        num_key_value_heads=2, intermediate_size=2 * hidden, max_position_embeddings=max_positions,
        pad_token_id=0, bos_token_id=1, eos_token_id=2,
    )  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def save_gpt2(out: Path, seed: int = 0) -> Path:
    """A tiny random GPT-2 (absolute positions) and the char tokenizer saved in ``out``."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    tok = char_tokenizer()
    torch.manual_seed(seed)
    config = GPT2Config(
        vocab_size=len(tok), n_positions=256, n_embd=32, n_layer=2, n_head=2,
        bos_token_id=1, eos_token_id=2, pad_token_id=0,
    )  # fmt: skip
    GPT2LMHeadModel(config).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def write_run(folder: Path, name: str, rows: list[dict], meta: dict | None) -> None:
    """One run folder: samples.jsonl (+ run.json when ``meta``)."""
    run = folder / name
    run.mkdir(parents=True)
    with open(run / "samples.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({"run": name, **row}) + "\n")
    if meta is not None:
        (run / "run.json").write_text(json.dumps(meta))


def make_runs(folder: Path, problems: int = 3, samples: int = 2, long: int = 0) -> Path:
    """Three runs on the same problems: ``base`` made by generate with the ``qa`` template,
    ``chatty`` made by generate with a chat template, ``rl`` from elsewhere (raw prompts).
    ``long`` > 0 makes responses of about that many characters."""
    native = "traceanalysis-native/1"
    specs = {
        "base": {"format": native, "role": "base", "template": QA},
        "chatty": {"format": native, "role": "distilled", "template": CHAT_TEMPLATE},
        "rl": {"role": "rl"},
    }
    for r, (name, meta) in enumerate(specs.items()):
        rows = []
        for p in range(problems):
            for s in range(samples):
                body = f"{p} plus {s} is {p + s} ({name})."
                if long:
                    body = (body + " and so on") * (long // len(body) + 1)
                    body = body[:long] + f" run {r}"
                rows.append(
                    {
                        "problem_id": f"p{p}", "sample_idx": s, "prompt": f"What is {p} + {s}?",
                        "response": f"{body} \\boxed{{{p + s if (p + r) % 2 == 0 else -1}}}",
                        "gold": str(p + s),
                    }
                )  # fmt: skip
        write_run(folder, name, rows, meta)
    return folder


def direct_nll(folder: Path, prompt_text: str, special: bool, response: str) -> tuple[float, int]:
    """One plain forward pass over prompt + response ids; log-softmax; summed by hand."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    p = tok(prompt_text, add_special_tokens=special)["input_ids"]
    r = tok(response, add_special_tokens=False)["input_ids"]
    ids = p + r
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), dim=-1)
    total = 0.0
    for t in range(len(p), len(ids)):
        total -= float(logp[t - 1, ids[t]])
    return total, len(r)


def synthetic(seed: int = 3) -> pd.DataFrame:
    """4 runs x 30 problems x 6 samples; the reference ``base`` never solves p0-p9."""
    rng = np.random.default_rng(seed)
    rows = []
    for r, run in enumerate(["base", "rl", "distill", "other"]):
        for p in range(30):
            for s in range(6):
                solved = rng.random() < (0.0 if (run == "base" and p < 10) else 0.5)
                rows.append(
                    {
                        "run": run, "problem_id": f"p{p}", "sample_idx": s, "correct": solved,
                        "difficulty_bin": "0/6" if p < 10 else "1-6/6",
                        "nll_m_per_token": rng.gamma(2.0, 0.5 + 0.3 * r + 0.02 * p),
                        "n_tokens_m": int(rng.integers(5, 50)),
                    }
                )  # fmt: skip
    df = pd.DataFrame(rows)
    df["correct"] = df["correct"].astype("boolean")
    df.loc[5, "correct"] = pd.NA  # one ungraded response
    df.loc[7, "nll_m_per_token"] = np.nan  # one unscored (too long)
    df["nll_m"] = df["nll_m_per_token"] * df["n_tokens_m"]
    df["difficulty_bin"] = pd.Categorical(df["difficulty_bin"], ["0/6", "1-6/6"], ordered=True)
    return df


def independent_novel(df: pd.DataFrame, reference: str, col: str) -> dict[str, float]:
    ref = df[df["run"] == reference]
    threshold = np.percentile(ref[col].dropna().to_numpy(), 95)
    graded = ref[ref["correct"].notna()]
    wins = graded.groupby("problem_id")["correct"].sum()
    unsolved = set(wins[wins == 0].index)
    out = {}
    for run in df["run"].unique():
        if run == reference:
            continue
        part = df[(df["run"] == run) & (df["correct"] == True) & df[col].notna()]  # noqa: E712
        part = part[part["problem_id"].isin(unsolved)]
        out[run] = float((part[col] > threshold).mean())
    return out
