"""Negative log-likelihood of response tokens given prompt tokens, batched, in transformers.

Each sequence is ``prompt ids + response ids``. Sequences of a batch are padded (right by
default, left on request) with an attention mask that hides the padding and explicit
position ids (``cumsum(mask) - 1``), so a padded row gets the same positions, and so the
same logits, as the row alone. The NLL of a row is ``-sum_t log p(r_t | prompt, r_<t)`` in
nats over its response tokens; the log-softmax is taken in float32 one row at a time, so
no second batch x length x vocabulary tensor is made.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

Pair = tuple[Sequence[int], Sequence[int]]


def _accepts_position_ids(model: Any) -> bool:
    try:
        return "position_ids" in inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return False


def pad_batch(
    pairs: Sequence[Pair], pad_id: int, side: str = "right"
) -> tuple[list[list[int]], list[list[int]], list[int]]:
    """(input ids, attention mask, offset of each row's first real token), padded to the
    longest row on ``side``."""
    if side not in ("left", "right"):
        raise ValueError(f"padding side must be 'left' or 'right', got {side!r}")
    width = max(len(p) + len(r) for p, r in pairs)
    ids, mask, offsets = [], [], []
    for prompt, response in pairs:
        seq = [*prompt, *response]
        gap = width - len(seq)
        if side == "right":
            ids.append(seq + [pad_id] * gap)
            mask.append([1] * len(seq) + [0] * gap)
            offsets.append(0)
        else:
            ids.append([pad_id] * gap + seq)
            mask.append([0] * gap + [1] * len(seq))
            offsets.append(gap)
    return ids, mask, offsets


def batch_nll(
    model: Any, pairs: Sequence[Pair], *, pad_id: int, device: str = "cpu", side: str = "right"
) -> list[tuple[float, int]]:
    """(total NLL in nats, response tokens) per (prompt ids, response ids) pair, in one
    forward pass. A pair with no response tokens gives (0.0, 0); every prompt must hold at
    least one token."""
    import torch

    if not pairs:
        return []
    if any(len(p) == 0 for p, _ in pairs):
        raise ValueError("every prompt needs at least one token to condition on")
    ids, mask, offsets = pad_batch(pairs, pad_id, side)
    input_ids = torch.tensor(ids, dtype=torch.long, device=device)
    attention = torch.tensor(mask, dtype=torch.long, device=device)
    kwargs: dict[str, Any] = {"input_ids": input_ids, "attention_mask": attention}
    if _accepts_position_ids(model):
        kwargs["position_ids"] = (attention.cumsum(-1) - 1).clamp(min=0)
    with torch.inference_mode():
        logits = model(**kwargs, use_cache=False).logits
        out: list[tuple[float, int]] = []
        for row, ((prompt, response), offset) in enumerate(zip(pairs, offsets, strict=True)):
            n = len(response)
            if n == 0:
                out.append((0.0, 0))
                continue
            start = offset + len(prompt)  # the first response token's position
            # logits at position t predict the token at t + 1
            rows = logits[row, start - 1 : start - 1 + n].float()
            target = input_ids[row, start : start + n]
            logp = torch.log_softmax(rows, dim=-1).gather(-1, target[:, None]).squeeze(-1)
            out.append((float(-logp.sum().item()), n))
    return out
