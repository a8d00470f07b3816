"""The pipeline's memory helpers: same results as the plain pandas operations they replace."""

from __future__ import annotations

import io
import json
import re
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from traceanalysis.engine.cache import StageCache
from traceanalysis.engine.memory import stage_input, take_rows
from traceanalysis.pipeline import ReportOptions, _Runner
from traceanalysis.report import stage_memory


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


def test_stage_input_drops_only_text_the_stage_does_not_read() -> None:
    df = _frame()
    assert list(stage_input("difficulty", df).columns) == ["run", "n", "bin", "score"]
    assert list(stage_input("behaviors", df).columns) == ["run", "response", "n", "bin", "score"]
    assert stage_input("judge", df) is df  # unknown reads: every column
    assert stage_input("difficulty", df).attrs == df.attrs


def test_stage_cache_keeps_arrow_chunks_and_values(tmp_path: Path) -> None:
    df = _frame()
    cache = StageCache(tmp_path)
    cache.put("load", "k" * 40, (df, {"a": 1}))
    back, extra = cache.get("load", "k" * 40)
    pd.testing.assert_frame_equal(back, df)
    assert extra == {"a": 1} and back.attrs == df.attrs
    assert back["response"].array._pa_array.num_chunks == 4  # not joined while pickled


def _tag(df: pd.DataFrame) -> pd.DataFrame:
    """A per-row stage: text length and a JSON column, as the tagger adds them."""
    out = df.copy()
    lengths = df["response"].fillna("").str.len().to_numpy()
    out["length"] = lengths.astype("int64")
    out["spans"] = pd.array([json.dumps([int(v)]) for v in lengths], dtype="string")
    out.attrs["tagger"] = {"version": "1"}
    return out


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False, compression="zstd")
    return buffer.getvalue()


def test_row_batches_give_the_unbatched_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 5000
    texts = [f"text {i} " * (i % 13) for i in range(n)]
    df = pd.DataFrame(
        {"run": pd.array(["a"] * n, dtype="string"), "response": _chunked_text(texts, [1234, 4000])}
    )
    options = ReportOptions(cache=str(tmp_path / "c.sqlite"), quiet=True, stage_cache=False)
    whole, _ = _Runner(options, total=1).add_columns("behaviors", "1", {}, [], df, _tag)
    monkeypatch.setitem(stage_memory.BATCH_ROWS, "behaviors", 1024)
    calls: list[int] = []

    def counting(d: pd.DataFrame) -> pd.DataFrame:
        calls.append(len(d))
        return _tag(d)

    batched, _ = _Runner(options, total=1).add_columns("behaviors", "1", {}, [], df, counting)
    assert calls == [1024] * 4 + [904]
    pd.testing.assert_frame_equal(batched, whole)
    assert batched.attrs == whole.attrs == {"tagger": {"version": "1"}}
    assert _parquet_bytes(batched) == _parquet_bytes(whole)  # 1024-row batches: same file


def test_row_batches_with_different_attrs_are_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    df = pd.DataFrame({"response": pd.array([f"t{i}" for i in range(10)], dtype="string")})
    monkeypatch.setitem(stage_memory.BATCH_ROWS, "behaviors", 4)

    def unstable(d: pd.DataFrame) -> pd.DataFrame:
        out = _tag(d)
        out.attrs["tagger"] = {"rows": len(d)}
        return out

    options = ReportOptions(cache=str(tmp_path / "c.sqlite"), quiet=True, stage_cache=False)
    with pytest.raises(RuntimeError, match="different attrs"):
        _Runner(options, total=1).add_columns("behaviors", "1", {}, [], df, unstable)


@pytest.fixture(scope="module")
def small_analysis(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ReportOptions]:
    from pipeline_runs import write_runs

    root = tmp_path_factory.mktemp("memory")
    runs = write_runs(root / "runs", n_problems=6, n_samples=4)
    options = ReportOptions(
        cache=str(root / "cache" / "c.sqlite"), quiet=True, n_boot=50, max_examples=3
    )
    return runs, options


def test_real_tagger_in_row_batches_gives_the_same_columns(
    small_analysis: tuple[Path, ReportOptions], monkeypatch: pytest.MonkeyPatch
) -> None:
    from traceanalysis.pipeline import analyze

    runs, options = small_analysis
    fresh = ReportOptions(**{**options.__dict__, "stage_cache": False})
    whole = analyze(runs, fresh).samples
    monkeypatch.setitem(stage_memory.BATCH_ROWS, "behaviors", 16)
    batched = analyze(runs, fresh).samples
    behaviour = [c for c in whole.columns if c.startswith("behavior_")]
    assert len(behaviour) > 10 and len(whole) == 72
    pd.testing.assert_frame_equal(batched[behaviour], whole[behaviour])


def test_releasing_the_text_writes_the_same_report(
    small_analysis: tuple[Path, ReportOptions], tmp_path: Path
) -> None:
    from traceanalysis.pipeline import analyze, write_report

    runs, options = small_analysis
    options = ReportOptions(**{**options.__dict__, "stage_cache": False})  # both computed
    kept = analyze(runs, options)
    write_report(kept, tmp_path / "kept" / "report", options)
    released = analyze(runs, options)
    write_report(released, tmp_path / "released" / "report", options, release_text=True)
    assert "response" in kept.samples.columns and "response" not in released.samples.columns
    assert "behavior_spans" not in released.samples.columns
    names = ["samples.parquet", "report.md"] + [
        f"tables/{p.name}" for p in sorted((tmp_path / "kept" / "report" / "tables").iterdir())
    ]
    for name in names:
        assert (tmp_path / "kept" / "report" / name).read_bytes() == (
            tmp_path / "released" / "report" / name
        ).read_bytes()
    pages = [(tmp_path / d / "report" / "index.html").read_text() for d in ("kept", "released")]
    assert "data-run" in pages[0] or "example" in pages[0]
    # Same page up to numbers (timestamps, stage timings and memory in the manifest).
    assert re.sub(r"\d+(\.\d+)?", "#", pages[0]) == re.sub(r"\d+(\.\d+)?", "#", pages[1])


def test_table_caches_are_dropped_and_redrawn_the_same() -> None:
    from traceanalysis.metrics import bootstrap

    first = bootstrap.resample_weights(7, 20, 0).copy()
    stage_memory.clear_table_caches()
    assert bootstrap.resample_weights.cache_info().currsize == 0
    np.testing.assert_array_equal(bootstrap.resample_weights(7, 20, 0), first)
