"""Streaming JSONL reading and validation without text copies: same rows, lines, rejections."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from traceanalysis.io import jsonl
from traceanalysis.io.validation import blank_text, validate_keeping_text
from traceanalysis.schema import validate_samples


def _blocks(data: bytes, size: int, tmp_path: Path) -> list[tuple[int, bytes]]:
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    return [(before, bytes(block)) for before, block in jsonl.line_blocks(path, size)]


def _arrow_like_blocks(data: bytes, size: int) -> list[tuple[int, bytes]]:
    """Blocks as pyarrow's JSON reader cuts them: block k ends at the last newline (``\n``
    or ``\r``) of the k-th ``size``-byte slab (a slab that reaches the file's end ends the
    last block)."""
    blocks: list[tuple[int, bytes]] = []
    start, k = 0, 0
    while k * size < len(data):
        lo, hi = k * size, (k + 1) * size
        if hi >= len(data):
            cut = len(data)
        else:
            newline = max(data.rfind(b"\n", lo, hi), data.rfind(b"\r", lo, hi))
            if newline < 0:
                return [*blocks, (-1, b"")]
            cut = newline + 1
        blocks.append((data[:start].count(b"\n"), data[start:cut]))
        start, k = cut, k + 1
    if start < len(data):
        blocks.append((data[:start].count(b"\n"), data[start:]))
    return blocks


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"a\n",
        b"a\nbb\nccc\n",
        b"a\nbb\nccc",
        b"\n\n\n",
        b"x" * 100,
        b"x" * 5 + b"\n" + b"y",
        b"a\r\nbb\r\nccc\r\n",
    ],
)
@pytest.mark.parametrize("size", [1, 3, 4, 8, 1024])
def test_line_blocks_are_cut_like_pyarrow(data: bytes, size: int, tmp_path: Path) -> None:
    blocks = _blocks(data, size, tmp_path)
    assert blocks == _arrow_like_blocks(data, size)
    if not blocks or blocks[-1][0] >= 0:  # no line longer than a slab: the file, in order
        assert b"".join(b for _, b in blocks) == data


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
@pytest.mark.parametrize("final", [True, False])
def test_line_blocks_match_pyarrow_chunks(newline: bytes, final: bool, tmp_path: Path) -> None:
    """Against pyarrow itself: its chunk lengths are the lines of each of our blocks."""
    import pyarrow.json as pa_json

    lines = [json.dumps({"a": "x" * (i % 9)}).encode() for i in range(60)]
    data = newline.join(lines) + (newline if final else b"")
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    for size in range(max(map(len, lines)) + 2, 90):
        options = pa_json.ReadOptions(block_size=size, use_threads=False)
        chunks = [len(c) for c in pa_json.read_json(path, read_options=options).column(0).chunks]
        ours = [
            sum(1 for line in bytes(b).replace(b"\r", b"\n").split(b"\n") if line.strip())
            for _, b in jsonl.line_blocks(path, size)
        ]
        assert [n for n in ours if n] == [n for n in chunks if n], size


def _line(i: int) -> bytes:
    record = {"problem_id": f"p{i // 4}", "sample_idx": i % 4, "response": f"step {i} " * (i % 7)}
    return json.dumps(record).encode() + b"\n"


BAD = [b"{not json\n", b"[1, 2]\n", b'{"problem_id": "p", "response": "caf\xe9"}\n', b"\n", b"  \n"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.integers(0, 200), st.sampled_from(range(len(BAD)))), max_size=60),
    st.sampled_from([16, 64, 200, 1 << 20]),
    st.booleans(),
)
def test_columnar_reader_matches_json_loads_per_line(
    plan: list[int], read_size: int, bad: bool
) -> None:
    """Rows, their line numbers and the rejected lines equal a json.loads pass per line."""
    lines = [
        BAD[k] if bad and k < len(BAD) and n % 5 == 4 else _line(k) for n, k in enumerate(plan)
    ]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.jsonl"
        path.write_bytes(b"".join(lines))
        old = jsonl._READ_SIZE
        jsonl._READ_SIZE = read_size
        try:
            got = jsonl.read_jsonl_columnar(path)
        finally:
            jsonl._READ_SIZE = old
        records, rejections = jsonl.iter_jsonl(path)
    assert got is not None
    frame, rejected = got
    assert frame["source_line"].tolist() == [n for n, _ in records]
    assert sorted((r.line, r.reason) for r in rejected) == sorted(
        (r.line, r.reason) for r in rejections
    )
    if records:
        assert frame["response"].tolist() == [r["response"] for _, r in records]
        assert frame["sample_idx"].tolist() == [r["sample_idx"] for _, r in records]


def test_type_conflict_across_blocks_falls_back_to_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    rows = [{"problem_id": "p", "sample_idx": i, "response": "r"} for i in range(50)]
    rows[40]["sample_idx"] = "forty"  # a string in a later block: pyarrow blocks disagree
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    old = jsonl._READ_SIZE
    jsonl._READ_SIZE = 256
    try:
        assert jsonl.read_jsonl_columnar(path) is None
        frame, rejections = jsonl.read_jsonl(path)
    finally:
        jsonl._READ_SIZE = old
    assert len(frame) == 50 and rejections == []
    assert frame["sample_idx"].tolist()[40] == "forty"  # left for coerce to reject by line


WHITESPACE = ["", " ", "\t\n", "\u3000", "\xa0", "\x1c", "\u2028", "\u200b", " a ", "x", None]


def test_blank_text_is_strip_eq_empty_on_every_chunk_layout() -> None:
    values = WHITESPACE * 3
    expected = pd.Series(values, dtype="string").fillna("").str.strip().eq("").to_numpy()
    chunks = [pa.array(values[:5], pa.large_string()), pa.array(values[5:], pa.large_string())]
    chunked = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks)))
    assert blank_text(chunked).tolist() == expected.tolist()
    python = pd.Series(values, dtype=pd.StringDtype("python"))
    assert blank_text(python).tolist() == expected.tolist()


def test_validation_keeping_text_equals_schema_validation() -> None:
    rng = random.Random(3)
    n = 300
    df = pd.DataFrame(
        {
            "run": pd.array([rng.choice(["a", "b", None]) for _ in range(n)], dtype="string"),
            "problem_id": pd.array([f"p{rng.randint(0, 9)}" for _ in range(n)], dtype="string"),
            "sample_idx": pd.array([rng.randint(-1, 6) for _ in range(n)], dtype="Int64"),
            "response": pd.array(
                [rng.choice(WHITESPACE + ["ok"] * 8) for _ in range(n)], dtype="string"
            ),
            "source_file": pd.array(["f.jsonl"] * n, dtype="string"),
            "source_line": pd.array(np.arange(1, n + 1), dtype="Int64"),
        }
    )
    expected, expected_rejections = validate_samples(df)
    got, rejections = validate_keeping_text(df)
    pd.testing.assert_frame_equal(got, expected)
    assert rejections == expected_rejections
    clean = df.loc[df["response"].fillna("").str.strip().ne("") & df["run"].notna()]
    clean = clean.drop_duplicates(["run", "problem_id", "sample_idx"])
    clean = clean.loc[clean["sample_idx"] >= 0].reset_index(drop=True)
    got, rejections = validate_keeping_text(clean)
    assert rejections == [] and got["response"].array is not None
    pd.testing.assert_frame_equal(got, validate_samples(clean)[0])


_MEMORY_PROBE = """
import json, sys, tracemalloc
from pathlib import Path
import pyarrow as pa
from traceanalysis.io import load_runs
path = Path(sys.argv[1])
with path.open("w") as fh:
    for i in range(6000):
        fh.write(json.dumps({"problem_id": f"p{i // 8}", "sample_idx": i % 8,
                             "response": ("wait, let me check " * 200) + str(i)}) + "\\n")
