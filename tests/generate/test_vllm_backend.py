"""vLLM backend: argument mapping and wiring, without vLLM (a stand-in module records calls)."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path

import pytest
import torch

from traceanalysis.errors import InputError
from traceanalysis.generate import GenerationSpec, generate_run
from traceanalysis.generate.backend_vllm import sampling_kwargs
from traceanalysis.generate.ban import BannedSequencesProcessor
from traceanalysis.generate.sampling import problem_seed

SAMPLING = {
    "temperature": 0.9,
    "top_p": 0.95,
    "top_k": 50,
    "max_new_tokens": 64,
    "repetition_penalty": 1.0,
}


def test_sampling_kwargs_mapping() -> None:
    kw = sampling_kwargs(
        SAMPLING, n=8, seed=123, stop=["</answer>"], stop_token_ids=[7], banned=None
    )
    assert kw == {
        "n": 8,
        "seed": 123,
        "temperature": 0.9,
        "top_p": 0.95,
        "top_k": 50,
        "max_tokens": 64,
        "repetition_penalty": 1.0,
        "stop": ["</answer>"],
        "stop_token_ids": [7],
        "include_stop_str_in_output": True,
        "skip_special_tokens": True,
    }
    no_top_k = sampling_kwargs(
        {**SAMPLING, "top_k": 0}, n=1, seed=0, stop=[], stop_token_ids=[], banned=[[3], [1, 2]]
    )
    assert no_top_k["top_k"] == -1
    (processor,) = no_top_k["logits_processors"]
    assert isinstance(processor, BannedSequencesProcessor)
    logits = processor([5, 1], torch.zeros(6))
    assert torch.isinf(logits[[2, 3]]).all() and torch.isfinite(logits[[0, 1, 4, 5]]).all()


def _vllm_spec(model: str, gen_fixtures: Path, out: Path, **kw: object) -> GenerationSpec:
    bench = str(gen_fixtures / "bench_native.jsonl")
    return GenerationSpec(model=model, benchmark=bench, out=out, backend="vllm", **kw)  # type: ignore[arg-type]


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_missing_vllm_is_a_clear_error(gen_fixtures: Path, tmp_path: Path) -> None:
    spec = _vllm_spec("some/model", gen_fixtures, tmp_path / "v", n=2)
    with pytest.raises(InputError, match="needs vLLM, which is not installed"):
        generate_run(spec, progress=False)


def _fake_vllm(tokenizer_dir: Path, calls: dict) -> types.ModuleType:
    """A stand-in ``vllm`` module: records LLM(...) and generate(...) and returns canned text."""
    from transformers import AutoTokenizer

    class SamplingParams:
        def __init__(self, **kw: object) -> None:
            self.kw = kw

    class LLM:
        def __init__(self, **kw: object) -> None:
            calls["llm"] = kw

        def get_tokenizer(self):
            return AutoTokenizer.from_pretrained(tokenizer_dir)

        def generate(self, prompts, params, use_tqdm=True):
            calls.setdefault("generate", []).append((prompts, [p.kw for p in params]))
            outs = []
            for p in params:
                completions = [
                    types.SimpleNamespace(
                        text=f"so the answer is {p.kw['seed'] % 7} {j}",
                        finish_reason="length" if j else "stop",
                        token_ids=[1] * (j + 3),
                    )
                    for j in range(p.kw["n"])
                ]
                outs.append(types.SimpleNamespace(outputs=completions))
            return outs

    return types.SimpleNamespace(LLM=LLM, SamplingParams=SamplingParams)  # type: ignore[return-value]


def test_vllm_run_wiring(
    tiny_model: Path, gen_fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: dict = {}
    monkeypatch.setitem(sys.modules, "vllm", _fake_vllm(tiny_model, calls))
    spec = _vllm_spec(
        str(tiny_model),
        gen_fixtures,
        tmp_path / "vllm-run",
        n=3,
        template="qwen-boxed",
        seed=5,
        ban_words=("wait",),
        top_k=0,
    )
    out = generate_run(spec, progress=False)
    assert calls["llm"] == {"model": str(tiny_model), "seed": 5, "dtype": "auto"}
    ((prompts, params),) = calls["generate"]
    assert len(prompts) == 4 and all("prompt_token_ids" in p for p in prompts)
    assert [p["seed"] for p in params] == [problem_seed(5, pid) for pid in ("p1", "p2", "p3", "p4")]
    assert all(p["n"] == 3 and p["top_k"] == -1 and p["temperature"] == 0.9 for p in params)
    # the template's stop strings are plain text for this tokenizer (no special tokens)
    assert (
        params[0]["stop"] == ["<|im_end|>", "<|endoftext|>"] and params[0]["stop_token_ids"] == []
    )
    assert isinstance(params[0]["logits_processors"][0], BannedSequencesProcessor)
    rows = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    assert len(rows) == 12 and {r["finish_reason"] for r in rows} == {"stop", "length"}
    assert rows[1]["n_new_tokens"] == 4 and rows[1]["sample_idx"] == 1
    meta = json.loads((out / "run.json").read_text())
    assert meta["backend"] == "vllm" and "vllm" in meta["versions"]
    assert meta["banned"]["words"] == ["wait"]


def test_vllm_offline_hub_model_fails_before_the_engine(
    tiny_model: Path, gen_fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: dict = {}
    monkeypatch.setitem(sys.modules, "vllm", _fake_vllm(tiny_model, calls))
    spec = _vllm_spec("Qwen/Qwen2.5-Math-1.5B", gen_fixtures, tmp_path / "v", n=1)
    with pytest.raises(InputError, match="offline and it is not in the local cache"):
        generate_run(spec, progress=False)
    assert "llm" not in calls


def test_special_token_stops(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    from traceanalysis.generate.work import special_token_id

    tok = AutoTokenizer.from_pretrained(tiny_model)
    assert special_token_id(tok, "</s>") == tok.eos_token_id
    assert special_token_id(tok, "<|im_end|>") is None  # unknown here: spelled as <unk>
    assert special_token_id(tok, "</answer>") is None  # a normal word: stays a stop string
