"""What a backend is given and gives back: work items, completions, the batching plan.

Shared by the transformers and vLLM backends. A problem needing K >= batch_size samples
gets calls of ``batch_size`` samples; smaller remainders of several problems with the
same count are packed into one call (one ``num_return_sequences`` per call).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from traceanalysis.generate.problems import Problem


@dataclass
class WorkItem:
    """One problem to sample: its rendered prompt and the sample indices still missing."""

    problem: Problem
    text: str
    sample_indices: list[int]


@dataclass
class Completion:
    """One sampled response."""

    sample_idx: int
    response: str
    finish_reason: str
    n_new_tokens: int


DoneCallback = Callable[[WorkItem, list[Completion]], None]
TokensCallback = Callable[[int, int], None]  # (samples finished, new tokens)


def plan_calls(
    items: list[WorkItem], batch_size: int
) -> Iterator[list[tuple[WorkItem, list[int]]]]:
    """Groups of (item, sample indices) for one generate call each; every piece in a group
    has the same length m and the group holds at most ``batch_size`` rows."""
    pending: dict[int, list[tuple[WorkItem, list[int]]]] = {}
    for item in items:
        idx = item.sample_indices
        for start in range(0, len(idx), batch_size):
            piece = idx[start : start + batch_size]
            m = len(piece)
            if m == batch_size:
                yield [(item, piece)]
                continue
            group = pending.setdefault(m, [])
            group.append((item, piece))
            if (len(group) + 1) * m > batch_size:
                yield pending.pop(m)
    yield from pending.values()


def special_token_id(tokenizer: Any, text: str) -> int | None:
    """The id of ``text`` when it is exactly one special token (dropped from decoded text)."""
    ids = tokenizer.encode(text, add_special_tokens=False)
    if len(ids) != 1 or tokenizer.convert_ids_to_tokens(ids[0]) != text:
        return None
    return ids[0] if ids[0] in set(tokenizer.all_special_ids) else None
