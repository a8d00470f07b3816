"""Fixtures for the generation tests: one tiny local model per session, single-threaded torch."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.torch_threads import _one_torch_thread  # noqa: F401 (autouse fixture)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Llama + word-level tokenizer folder (built locally, ~270k parameters)."""
    from traceanalysis.generate.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model") / "tiny")


@pytest.fixture
def gen_fixtures(fixtures_dir: Path) -> Path:
    """The folder of hand-written generation fixtures."""
    return fixtures_dir / "generate"
