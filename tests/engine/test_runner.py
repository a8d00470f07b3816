"""The plan runner: row groups, whole-table stages, text kept on disk; and the memory
helpers (same results as the plain pandas operations they replace)."""

from __future__ import annotations

import json
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from traceanalysis.engine import memory as stage_memory
from traceanalysis.engine.cache import StageCache
from traceanalysis.engine.memory import take_rows
from traceanalysis.engine.plan import Plan
from traceanalysis.engine.registry import Stage, get_stage
from traceanalysis.engine.runner import PlanRunner, RunState
from traceanalysis.io import load_runs
from traceanalysis.pipeline import ReportOptions, run_options


def _chunked_text(values: list[str | None], cuts: list[int]) -> pd.arrays.ArrowStringArray:
    bounds = [0, *cuts, len(values)]
    chunks = [pa.array(values[a:b], pa.large_string()) for a, b in pairwise(bounds)]
    return pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string()))


def _frame(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    texts = [None if i % 7 == 3 else f"response {i} " * int(rng.integers(1, 5)) for i in range(n)]
    df = pd.DataFrame(
        {
            "run": pd.array([f"r{i % 3}" for i in range(n)], dtype="string"),
            "response": _chunked_text(texts, [5, 17, 30]),
            "behavior_spans": _chunked_text([f"[[{i}, {i + 1}, \"x\"]]" for i in range(n)], [20]),
            "n": pd.array(rng.integers(0, 9, n), dtype="Int64"),
            "bin": pd.Categorical(rng.choice(["a", "b"], n), categories=["a", "b"], ordered=True),
            "score": pd.array(pa.chunked_array([pa.array(rng.random(20)), pa.array(rng.random(n - 20))]), dtype=pd.ArrowDtype(pa.float64())),
        }
    )  # fmt: skip
    df.attrs = {"runs": {"r0": 1}}
    return df


@pytest.mark.parametrize(
    "rows", [[3, 0, 39, 17, 17, 5], list(range(40)), [], [-1, 4], list(range(39, -1, -3))]
)
def test_take_rows_equals_iloc(rows: list[int]) -> None:
    df = _frame()
    expected = df.iloc[rows].reset_index(drop=True)
    got = take_rows(df, rows)
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == df.attrs


def test_stage_cache_keeps_arrow_chunks_and_values(tmp_path: Path) -> None:
    df = _frame()
    cache = StageCache(tmp_path)
    cache.put("load", "k" * 40, (df, {"a": 1}))
    back, extra = cache.get("load", "k" * 40)
    pd.testing.assert_frame_equal(back, df)
    assert extra == {"a": 1} and back.attrs == df.attrs
    assert back["response"].array._pa_array.num_chunks == 4  # not joined while pickled


def _length(df: pd.DataFrame) -> pd.DataFrame:
    """A per-row stage: text length and a JSON spans column, as the tagger adds them."""
    out = df.copy()
    lengths = df["response"].fillna("").str.len().to_numpy()
    out["length"] = lengths.astype("int64")
    out["length_spans"] = pd.array([json.dumps([int(v)]) for v in lengths], dtype="string")
    out.attrs["tagger"] = {"version": "1"}
    return out


def _dropping(df: pd.DataFrame) -> pd.DataFrame:
    return _length(df).iloc[1:]


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
    from pipeline_runs import write_runs

    return write_runs(tmp_path_factory.mktemp("memory") / "runs", n_problems=6, n_samples=4)


def _plan_with(func, batch_rows: int | None = None) -> Plan:  # noqa: ANN001
    load = get_stage("load")
    extra = Stage(name="length", label="1", func=func, reads=("response",), adds=("length*",),
                  batch_rows=batch_rows)  # fmt: skip
    return Plan((load, extra), {"load": (), "length": ("load",)})


def _run(plan: Plan, runs: Path, tmp_path: Path) -> RunState:
    options = run_options(runs, ReportOptions(quiet=True, stage_cache=False))
    cache = StageCache(tmp_path / "stages", enabled=False)
    return PlanRunner(plan, options, cache=cache, scratch=tmp_path, progress=False).run()


def test_row_groups_give_the_unbatched_result(
    small_runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import traceanalysis.io.stages as io_stages

    whole = _run(_plan_with(_length), small_runs, tmp_path / "a")
    monkeypatch.setattr(io_stages, "BATCH_ROWS", 10)  # 72 rows: 8 row groups
    calls: list[int] = []

    def counting(d: pd.DataFrame) -> pd.DataFrame:
        calls.append(len(d))
        return _length(d)

    batched = _run(_plan_with(counting), small_runs, tmp_path / "b")
    assert calls == [10] * 7 + [2]
    pd.testing.assert_frame_equal(batched.features, whole.features)
    assert batched.features.attrs["tagger"] == {"version": "1"}
    assert "length_spans" not in batched.features.columns  # spans stay on disk
    rows = batched.rows([0, 71, 35])
    expected = load_runs(small_runs).iloc[[0, 71, 35]]["response"].fillna("").str.len()
    assert rows["length"].tolist() == expected.tolist()
    assert rows["length_spans"].tolist() == [json.dumps([int(v)]) for v in expected]


def test_whole_table_stage_gets_every_row_at_once(small_runs: Path, tmp_path: Path) -> None:
    calls: list[int] = []

    def counting(d: pd.DataFrame) -> pd.DataFrame:
        calls.append(len(d))
        return _length(d)

    state = _run(_plan_with(counting, batch_rows=0), small_runs, tmp_path)
    assert calls == [72] and len(state.features) == 72


def test_a_row_stage_that_drops_rows_is_an_error(small_runs: Path, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="keeps every row"):
        _run(_plan_with(_dropping), small_runs, tmp_path)


def test_analysis_keeps_no_text_in_memory(small_runs: Path, tmp_path: Path) -> None:
    from traceanalysis.pipeline import analyze

    options = ReportOptions(cache=str(tmp_path / "c.sqlite"), quiet=True, n_boot=50)
    a = analyze(small_runs, options)
    assert not {"response", "prompt", "behavior_spans"} & set(a.samples.columns)
    back = a.rows(range(len(a.samples)))
    expected = load_runs(small_runs)
    assert back["response"].tolist() == expected["response"].tolist()
    assert back["behavior_spans"].notna().all()


def test_table_caches_are_dropped_and_redrawn_the_same() -> None:
    from traceanalysis.metrics import bootstrap

    first = bootstrap.resample_weights(7, 20, 0).copy()
    stage_memory.clear_table_caches()
    assert bootstrap.resample_weights.cache_info().currsize == 0
    np.testing.assert_array_equal(bootstrap.resample_weights(7, 20, 0), first)
