"""transformers backend: batched ``generate(do_sample=True, num_return_sequences=m)``.

Work is cut into calls of at most ``batch_size`` rows (:func:`work.plan_calls`). Prompts
are left-padded, the prompt tokens are sliced off, ``finish_reason`` is ``stop`` (EOS or
a stop string) or ``length``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from traceanalysis.errors import InputError
from traceanalysis.generate.problems import is_offline
from traceanalysis.generate.work import (
    Completion,
    DoneCallback,
    TokensCallback,
    WorkItem,
    plan_calls,
    special_token_id,
)


@dataclass
class _Pending:
    item: WorkItem
    remaining: int
    done: list[Completion] = field(default_factory=list)


SMALL_MODEL_PARAMS = 50_000_000  # below this, CPU generation defaults to one thread


def load_model_and_tokenizer(
    model_id: str, *, dtype: str = "auto", device: str | None = None
) -> tuple[Any, Any, str]:
    """Load a causal LM and its tokenizer from a local folder or the hub (cache only when offline).

    Returns (model, tokenizer, device). Raises InputError at once when the model is neither a
    local folder nor available (offline and not cached, or not found).
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    local = Path(model_id).expanduser()
    offline = is_offline()
    source = str(local) if local.is_dir() else model_id
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        kind = torch.device(device).type
    except RuntimeError:
        raise InputError(f"unknown --device {device!r}; expected cpu, cuda or cuda:N") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise InputError(f"--device {device}, but torch sees no CUDA GPU here; use --device cpu")
    if dtype == "auto":
        torch_dtype: Any = torch.float32 if device == "cpu" else "auto"
    else:
        torch_dtype = getattr(torch, dtype, None)
        if not isinstance(torch_dtype, torch.dtype):
            raise InputError(
                f"unknown --dtype {dtype!r}; expected auto, float32, bfloat16 or float16"
            )
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            source, local_files_only=offline or local.is_dir()
        )
        model = AutoModelForCausalLM.from_pretrained(
            source, local_files_only=offline or local.is_dir(), dtype=torch_dtype
        )
    except (OSError, ValueError) as exc:
        if local.is_dir():
            raise InputError(
                f"cannot load a causal LM from this folder ({exc})", file=str(local)
            ) from None
        why = (
            "the hub is offline and it is not in the local cache"
            if offline
            else str(exc).splitlines()[0]
        )
        raise InputError(
            f"model {model_id!r} could not be loaded: {why}; pass a local model folder with --model PATH"
        ) from None
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.to(device).eval()
    return model, tokenizer, device


