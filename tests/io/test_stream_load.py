"""The load stage's streaming path equals ``align_problems(load_runs(...))``, and stays flat.

:func:`traceanalysis.io.stream.stream_load` reads one input file at a time and runs the
cross-run steps on the rows' keys; its Parquet file must hold exactly the table
``load_runs`` builds in memory (values, dtypes, row order), aligned across runs, in row
groups of ``batch_rows``, with the same attrs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from traceanalysis.engine.store import read_columns
from traceanalysis.errors import InputError
from traceanalysis.io import chunked, load_runs
from traceanalysis.io.align import align_problems
from traceanalysis.io.stream import stream_load

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
REAL = FIXTURES / "real" / "out"

PATHS = [
    ROOT / "reports" / "demo" / "runs",  # native JSONL runs with run.json
    FIXTURES / "formats",  # a runs folder of bare files, one per format
    REAL / "lm_eval",
    REAL / "lighteval",
    REAL / "inspect",
    REAL / "inspect_0.3.205",
    REAL / "trl",
    REAL,  # every real tool's output together: matched by prompt across tools
    FIXTURES / "formats" / "batch_output.jsonl",  # OpenAI Batch: automatic sample numbers
]


def _expected(path: Path, **options: object) -> tuple[pd.DataFrame, dict]:
    df, dropped = align_problems(load_runs(path, **options))
    attrs = dict(df.attrs)
    attrs["dropped"] = dropped
    return df, attrs


def _check(
    path: Path,
    tmp_path: Path,
    batch_rows: int = 8192,
    chunk_bytes: int | None = None,
    **options: object,
) -> dict:
    """Compare with the whole table in memory; ``chunk_bytes``: stream large native JSONL
    files in parts of about that many bytes (the expected table reads them whole)."""
    expected, expected_attrs = _expected(path, **options)
    out = tmp_path / "load.parquet"
    with pytest.MonkeyPatch.context() as patch:
        if chunk_bytes is not None:
            patch.setattr(chunked, "CHUNK_BYTES", chunk_bytes)
        attrs = stream_load(path, out, batch_rows=batch_rows, **options)
    got = read_columns(out)
    pd.testing.assert_frame_equal(got, expected.reset_index(drop=True), check_exact=True)
    assert list(attrs) == list(expected_attrs)
    for key, value in expected_attrs.items():
        assert attrs[key] == value, key
    meta = pq.ParquetFile(out).metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    n = len(expected)
    assert sizes == [batch_rows] * (n // batch_rows) + ([n % batch_rows] if n % batch_rows else [])
    assert not list(tmp_path.glob("*.spool*"))  # the spool is removed
    return attrs


@pytest.mark.parametrize("path", PATHS, ids=lambda p: str(p.relative_to(ROOT)))
def test_stream_load_equals_load_runs_on_fixtures(path: Path, tmp_path: Path) -> None:
    _check(path, tmp_path)


def test_small_row_groups_cross_files(tmp_path: Path) -> None:
    """Row groups of 7 rows: spool batches, kept rows and output batches do not line up."""
    attrs = _check(ROOT / "reports" / "demo" / "runs", tmp_path, batch_rows=7)
    assert attrs["problem_match"]["n_problems"] > 0


def _write(path: Path, rows: list[dict | str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _tricky_runs(root: Path) -> Path:
    """Runs with every cross-row rule: duplicates, missing and negative rows, automatic
    numbers over two files, bad labels, several runs in one bare file, problems missing
    from a run, prompts differing from the first one of a problem, think blocks."""
    runs = root / "runs"
    a = [
        {"problem_id": "p1", "response": "<think>a</think>x", "prompt": "Q1", "correct": 1},
        {"problem_id": "p1", "response": None, "prompt": "other"},  # rejected: no response
        {"problem_id": "p2", "response": "y", "prompt": None, "correct": "0.5"},  # bad label
        {"problem_id": "p3", "response": "<think>open", "prompt": "Q3"},
        "not json",
    ]
    _write(runs / "alpha" / "part-1.jsonl", a)
    b = [
        {"problem_id": "p1", "response": "z", "prompt": "Q1 again"},
        {"problem_id": "p2", "response": "", "prompt": "Q2", "finish_reason": "length"},
        {"problem_id": "p4", "response": "w", "prompt": "Q4"},
    ]
    _write(runs / "alpha" / "part-2.jsonl", b)
    (runs / "alpha" / "run.json").write_text(json.dumps({"model": "m-alpha", "role": "rl"}))
    beta = [
        {"problem_id": "p1", "sample_idx": 0, "response": "r", "prompt": "Q1", "model": "mb"},
        {"problem_id": "p1", "sample_idx": 0, "response": "dup", "prompt": "Q1"},
        {"problem_id": "p2", "sample_idx": -1, "response": "neg", "prompt": "Q2"},
        {"problem_id": "p2", "sample_idx": 1, "response": "ok", "prompt": "Q2", "step": "x"},
        {"problem_id": "p3", "sample_idx": 0, "response": "s", "prompt": "Q3", "model": "mb"},
    ]
    _write(runs / "beta" / "samples.jsonl", beta)
    bare = [
        {"run": "gamma", "problem_id": "p1", "response": "g1", "prompt": "Q1", "correct": 2},
        {"run": "delta", "problem_id": "p1", "response": "d1", "prompt": "Q1"},
        {"run": "gamma", "problem_id": "p3", "response": "g3", "prompt": "Q3"},
        {"run": "delta", "problem_id": "p3", "response": "d3", "prompt": "Q3", "correct": "?"},
    ]
    _write(runs / "mixed.jsonl", bare)
    return runs


def test_tricky_rows(tmp_path: Path) -> None:
    runs = _tricky_runs(tmp_path)
    attrs = _check(runs, tmp_path / "a", batch_rows=2)
    reasons = [r.reason for r in attrs["rejections"]]
    assert any("duplicate" in r for r in reasons) and any("negative" in r for r in reasons)
    assert {i.run for i in attrs["label_issues"]} >= {"alpha", "gamma", "delta"}
    assert attrs["dropped"]["by_run"]  # p2/p4 are not in every run
    _check(runs, tmp_path / "b", roles={"beta": "base"})


def test_large_jsonl_files_read_in_parts(tmp_path: Path) -> None:
    """Native JSON Lines files cut into parts of a few lines. A clean file whose columns
    differ between parts (a label column, ``answer``, ``sample_idx`` only in later lines)
    is read in parts; files the whole-file reader would not take in one columnar pass (bad
    and blank lines, CRLF cut between CR and LF, types that do not combine, a line longer
    than a part) are read whole."""
    runs = _tricky_runs(tmp_path)
    clean = [{"problem_id": f"p{i % 4 + 1}", "response": f"v{i}", "step": i} for i in range(6)]
    clean += [
        {"problem_id": f"p{i % 4 + 1}", "response": f"w{i}", "correct": i % 2, "answer": "7"}
        for i in range(6)
    ]
    clean += [{"problem_id": "p1", "response": "x", "sample_idx": 9, "reasoning": None}]
    _write(runs / "clean" / "s.jsonl", clean)
    crlf = [{"problem_id": f"p{i % 3 + 1}", "response": f"c{i}", "step": i} for i in range(9)]
    text = "\r\n".join(json.dumps(r) for r in crlf) + "\r\n\r\n"
    (runs / "crlf").mkdir()
    (runs / "crlf" / "s.jsonl").write_bytes(text.encode())
    long = [{"problem_id": "p1", "response": "L" * 500}, {"problem_id": "p3", "response": "s"}]
    _write(runs / "long" / "s.jsonl", long)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chunked, "CHUNK_BYTES", 150)
        assert len(list(chunked.file_reads(runs / "clean" / "s.jsonl"))) > 3
        for whole in ("crlf", "long", "alpha/part-1.jsonl"):
            files = [runs / whole] if whole.endswith(".jsonl") else (runs / whole).glob("*")
            assert [len(list(chunked.file_reads(f))) for f in files] == [1]
    for size in (150, 400):
        _check(runs, tmp_path / f"s{size}", batch_rows=3, chunk_bytes=size)
    demo = ROOT / "reports" / "demo" / "runs"
    _check(demo, tmp_path / "demo", chunk_bytes=20_000)
    assert len(list(chunked.file_reads(demo / "rlvr" / "samples.jsonl"))) == 1  # < 8 MiB


def test_no_response_left(tmp_path: Path) -> None:
    _write(tmp_path / "runs" / "a" / "s.jsonl", [{"problem_id": "p", "response": None}])
    with pytest.raises(InputError, match=r"no responses found \(1 rows rejected\)"):
        stream_load(tmp_path / "runs", tmp_path / "out" / "load.parquet")
    assert not (tmp_path / "out" / "load.parquet").exists()
    assert not list((tmp_path / "out").glob("*spool*"))
    _write(tmp_path / "bad" / "a" / "s.jsonl", ["not json", "[1]"])  # no row at all
    with pytest.raises(InputError, match=r"no responses found \(2 rows rejected\)"):
        stream_load(tmp_path / "bad", tmp_path / "out" / "load.parquet")
    assert len(load_runs(tmp_path / "bad").attrs["rejections"]) == 2


# The load stage streamed, or as it was before (the whole table in memory, then written).
_PEAK = """
import sys
from pathlib import Path
from traceanalysis.engine.store import write_batches
from traceanalysis.io import chunked, load_runs
from traceanalysis.io.align import align_problems
from traceanalysis.io.stream import stream_load
rows = 512
def hwm():  # this process's peak RSS in KiB (ru_maxrss would carry the parent's over exec)
    return int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
