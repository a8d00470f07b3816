"""Stage-cache checksums and the SQLite cache's damaged-file and concurrency guarantees."""

from __future__ import annotations

import multiprocessing as mp
import os
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.behaviors.judge_cache import JudgeCache
from traceanalysis.cache import CacheError
from traceanalysis.cli import main
from traceanalysis.engine.cache import HEADER_SIZE, StageCache
from traceanalysis.grading.cache_store import GradeCache


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"a": range(1000), "t": pd.array(["x" * 50] * 1000, dtype="string[pyarrow]")}
    )


def test_value_roundtrip_and_damage_is_recomputed_with_a_note(tmp_path: Path) -> None:
    cache = StageCache(tmp_path)
    cache.put("lexical", "k" * 64, _frame())
    entry = tmp_path / f"lexical-{'k' * 24}.pkl"
    pd.testing.assert_frame_equal(cache.get("lexical", "k" * 64), _frame())
    data = bytearray(entry.read_bytes())
    data[HEADER_SIZE + 500] ^= 0xFF  # one flipped byte inside the pickle
    entry.write_bytes(bytes(data))
    calls = []
    value = cache.cached("lexical", "k" * 64, lambda: calls.append(1) or _frame())
    assert calls == [1] and not cache.hits["lexical"]
    pd.testing.assert_frame_equal(value, _frame())
    assert len(cache.notes) == 1 and str(entry) in cache.notes[0]
    assert cache.get("lexical", "k" * 64) is not StageCache.MISSING  # rewritten, whole


@pytest.mark.parametrize("keep", [0, 10, HEADER_SIZE + 100])
def test_truncated_entry_is_a_miss_with_a_note(tmp_path: Path, keep: int) -> None:
    cache = StageCache(tmp_path)
    cache.put("load", "a" * 64, _frame())
    entry = tmp_path / f"load-{'a' * 24}.pkl"
    entry.write_bytes(entry.read_bytes()[:keep])
    assert cache.get("load", "a" * 64) is StageCache.MISSING
    assert len(cache.notes) == 1 and str(entry) in cache.notes[0]
    assert not entry.exists()


def test_old_entry_without_checksum_is_a_plain_miss(tmp_path: Path) -> None:
    import pickle

    cache = StageCache(tmp_path)
    tmp_path.joinpath(f"load-{'b' * 24}.pkl").write_bytes(pickle.dumps(_frame()))
    assert cache.get("load", "b" * 64) is StageCache.MISSING and cache.notes == []


def test_hit_touches_mtime(tmp_path: Path) -> None:
    cache = StageCache(tmp_path)
    cache.put("x", "c" * 64, 1)
    entry = tmp_path / f"x-{'c' * 24}.pkl"
    os.utime(entry, (1_000_000, 1_000_000))
    assert cache.get("x", "c" * 64) == 1
    assert entry.stat().st_mtime > 1_000_000 + 86400


def test_files_and_folders_verified_on_copy_out(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.csv").write_text("x,y\n1,2\n")
    (src / "sub" / "b.tex").write_text("\\begin{tabular}")
    cache = StageCache(tmp_path / "stages")
    cache.put_files("tables", "d" * 64, src)
    assert cache.get_files("tables", "d" * 64, tmp_path / "out")
    assert (tmp_path / "out" / "sub" / "b.tex").read_text() == "\\begin{tabular}"
    stored = tmp_path / "stages" / f"tables-{'d' * 24}.dir" / "files" / "a.csv"
    stored.write_text("x,y\n1,3\n")  # same size, other content
    assert not cache.get_files("tables", "d" * 64, tmp_path / "out2")
    assert not (tmp_path / "out2").exists() and str(stored.parent.parent) in cache.notes[0]
    cache.put_file("samples", "e" * 64, src / "a.csv")
    assert cache.get_file("samples", "e" * 64, tmp_path / "s.csv")
    assert (tmp_path / "s.csv").read_text() == "x,y\n1,2\n"
    one = tmp_path / "stages" / f"samples-{'e' * 24}.file"
    one.write_bytes(one.read_bytes()[:-1])
    assert not cache.get_file("samples", "e" * 64, tmp_path / "s2.csv")
    assert len(cache.notes) == 2


def _damaged_files(tmp_path: Path) -> list[Path]:
    noise = tmp_path / "noise.sqlite"
    noise.write_bytes(os.urandom(8192))
    real = tmp_path / "real.sqlite"
    grades = GradeCache(real)
    grades.conn.executemany(
        "INSERT INTO grade_cache VALUES (?, ?, ?, ?, ?, ?)",
        [(f"k{i}", "x" * 200, "ok", 1, 5.0, 0.0) for i in range(5000)],
    )
    grades.conn.commit()
    grades.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    grades.close()
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(real.read_bytes()[: real.stat().st_size // 2])
    return [noise, cut]


def test_damaged_sqlite_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for path in _damaged_files(tmp_path):
        for make in (GradeCache, JudgeCache):
            with pytest.raises(CacheError) as err:
                make(path)
            assert str(path) in str(err.value) and f"rm {path}" in str(err.value)
    garbage = tmp_path / "noise.sqlite"
    code = main(["grade", str(tmp_path / "missing-runs"), "--cache", str(garbage)])
    assert code == 2


def _open(path: str, barrier: object, i: int, queue: object) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    try:
        cache = GradeCache(path) if i % 2 else JudgeCache(path)
        cache.close()
        queue.put(None)  # type: ignore[attr-defined]
    except sqlite3.Error as exc:
        queue.put(repr(exc))  # type: ignore[attr-defined]


def test_concurrent_creation_never_locked(tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    failures = []
    for trial in range(15):
        path, n = str(tmp_path / f"c{trial}.sqlite"), 8
        barrier, queue = ctx.Barrier(n), ctx.Queue()
        procs = [ctx.Process(target=_open, args=(path, barrier, i, queue)) for i in range(n)]
        for p in procs:
            p.start()
        failures += [r for r in (queue.get(timeout=60) for _ in procs) if r]
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
        tables = (
            sqlite3.connect(path)
            .execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetchall()
        )
        assert {t[0] for t in tables} == {"grade_cache", "judge_labels"}
    assert failures == []
