"""Shared test set-up: offline hubs, a private cache file, a non-interactive plot backend."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own SQLite cache file, never the user's."""
    path = tmp_path / "cache.sqlite"
    monkeypatch.setenv("TRACEANALYSIS_CACHE", str(path))
    return path


@pytest.fixture
def fixtures_dir() -> Path:
    """The folder of hand-written input fixtures, one per format."""
    return FIXTURES
