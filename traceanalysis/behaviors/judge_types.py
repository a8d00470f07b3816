"""The judge's configuration, requests and results, shared by every backend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from traceanalysis.behaviors.judge_answer import JudgeAnswer
from traceanalysis.behaviors.judge_registry import parse_judge_spec
from traceanalysis.behaviors.prompts import DEFAULT_PROMPT
from traceanalysis.errors import InputError

# Per-label statuses: ok (a valid answer), failed (no valid answer: the call failed after
# all attempts, or the answer was not a label; judge_answer says why). Only ok is cached.
LABEL_STATUSES = ("ok", "failed")

__all__ = [
    "LABEL_STATUSES", "JudgeConfig", "JudgeRequest", "JudgeResult", "ResultCallback",
    "parse_judge_spec",
]  # fmt: skip


@dataclass(frozen=True)
class JudgeConfig:
    """How to judge: the backend spec (``openai:MODEL``, ``hf:PATH`` or a registered
    backend's ``PREFIX:SPEC``, see :mod:`~traceanalysis.behaviors.judge_registry`) and its
    options.

    Generation parameters (temperature, seed, max_tokens, structured, max_response_chars)
    are part of every label's cache key; concurrency, timeouts and retries are not.
    """

    judge: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 8
    temperature: float = 0.0
    seed: int = 0
    max_tokens: int = 300
    timeout: float = 120.0
    max_attempts: int = 6
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    structured: bool = True
    max_response_chars: int = 24000
    prompt: str = DEFAULT_PROMPT
    behaviors: tuple[str, ...] | None = None
    column: str = "response"
    sample: int | None = None
    sample_seed: int = 0
    max_calls: int | None = None
    cache_path: str | None = None
    batch_size: int = 8

    def __post_init__(self) -> None:
        # A negative max_calls would slice the call list from the end (all but the last N).
        limits = {
            "concurrency": (self.concurrency, 1),
            "max_attempts": (self.max_attempts, 1),
            "max_tokens": (self.max_tokens, 1),
            "batch_size": (self.batch_size, 1),
            "max_response_chars": (self.max_response_chars, 0),
            "max_calls": (self.max_calls, 0),
            "sample": (self.sample, 0),
        }
        for name, (value, lowest) in limits.items():
            if value is not None and value < lowest:
                raise InputError(f"judge: {name} must be >= {lowest}, got {value}")
        if self.timeout <= 0:
            raise InputError(f"judge: timeout must be > 0 seconds, got {self.timeout}")

    @property
    def backend(self) -> str:
        """The backend prefix: ``openai``, ``hf`` or a registered plugin's."""
        return parse_judge_spec(self.judge)[0]

    @property
    def target(self) -> str:
        """What follows the prefix: the model name (openai), model folder (hf), ..."""
        return parse_judge_spec(self.judge)[1]

    def params(self) -> dict[str, object]:
        """The generation parameters that change an answer (part of the cache key)."""
        return {
            "temperature": self.temperature,
            "seed": self.seed,
            "max_tokens": self.max_tokens,
            "structured": self.structured,
            "max_response_chars": self.max_response_chars,
        }


@dataclass(frozen=True)
class JudgeRequest:
    """One call: the label key, the behaviour and how to build its chat messages.

    Messages are built when the call is made, not up front: a corpus of 100,000 labels
    would otherwise hold every rendered prompt in memory at once.
    """

    key: str
    behavior: str
    build: Callable[[], list[dict[str, str]]]

    @property
    def messages(self) -> list[dict[str, str]]:
        """The chat messages (system + user) of this call."""
        return self.build()


@dataclass(frozen=True)
class JudgeResult:
    """The outcome of one call: status (ok/failed), the valid answer, raw text, why it
    failed, and attempts made."""

    status: str
    answer: JudgeAnswer | None
    raw: str
    error: str = ""
    attempts: int = 1


ResultCallback = Callable[[JudgeRequest, JudgeResult], None]
