"""Fixtures of the score tests: a tiny Llama and a tiny GPT-2 saved once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from score_helpers import save_gpt2, save_llama

from tests.torch_threads import _one_torch_thread  # noqa: F401 (autouse fixture)


@pytest.fixture(scope="session")
def llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny Llama folder (shared by the tests of a session)."""
    return save_llama(tmp_path_factory.mktemp("score-llama") / "tiny-llama")


@pytest.fixture(scope="session")
def gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny GPT-2 folder."""
    return save_gpt2(tmp_path_factory.mktemp("score-gpt2") / "tiny-gpt2")


@pytest.fixture
def score_stages() -> Iterator[object]:
    """The score stages registered for one test, and the registry restored after it: until
    the module is one of the built-in stage modules, other tests' plans must not see them
    (their options would lack ``score_model``)."""
    import importlib

    from traceanalysis.engine import registry

    registry.load_builtin_stages()
    before = dict(registry._REGISTRY)
    module = importlib.import_module("traceanalysis.score.stages")
    if "score" not in registry._REGISTRY:  # removed after an earlier test: register again
        module = importlib.reload(module)
    yield module
    registry._REGISTRY.clear()
    registry._REGISTRY.update(before)
