"""The vLLM scoring path without vLLM: a stand-in ``vllm`` module answers prompt
log-probabilities from the transformers model, so the indexing of the response positions
and the wiring are checked against the transformers backend (a real vLLM is not
installable on this machine, see docs/score.md)."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import torch

from traceanalysis.score.scoring import get_scorer, score_frame
from traceanalysis.score.store import NllStore


@dataclass
class Logprob:
    logprob: float


def _standin(calls: list[dict]) -> types.ModuleType:
    module = types.ModuleType("vllm")

    class SamplingParams:
        def __init__(self, **kwargs: object) -> None:
            self.kwargs = kwargs

    class LLM:
        def __init__(self, model: str, **kwargs: object) -> None:
            from transformers import AutoModelForCausalLM

            calls.append({"model": model, **kwargs})
            self.model = AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32).eval()

        def generate(self, prompts: list[dict], params: SamplingParams, use_tqdm: bool) -> list:
            assert params.kwargs["prompt_logprobs"] >= 0 and params.kwargs["max_tokens"] == 1
            outs = []
            for prompt in prompts:
                ids = prompt["prompt_token_ids"]
                with torch.no_grad():
                    logp = torch.log_softmax(self.model(torch.tensor([ids])).logits[0], -1)
                top = [int(logp[t - 1].argmax()) for t in range(1, len(ids))]
                entries = [None] + [
                    {ids[t]: Logprob(float(logp[t - 1, ids[t]])), top[t - 1]: Logprob(0.0)}
                    if top[t - 1] != ids[t]
                    else {ids[t]: Logprob(float(logp[t - 1, ids[t]]))}
                    for t in range(1, len(ids))
                ]
                outs.append(types.SimpleNamespace(prompt_logprobs=entries))
            return outs

    module.LLM, module.SamplingParams = LLM, SamplingParams
    return module


def test_vllm_path_equals_transformers(
    llama_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict] = []
    monkeypatch.setitem(sys.modules, "vllm", _standin(calls))
    df = pd.DataFrame(
        {"run": ["a", "a", "b"], "prompt": ["2 + 2?", "Name one.", None],
         "response": ["4, \\boxed{4}", "One.", "no prompt here"]}
    )  # fmt: skip
    vllm = get_scorer(llama_dir, backend="vllm")
    hf = get_scorer(llama_dir)
    got, rec = score_frame(df, {}, scorer=vllm, store=NllStore(tmp_path / "v.sqlite"), name="x")
    want, _ = score_frame(df, {}, scorer=hf, store=NllStore(tmp_path / "h.sqlite"), name="x")
    pd.testing.assert_series_equal(got["n_tokens_x"], want["n_tokens_x"])
    pd.testing.assert_series_equal(got["nll_x"], want["nll_x"], rtol=1e-5)
    assert calls and calls[0]["max_model_len"] == 256 and rec["computed"] == 3
