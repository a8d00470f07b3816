"""Problems and benchmarks as the generation step sees them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One benchmark problem: its stable id, the question text and the reference answer."""

    problem_id: str
    prompt: str
    gold: str | None


@dataclass
class Benchmark:
    """A loaded benchmark: its name, where it came from, and its problems in order."""

    name: str
    problems: list[Problem]
    source: dict[str, object] = field(default_factory=dict)


def gold_text(value: Any) -> str | None:
    """A reference answer as text: None for missing, 27.0 -> "27"."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_offline() -> bool:
    """True when HF_HUB_OFFLINE or HF_DATASETS_OFFLINE is set."""
    return any(
        os.environ.get(v, "").upper() in ("1", "ON", "YES", "TRUE")
        for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )
