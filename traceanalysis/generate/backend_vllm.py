"""vLLM backend: ``LLM.generate`` with one ``SamplingParams(n=K, seed=...)`` per problem.

vLLM is an optional extra, imported only when this backend is used. Each problem's seed
is derived from (seed, problem_id), so a problem's samples do not depend on which other
problems share a ``generate`` call; vLLM does not promise bit-identical results across
versions or GPUs. Bans go through a per-request logits processor (vLLM's V0 engine API;
vLLM V1 rejects per-request logits processors: set ``VLLM_USE_V1=0`` for a token-ban run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from traceanalysis.errors import InputError
from traceanalysis.generate.ban import BannedSequencesProcessor
from traceanalysis.generate.problems import is_offline
from traceanalysis.generate.sampling import problem_seed
from traceanalysis.generate.work import (
    Completion,
    DoneCallback,
    TokensCallback,
    WorkItem,
    special_token_id,
)

PROBLEMS_PER_CALL = 64  # problems per LLM.generate call: results are written after each call


def sampling_kwargs(
    sampling: dict[str, Any],
    *,
    n: int,
    seed: int,
    stop: list[str],
    stop_token_ids: list[int],
    banned: list[list[int]] | None,
) -> dict[str, Any]:
    """Keyword arguments for ``vllm.SamplingParams`` from our sampling settings.

    top_k 0 (disabled) becomes vLLM's -1; stop strings stay in the output, as with the
    transformers backend; a ban list becomes a :class:`BannedSequencesProcessor`.
    """
    kwargs: dict[str, Any] = {
        "n": n,
        "seed": seed,
        "temperature": float(sampling["temperature"]),
        "top_p": float(sampling["top_p"]),
        "top_k": int(sampling["top_k"]) if sampling["top_k"] > 0 else -1,
        "max_tokens": int(sampling["max_new_tokens"]),
        "repetition_penalty": float(sampling["repetition_penalty"]),
        "stop": list(stop),
        "stop_token_ids": list(stop_token_ids),
        "include_stop_str_in_output": True,
        "skip_special_tokens": True,
    }
    if banned:
        kwargs["logits_processors"] = [BannedSequencesProcessor(banned)]
    return kwargs


def _check_offline_model(model_id: str) -> None:
    """Offline, a hub id must be in the local cache: fail at once (as the transformers
    backend does) rather than deep inside vLLM's engine start."""
    from huggingface_hub import try_to_load_from_cache

    if not is_offline() or Path(model_id).expanduser().is_dir():
        return
    if not isinstance(try_to_load_from_cache(model_id, "config.json"), str):
        raise InputError(
            f"model {model_id!r} could not be loaded: the hub is offline and it is not in the "
            "local cache; pass a local model folder with --model PATH"
        )


class VllmBackend:
    """Samples with vLLM's offline ``LLM`` engine."""

    name = "vllm"

    def __init__(
        self,
        model_id: str,
        *,
        sampling: dict[str, Any],
        seed: int,
        stop: list[str],
        dtype: str = "auto",
        add_special_tokens: bool = True,
    ) -> None:
        try:
            import vllm
        except ImportError:
            raise InputError(
                "--backend vllm needs vLLM, which is not installed "
                "(pip install 'traceanalysis[vllm]' on a GPU machine, or use --backend transformers)"
            ) from None
        _check_offline_model(model_id)
        self._vllm = vllm
        from traceanalysis.generate.vllm_engine import engine_kwargs

        self.llm = vllm.LLM(model=model_id, seed=seed, dtype=dtype, **engine_kwargs(vllm))
        self.tokenizer = self.llm.get_tokenizer()
        self.sampling, self.seed = sampling, seed
        self.stop, self.stop_token_ids = [], []
        for s in stop:  # special-token stops are skipped in the text, so stop on their id
            special_id = special_token_id(self.tokenizer, s)
            if special_id is not None:
                self.stop_token_ids.append(special_id)
            else:
                self.stop.append(s)
        self.banned: list[list[int]] | None = None
        self.add_special_tokens = add_special_tokens

    def set_banned(self, sequences: list[list[int]] | None) -> None:
        """Token-id sequences to ban (from :func:`traceanalysis.generate.ban.banned_sequences`)."""
        self.banned = sequences or None

    def describe(self) -> dict[str, object]:
        """Backend facts for run.json."""
        return {"device": "cuda", "stop_strings": self.stop, "stop_token_ids": self.stop_token_ids}

    def run(
        self,
        items: list[WorkItem],
        batch_size: int,
        on_done: DoneCallback,
        on_tokens: TokensCallback,
    ) -> None:
        """Generate every missing sample of ``items`` (``batch_size`` is left to vLLM's scheduler)."""
        for start in range(0, len(items), PROBLEMS_PER_CALL):
            chunk = items[start : start + PROBLEMS_PER_CALL]
            params = [
                self._vllm.SamplingParams(
                    **sampling_kwargs(
                        self.sampling,
                        n=len(it.sample_indices),
                        seed=problem_seed(self.seed, it.problem.problem_id, it.sample_indices[0]),
                        stop=self.stop,
                        stop_token_ids=self.stop_token_ids,
                        banned=self.banned,
                    )
                )
                for it in chunk
            ]
            # token ids, tokenized as the transformers backend does (no second BOS after a chat template)
            prompts = [
                {
                    "prompt_token_ids": self.tokenizer.encode(
                        it.text, add_special_tokens=self.add_special_tokens
                    )
                }
                for it in chunk
            ]
            outputs = self.llm.generate(prompts, params, use_tqdm=False)
            for item, out in zip(chunk, outputs, strict=True):
                comps = [
                    Completion(
                        idx,
                        o.text,
                        o.finish_reason
                        if o.finish_reason in ("stop", "length")
                        else str(o.finish_reason),
                        len(o.token_ids),
                    )
                    for idx, o in zip(item.sample_indices, out.outputs, strict=True)
                ]
                on_tokens(len(comps), sum(c.n_new_tokens for c in comps))
                on_done(item, comps)
