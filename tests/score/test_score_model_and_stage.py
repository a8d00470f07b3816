"""The model fingerprint (content, not path), column names, the stage's key, and the
optional vLLM backend failing with its install command only when asked for."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from traceanalysis.engine.registry import get_stage
from traceanalysis.errors import InputError
from traceanalysis.score.model import default_name, model_fingerprint, safe_name
from traceanalysis.score.scoring import get_scorer


def test_fingerprint_follows_content_not_path(
    llama_dir: Path, tmp_path: Path, score_stages: object
) -> None:
    stages = score_stages
    copy = Path(shutil.copytree(llama_dir, tmp_path / "copy"))
    assert model_fingerprint(copy) == model_fingerprint(llama_dir)
    key = stages._score_key({"score_model": str(copy), "score_name": "ref"})
    assert key == stages._score_key({"score_model": str(llama_dir), "score_name": "ref"})
    assert "score_model" not in key and key["fingerprint"] == model_fingerprint(copy)
    (copy / "tokenizer_config.json").write_text(
        (copy / "tokenizer_config.json").read_text().replace("}", ', "x": 1}', 1)
    )
    assert model_fingerprint(copy) != model_fingerprint(llama_dir)


def test_column_names() -> None:
    assert default_name("models/Qwen2.5-Math-1.5B/") == "qwen2_5_math_1_5b"
    assert safe_name("Base Model") == "base_model"
    with pytest.raises(InputError):
        safe_name("--")


def test_stage_registration(score_stages: object) -> None:
    stages = score_stages
    s = get_stage("score")
    assert s.kind == "rows" and s.executor == "own" and s.batch_rows == stages.BATCH_ROWS
    assert "score_batch_size" in s.runtime and "score_model" in s.options
    assert get_stage("nll").table and get_stage("nll_novel").table


def test_missing_model_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="neither a local model folder"):
        get_scorer(tmp_path / "nowhere")


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed")
def test_vllm_backend_names_the_install_command(llama_dir: Path) -> None:
    with pytest.raises(InputError, match="pip install vllm"):
        get_scorer(llama_dir, backend="vllm")
    assert get_scorer(llama_dir).backend == "transformers"  # no vLLM needed otherwise


def test_chunks_respect_rows_and_padded_tokens() -> None:
    from traceanalysis.score.scoring import chunks

    lengths = [5000, 3000, 3000, 100, 100, 100, 90, 10]
    items = [str(i) for i in range(len(lengths))]
    got = list(chunks(items, lengths, batch_size=4, batch_tokens=6000))
    assert got == [["0"], ["1", "2"], ["3", "4", "5", "6"], ["7"]]
    assert [x for c in got for x in c] == items
    assert list(chunks(["a"], [10_000], batch_size=4, batch_tokens=100)) == [["a"]]


def test_other_plans_do_not_see_the_score_stages_after_a_test(score_stages: object) -> None:
    assert get_stage("score")


def test_registry_restored() -> None:
    from traceanalysis.engine import registry

    registry.load_builtin_stages()
    builtin = "traceanalysis.score.stages" in registry.BUILTIN_MODULES
    assert ("score" in registry._REGISTRY) == builtin
