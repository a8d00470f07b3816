"""Fixtures of the score tests: a tiny Llama and a tiny GPT-2 saved once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from score_helpers import save_gpt2, save_llama


@pytest.fixture(scope="session")
def llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny Llama folder (shared by the tests of a session)."""
    return save_llama(tmp_path_factory.mktemp("score-llama") / "tiny-llama")


@pytest.fixture(scope="session")
def gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny GPT-2 folder."""
    return save_gpt2(tmp_path_factory.mktemp("score-gpt2") / "tiny-gpt2")


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """One intra-op thread: on a shared 2-core machine extra threads only spin and wait."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
