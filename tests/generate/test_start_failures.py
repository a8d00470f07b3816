"""A run that cannot start fails at once with a clear error and leaves the folder as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from traceanalysis.errors import InputError
from traceanalysis.generate import GenerationSpec, generate_run


def _spec(model: str, gen_fixtures: Path, out: Path, **kw: object) -> GenerationSpec:
    bench = str(gen_fixtures / "bench_native.jsonl")
    return GenerationSpec(model=model, benchmark=bench, n=1, out=out, **kw)  # type: ignore[arg-type]


def test_overwrite_keeps_the_old_run_when_the_model_cannot_load(
    gen_fixtures: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    old = {"run.json": '{"identity": {}}\n', "samples.jsonl": '{"problem_id": "p1"}\n'}
    for name, text in old.items():
        (out / name).write_text(text)
    spec = _spec("Qwen/Qwen2.5-Math-1.5B", gen_fixtures, out, overwrite=True)
    with pytest.raises(InputError, match="offline"):
        generate_run(spec, progress=False)
    assert {p.name: p.read_text() for p in out.iterdir()} == old


def test_bad_device(
    tiny_model: Path, gen_fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    with pytest.raises(InputError, match="unknown --device 'gpu'"):
        generate_run(_spec(str(tiny_model), gen_fixtures, tmp_path / "a", device="gpu"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(InputError, match="--device cuda:1, but torch sees no CUDA GPU"):
        generate_run(_spec(str(tiny_model), gen_fixtures, tmp_path / "b", device="cuda:1"))
