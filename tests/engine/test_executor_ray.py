"""The ray executor on a real local Ray instance: the same results as the local one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.engine.executor_helpers import TAG, TAG_COMBINE, corpus
from traceanalysis.engine.executors import make_executor

ray = pytest.importorskip("ray", reason='ray is not installed: pip install "traceanalysis[ray]"')


@pytest.fixture(scope="module")
def ray_instance():
    ray.init(num_cpus=2, include_dashboard=False)
    yield
    ray.shutdown()


def test_ray_equals_local(ray_instance: None, tmp_path: Path) -> None:
    text = corpus(tmp_path)
    with make_executor("local", workers=1) as local:
        expected = list(local.map(TAG_COMBINE, text, ["run", "response"]))
    with make_executor("ray") as executor:
        assert executor.workers == 2
        got = list(executor.map(TAG_COMBINE, text, ["run", "response"]))
        tagged = list(executor.map(TAG, text, ["response"]))
    assert ray.is_initialized()  # not started by the executor: left running
    assert len(got) == len(expected) == 8
    for (a, pa_, aa), (b, pb, ab) in zip(expected, got, strict=True):
        pd.testing.assert_frame_equal(a, b)
        assert (pa_, aa) == (pb, ab)
    for (a, _, _), (b, _, _) in zip(expected, tagged, strict=True):
        pd.testing.assert_frame_equal(a, b)