base = hwm()
if sys.argv[1] == "stream":
    stream_load(Path(sys.argv[2]), Path(sys.argv[3]), batch_rows=rows)
else:
    df, _ = align_problems(load_runs(Path(sys.argv[2])))
    write_batches(Path(sys.argv[3]), (df.iloc[i : i + rows] for i in range(0, len(df), rows)), rows)
print((hwm() - base) / 1024)
"""


def _corpus(root: Path, files: int) -> int:
    """4 runs of ``files`` files, each 200 responses of about 8,000 characters: text bytes."""
    text = 0
    for run in range(4):
        for f in range(files):
            rows = [
                {"problem_id": f"p{f}-{i // 4}", "sample_idx": i % 4, "response": f"{i} " * 2000}
                for i in range(200)
            ]
            text += sum(len(r["response"]) for r in rows)
            _write(root / f"run{run}" / f"part-{f:03d}.jsonl", rows)
    return text


def _peak_mib(mode: str, runs: Path, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", _PEAK, mode, str(runs), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return float(done.stdout.split()[-1])


def test_peak_memory_flat_as_the_corpus_grows(tmp_path: Path) -> None:
    """4x the files (21 -> 84 MiB of text, row groups of 512 rows): the streaming load's
    peak RSS grows by far less than the text, the in-memory load by more than the text."""
    small = _corpus(tmp_path / "x1", 4) / 2**20
    large = _corpus(tmp_path / "x4", 16) / 2**20
    peaks = {
        (mode, x): _peak_mib(mode, tmp_path / x, tmp_path / f"{mode}-{x}.parquet")
        for mode in ("stream", "memory")
        for x in ("x1", "x4")
    }
    more_text = large - small
    # The measure can tell: loading it all in memory grows with the text.
    assert peaks["memory", "x4"] - peaks["memory", "x1"] > 0.6 * more_text, peaks
    assert peaks["stream", "x4"] - peaks["stream", "x1"] < 0.4 * more_text, peaks
