"""Keyed sampling: each sample's random draws depend only on (seed, problem_id, sample_idx).

transformers draws every row of a batch from one global RNG stream, so a sample would
depend on which other rows share its batch, and a resumed run would differ from an
uninterrupted one. Here the last logits processor applies temperature / top-k / top-p,
draws the next token by inverse CDF from a counter-based uniform (splitmix64 of the
sample's key and the decoding step) and hands ``generate(do_sample=True)`` a one-hot
distribution, so the multinomial draw that follows is forced. A sample is then the same
whatever the batch size, the batch composition or the number of interruptions, up to
floating-point differences between padded batch shapes (which can flip a token only when
a draw falls within ~1e-7 of a CDF boundary).
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch
from transformers import LogitsProcessor, StoppingCriteria
from transformers.generation.logits_process import (
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def sample_key(seed: int, problem_id: str, sample_idx: int) -> int:
    """A 64-bit key for one (seed, problem, sample): the root of all its random draws."""
    text = f"{seed}\x1f{problem_id}\x1f{sample_idx}".encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


def problem_seed(seed: int, problem_id: str, first_sample: int = 0) -> int:
    """A 31-bit seed for one request of a problem's samples starting at ``first_sample``
    (for backends that take one seed per request, e.g. vLLM)."""
    return sample_key(seed, f"request:{problem_id}", first_sample) & 0x7FFFFFFF


def keyed_uniforms(keys: np.ndarray, step: int) -> np.ndarray:
    """One uniform in [0, 1) per key for decoding step ``step`` (splitmix64, vectorised)."""
    with np.errstate(over="ignore"):
        z = keys.astype(np.uint64) + np.uint64(step + 1) * _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


class KeyedSampler(LogitsProcessor):
    """Samples row ``r`` with the key ``keys[r]``; returns one-hot logits (0 / -inf)."""

    def __init__(
        self,
        keys: list[int],
        prompt_length: int,
        *,
        temperature: float,
        top_k: int,
        top_p: float,
    ) -> None:
        self.keys = np.array(keys, dtype=np.uint64)
        self.prompt_length = prompt_length
        self.warpers: list[LogitsProcessor] = []
        if temperature != 1.0:
            self.warpers.append(TemperatureLogitsWarper(temperature))
        if top_k > 0:
            self.warpers.append(TopKLogitsWarper(top_k))
        if top_p < 1.0:
            self.warpers.append(TopPLogitsWarper(top_p))

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        """Warp ``scores``, draw one token per row from its key, return one-hot logits."""
        if scores.shape[0] != len(self.keys):
            raise RuntimeError(f"KeyedSampler got {scores.shape[0]} rows for {len(self.keys)} keys")
        for warper in self.warpers:
            scores = warper(input_ids, scores)
        step = input_ids.shape[1] - self.prompt_length
        probs = torch.softmax(scores.double(), dim=-1)
        cdf = probs.cumsum(dim=-1)
        u = torch.from_numpy(keyed_uniforms(self.keys, step)).to(cdf.device) * cdf[:, -1]
        # right=True: the first token whose CDF exceeds u, which always has positive mass
        chosen = torch.searchsorted(cdf, u.unsqueeze(1), right=True).clamp_(max=cdf.shape[1] - 1)
        out = torch.full_like(scores, float("-inf"))
        return out.scatter_(1, chosen, 0.0)


class StopStringsInTail(StoppingCriteria):
    """Stops a row once a stop string appears in the text of its newly generated tokens.

    Works with any tokenizer (transformers' StopStringCriteria needs a BPE-like vocabulary)
    and never matches inside the prompt: only tokens after ``prompt_length`` are decoded,
    at most ``window`` of them (enough for the longest stop string spelled one character
    per token).
    """

    def __init__(self, tokenizer: object, stop: list[str], prompt_length: int) -> None:
        self.tokenizer = tokenizer
        self.stop = [s for s in stop if s]
        self.prompt_length = prompt_length
        self.window = max(len(s) for s in self.stop) + 2

    def __call__(
        self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: object
    ) -> torch.BoolTensor:
        """One flag per row: does the text of its last new tokens hold a stop string?"""
        start = max(self.prompt_length, input_ids.shape[1] - self.window)
        texts = self.tokenizer.batch_decode(input_ids[:, start:], skip_special_tokens=False)  # type: ignore[attr-defined]
        hit = [any(s in t for s in self.stop) for t in texts]
        return torch.tensor(hit, dtype=torch.bool, device=input_ids.device)
