"""The ``hf:PATH`` judge backend: a local transformers causal LM, batched greedy generation.

Same prompts and answer rules as the API backend (no schema enforcement during
generation; every answer is validated afterwards). An answer that reached
``max_tokens`` without an end-of-sequence token is cut off (``finish_reason`` "length")
and is no label. The judge identity includes a fingerprint of the model folder (config
and weight file names and sizes), so a retrained model never reuses old labels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from traceanalysis.behaviors.judge_answer import UnusableAnswer, check_finish, read_answer
from traceanalysis.behaviors.judge_types import (
    JudgeConfig,
    JudgeRequest,
    JudgeResult,
    ResultCallback,
)
from traceanalysis.behaviors.prompts import JudgePrompt
from traceanalysis.errors import InputError


def model_fingerprint(path: Path) -> str:
    """A short hash of ``config.json`` plus the names and sizes of the weight files."""
    h = hashlib.sha256()
    config = path / "config.json"
    if config.is_file():
        h.update(config.read_bytes())
    for f in sorted(path.iterdir()):
        if f.suffix in (".safetensors", ".bin", ".pt", ".gguf") and f.is_file():
            h.update(f"{f.name}:{f.stat().st_size}".encode())
    return h.hexdigest()[:12]


def render_chat(tokenizer: object, messages: list[dict[str, str]]) -> str:
    """The prompt text: the tokenizer's chat template if it has one, else a plain layout."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(  # type: ignore[attr-defined]
            messages, tokenize=False, add_generation_prompt=True
        )
    parts = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
    return "\n\n".join(parts) + "\n\nAssistant:"


class HFJudge:
    """Generates judge answers with a local model; see the module docstring."""

    def __init__(self, config: JudgeConfig, prompt: JudgePrompt):
        self.config = config
        self.prompt = prompt
        self.path = Path(config.target).expanduser()
        if not self.path.is_dir():
            raise InputError("hf judge model folder not found", file=str(self.path))
        self.fingerprint = model_fingerprint(self.path)
        self.judge_id = f"hf:{self.path.resolve().name}@{self.fingerprint}"
        self.calls = 0
        self._model = None
        self._tokenizer = None

    def describe(self) -> dict[str, object]:
        """Identity for the manifest."""
        return {"backend": "hf", "path": str(self.path.resolve()), "fingerprint": self.fingerprint}

    def _load(self) -> None:
        if self._model is not None:
            return
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self.path)
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        model = AutoModelForCausalLM.from_pretrained(self.path)
        model.eval()
        torch.manual_seed(self.config.seed)
        self._model, self._tokenizer = model, tokenizer

    def _generate(self, prompts: list[str]) -> list[tuple[str, str]]:
        """(text, finish_reason) per prompt: "stop" when an end-of-sequence token ended it."""
        import torch

        tok, model = self._tokenizer, self._model
        assert tok is not None and model is not None
        enc = tok(prompts, return_tensors="pt", padding=True, truncation=True)
        with torch.no_grad():
            out = model.generate(
                **enc,
                max_new_tokens=self.config.max_tokens,
                do_sample=False,
                pad_token_id=tok.pad_token_id,
            )
        new = out[:, enc["input_ids"].shape[1] :]
        eos = model.generation_config.eos_token_id
        if eos is None:
            eos = tok.eos_token_id
        eos_ids = torch.tensor(eos if isinstance(eos, list) else [eos], device=new.device)
        stopped = torch.isin(new, eos_ids).any(dim=1).tolist()
        texts = tok.batch_decode(new, skip_special_tokens=True)
        return [(t, "stop" if s else "length") for t, s in zip(texts, stopped, strict=True)]

    def run(self, requests: Sequence[JudgeRequest], on_result: ResultCallback) -> None:
        """Generate in batches of ``batch_size`` (similar lengths together); report each result.

        Prompts are rendered a chunk of requests at a time, so memory stays bounded.
        """
        if not requests:
            return
        self._load()
        size = max(1, self.config.batch_size)
        chunk = size * 32
        for first in range(0, len(requests), chunk):
            self._run_chunk(requests[first : first + chunk], size, on_result)

    def _run_chunk(
        self, requests: Sequence[JudgeRequest], size: int, on_result: ResultCallback
    ) -> None:
        texts = [render_chat(self._tokenizer, r.messages) for r in requests]
        order = sorted(range(len(requests)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            self.calls += len(batch)
            try:
                outputs = self._generate([texts[i] for i in batch])
            except RuntimeError as exc:  # torch's errors (out of memory): the batch fails, recorded
                for i in batch:
                    on_result(
                        requests[i], JudgeResult("failed", None, "", f"{type(exc).__name__}: {exc}")
                    )
                continue
            for i, (text, finish_reason) in zip(batch, outputs, strict=True):
                on_result(requests[i], self._result(text, finish_reason))

    def _result(self, text: str, finish_reason: str) -> JudgeResult:
        try:
            complete = check_finish(finish_reason)
            answer = read_answer(text, self.prompt.schema, complete=complete)
        except UnusableAnswer as exc:
            return JudgeResult("failed", None, text, f"unusable answer: {exc}")
        return JudgeResult("ok", answer, text)