class TransformersBackend:
    """Samples with ``model.generate``; see the module docstring for batching."""

    name = "transformers"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        device: str,
        *,
        sampling: dict[str, Any],
        seed: int,
        stop: list[str],
        banned: list[list[int]] | None = None,
        add_special_tokens: bool = True,
        threads: int | None = None,
    ) -> None:
        import torch

        self.model, self.tokenizer, self.device = model, tokenizer, device
        # On CPU a small model gains nothing from intra-op threads (its matrices are too
        # small) and loses a lot when the cores are shared: default to one thread there.
        self.cpu_threads: int | None = None
        if device == "cpu":
            n_params = sum(p.numel() for p in model.parameters())
            self.cpu_threads = threads or (
                1 if n_params < SMALL_MODEL_PARAMS else torch.get_num_threads()
            )
        self.sampling, self.seed, self.banned = sampling, seed, banned or None
        self.add_special_tokens = add_special_tokens
        eos = getattr(model.generation_config, "eos_token_id", None)
        eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if tokenizer.eos_token_id is not None:
            eos_ids.add(tokenizer.eos_token_id)
        self.stop_strings: list[str] = []
        for s in stop:  # a stop string that is one special token acts as an extra EOS
            special_id = special_token_id(tokenizer, s)
            if special_id is not None:
                eos_ids.add(special_id)
            else:
                self.stop_strings.append(s)
        self.eos_ids = sorted(eos_ids)
        self.all_stop = list(stop)

    def set_banned(self, sequences: list[list[int]] | None) -> None:
        """Token-id sequences to ban, passed to generate as ``bad_words_ids``."""
        self.banned = sequences or None

    def describe(self) -> dict[str, object]:
        """Backend facts for run.json."""
        return {
            "device": self.device,
            "cpu_threads": self.cpu_threads,
            "dtype": str(next(self.model.parameters()).dtype).replace("torch.", ""),
            "eos_token_ids": self.eos_ids,
            "stop_strings": self.stop_strings,
        }

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def _stop_end(self, text: str) -> int | None:
        """End of the first stop string in ``text`` (None when there is none)."""
        ends = [(text.find(s), len(s)) for s in self.all_stop if s and s in text]
        return sum(min(ends)) if ends else None

    def _finish(self, ids: list[int]) -> tuple[str, str, int]:
        """(response, finish_reason, n_new_tokens) for one row's generated ids.

        A row ends at its first EOS (counted, not in the text) or at the token that
        completes a stop string (kept in the text); padding follows. The pad token may be
        the EOS itself (Qwen), so stop strings are looked for before the first EOS.
        """
        eos = set(self.eos_ids)
        end = next((i for i, t in enumerate(ids) if t in eos), None)
        body = ids if end is None else ids[:end]
        text = self._decode(body)
        cut = self._stop_end(text)
        if cut is None:
            return (text, "length", len(ids)) if end is None else (text, "stop", end + 1)
        # the fewest tokens whose text holds a stop string (more tokens never lose it)
        lo, hi = 1, len(body)
        while lo < hi:
            mid = (lo + hi) // 2
            found = self._stop_end(self._decode(body[:mid])) is not None
            lo, hi = (lo, mid) if found else (mid + 1, hi)
        return text[:cut], "stop", lo

    def _generate(self, group: list[tuple[WorkItem, list[int]]]) -> list[list[Completion]]:
        import torch
        from transformers import StoppingCriteriaList

        from traceanalysis.generate.sampling import KeyedSampler, StopStringsInTail, sample_key

        m = len(group[0][1])
        greedy = self.sampling["temperature"] == 0
        texts = [item.text for item, _ in group]
        if greedy:  # greedy decoding cannot return several sequences: repeat the prompts
            texts = [t for t in texts for _ in range(m)]
        enc = self.tokenizer(
            texts, return_tensors="pt", padding=True, add_special_tokens=self.add_special_tokens
        )
        enc = {k: v.to(self.device) for k, v in enc.items()}
        prompt_len = enc["input_ids"].shape[1]
        kwargs: dict[str, Any] = dict(
            max_new_tokens=self.sampling["max_new_tokens"],
            eos_token_id=self.eos_ids,
            pad_token_id=self.tokenizer.pad_token_id,
            repetition_penalty=self.sampling["repetition_penalty"],
            bad_words_ids=self.banned,
            no_repeat_ngram_size=0,
            min_new_tokens=0,
        )
        if self.stop_strings:
            kwargs["stopping_criteria"] = StoppingCriteriaList(
                [StopStringsInTail(self.tokenizer, self.stop_strings, prompt_len)]
            )
        if greedy:
            kwargs.update(
                do_sample=False, num_return_sequences=1, temperature=None, top_k=None, top_p=None
            )
        else:
            keys = [
                sample_key(self.seed, item.problem.problem_id, s)
                for item, piece in group
                for s in piece
            ]
            sampler = KeyedSampler(
                keys,
                prompt_len,
                temperature=self.sampling["temperature"],
                top_k=self.sampling["top_k"],
                top_p=self.sampling["top_p"],
            )
            kwargs.update(
                do_sample=True,
                num_return_sequences=m,
                temperature=self.sampling["temperature"],
                top_k=self.sampling["top_k"],
                top_p=self.sampling["top_p"],
                min_p=None,
                typical_p=1.0,
                logits_processor=[sampler],
            )
        with torch.inference_mode():
            out = self.model.generate(**enc, **kwargs)
        rows = out[:, prompt_len:].tolist()
        result: list[list[Completion]] = []
        for g, (_, piece) in enumerate(group):
            comps = []
            for j, s in enumerate(piece):
                text, reason, n_tokens = self._finish(rows[g * m + j])
                comps.append(Completion(s, text, reason, n_tokens))
            result.append(comps)
        return result

    def run(
        self,
        items: list[WorkItem],
        batch_size: int,
        on_done: DoneCallback,
        on_tokens: TokensCallback,
    ) -> None:
        """Generate every missing sample of ``items``; ``on_done`` gets each problem once complete."""
        import torch

        state = {id(it): _Pending(it, len(it.sample_indices)) for it in items}
        threads_before = torch.get_num_threads()
        if self.cpu_threads:
            torch.set_num_threads(self.cpu_threads)
        try:
            for group in plan_calls(items, batch_size):
                outputs = self._generate(group)
                tokens = sum(x.n_new_tokens for c in outputs for x in c)
                on_tokens(sum(len(c) for c in outputs), tokens)
                for (item, _), comps in zip(group, outputs, strict=True):
                    pending = state[id(item)]
                    pending.done.extend(comps)
                    pending.remaining -= len(comps)
                    if pending.remaining == 0:
                        on_done(item, sorted(pending.done, key=lambda c: c.sample_idx))
        finally:
            torch.set_num_threads(threads_before)
