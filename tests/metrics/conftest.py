"""Shared analyses of the dynamics tests (one pipeline run each, for the whole session)."""

from __future__ import annotations

import pytest

from tests.metrics.dynamics_data import dynamics_options, write_verl_dumps
from traceanalysis.pipeline import Analysis, analyze


@pytest.fixture(scope="session")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    """analyze() of one run folder of verl dumps at steps 0..40, reflection planted from 30."""
    tmp = tmp_path_factory.mktemp("dumps")
    write_verl_dumps(tmp / "runs" / "grpo-run")
    return analyze(tmp / "runs", dynamics_options(tmp))
