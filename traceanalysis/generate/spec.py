"""What to generate: :class:`GenerationSpec`, and the identity a resumed run must keep."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from traceanalysis.errors import InputError
from traceanalysis.schema import ROLES

BACKENDS = ("transformers", "vllm")


@dataclass
class GenerationSpec:
    """One generation run: n samples per problem of ``benchmark`` from ``model`` into ``out``.

    Sampling defaults follow Kim et al. 2025 (arXiv 2505.14216): temperature 0.9, top_p 1.0,
    top_k 50. ``top_k=0`` disables top-k; ``temperature=0`` is greedy decoding. ``role``
    None guesses it from the run name. ``columns`` maps problem_id/prompt/gold to a local
    benchmark file's columns. ``batch_size`` is the number of sequences per forward batch.
    ``threads`` sets torch's CPU threads while generating (default: 1 for models under 50M
    parameters, torch's default otherwise). ``extra["command"]`` is recorded in run.json.
    """

    model: str
    benchmark: str
    n: int
    out: str | Path
    role: str | None = None
    template: str = "raw"
    temperature: float = 0.9
    top_p: float = 1.0
    top_k: int = 50
    max_new_tokens: int = 1024
    repetition_penalty: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int = 0
    backend: str = "transformers"
    limit: int | None = None
    batch_size: int = 8
    ban_lexicon: str | None = None
    ban_words: tuple[str, ...] = ()
    overwrite: bool = False
    columns: dict[str, str] | None = None
    split: str | None = None
    dtype: str = "auto"
    device: str | None = None
    threads: int | None = None
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise InputError for values that cannot work."""
        checks = [
            (self.n >= 1, f"--n must be at least 1, got {self.n}"),
            (self.temperature >= 0, f"--temperature must be >= 0, got {self.temperature}"),
            (0 < self.top_p <= 1, f"--top-p must be in (0, 1], got {self.top_p}"),
            (self.top_k >= 0, f"--top-k must be >= 0 (0 disables it), got {self.top_k}"),
            (self.max_new_tokens >= 1, f"--max-new-tokens must be >= 1, got {self.max_new_tokens}"),
            (self.repetition_penalty > 0, "--repetition-penalty must be > 0"),
            (self.batch_size >= 1, f"--batch-size must be >= 1, got {self.batch_size}"),
            (
                self.threads is None or self.threads >= 1,
                f"--threads must be >= 1, got {self.threads}",
            ),
            (self.limit is None or self.limit >= 1, f"--limit must be >= 1, got {self.limit}"),
            (self.backend in BACKENDS, f"--backend must be one of {', '.join(BACKENDS)}"),
            (self.role is None or self.role in ROLES, f"--role must be one of {', '.join(ROLES)}"),
        ]
        for ok, message in checks:
            if not ok:
                raise InputError(message)

    def sampling(self) -> dict[str, Any]:
        """Every sampling parameter, as recorded in run.json."""
        return {
            "n": self.n,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "max_new_tokens": self.max_new_tokens,
            "repetition_penalty": self.repetition_penalty,
            "seed": self.seed,
        }


# Settings that change what a sample is: a resumed run must keep them. n and limit only
# change how many samples / problems there are (each sample depends on its own key), and
# batch size, device and progress only how fast they come.
IDENTITY_KEYS = (
    "model",
    "role",
    "benchmark",
    "template",
    "sampling",
    "stop",
    "backend",
    "dtype",
    "banned_words",
)


def identity(
    spec: GenerationSpec,
    *,
    role: str,
    benchmark: dict[str, Any],
    template: dict[str, Any],
    stop: list[str],
    banned_words: list[str],
) -> dict[str, Any]:
    """The settings recorded in run.json that a rerun into the same folder must match."""
    sampling = {k: v for k, v in spec.sampling().items() if k != "n"}
    # a local file is identified by its content (its path may be typed differently)
    keys = (
        ("kind", "format", "sha256", "columns")
        if benchmark.get("kind") == "local"
        else ("kind", "path", "config", "split")
    )
    bench = {k: benchmark.get(k) for k in keys}
    return {
        "model": spec.model,
        "role": role,
        "benchmark": bench,
        "template": {k: template[k] for k in ("name", "version", "sha256")},
        "sampling": sampling,
        "stop": stop,
        "backend": spec.backend,
        "dtype": spec.dtype,
        "banned_words": banned_words,
    }


def identity_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human-readable 'key: old -> new' lines for every identity key that differs."""
    diffs = []
    for key in IDENTITY_KEYS:
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            for sub in sorted(set(a) | set(b)):
                if a.get(sub) != b.get(sub):
                    diffs.append(f"{key}.{sub}: {a.get(sub)!r} -> {b.get(sub)!r}")
        elif a != b:
            diffs.append(f"{key}: {a!r} -> {b!r}")
    return diffs