size = path.stat().st_size
tracemalloc.start()
df = load_runs(path)
_, python_peak = tracemalloc.get_traced_memory()
arrow_peak = pa.default_memory_pool().max_memory()
print(json.dumps({"size": size, "python": python_peak, "arrow": arrow_peak, "rows": len(df)}))
"""


def test_loading_holds_the_text_about_once(tmp_path: Path) -> None:
    """Peak Python and Arrow allocations of load_runs on a 23 MB file, in a fresh process.

    Before streaming, the file's bytes, a decoded copy and a stripped copy of every
    response existed at once (Python peak >= the file size, Arrow peak >= 2x the text).
    """
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(tmp_path / "m.jsonl")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["rows"] == 6000
    assert got["python"] < 0.5 * got["size"]  # one 8 MiB block, not the file (was 2x)
    assert got["arrow"] < 1.6 * got["size"]  # the columns, plus one block being parsed (was 2x)


def test_chunks_are_those_of_one_whole_file_parse(tmp_path: Path) -> None:
    """The columns come in the chunks one pyarrow parse of the whole file gives (so a
    Parquet file written from them is the same byte for byte as before streaming)."""
    import pyarrow.json as pa_json

    path = tmp_path / "w.jsonl"
    path.write_bytes(b"".join(_line(i) for i in range(300)))
    whole = pa_json.read_json(path, read_options=pa_json.ReadOptions(block_size=1024))
    old = jsonl._READ_SIZE
    jsonl._READ_SIZE = 1024
    try:
        got = jsonl.read_jsonl_columnar(path)
    finally:
        jsonl._READ_SIZE = old
    assert got is not None
    chunks = got[0]["response"].array._pa_array.chunks
    assert [len(c) for c in chunks] == [len(c) for c in whole["response"].chunks]
    assert len(chunks) > 10
