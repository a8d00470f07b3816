"""Bad input never crashes and never disappears: each rejected row names file, line, reason."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from traceanalysis.errors import InputError
from traceanalysis.io import load_runs


def _record(i: int) -> dict:
    return {"problem_id": f"p{i // 4}", "sample_idx": i % 4, "response": f"answer \\boxed{{{i}}}"}


def _line(record: dict) -> bytes:
    return json.dumps(record).encode() + b"\n"


def test_each_kind_of_bad_line_is_reported(tmp_path: Path) -> None:
    lines = [
        _line(_record(0)),
        _line(_record(1))[:-15] + b"\n",  # truncated JSON
        _line({**_record(2), "sample_idx": "two"}),  # wrong type
        _line({"problem_id": "p0", "sample_idx": 3}),  # missing response
        _line({**_record(4), "response": "   "}),  # empty response
        b'{"problem_id": "p1", "sample_idx": 1, "response": "caf\xe9"}\n',  # latin-1 byte
        _line(_record(0)),  # duplicate of line 1
        b"\n",  # blank line: not a record
        _line([1, 2, 3]),  # not an object
        _line({**_record(5), "problem_id": ["p", 1]}),  # wrong id type
        _line(_record(6)),
    ]
    path = tmp_path / "run-a.jsonl"
    path.write_bytes(b"".join(lines))
    df = load_runs(path)
    assert df["source_line"].tolist() == [1, 5, 11]  # a blank response is a response
    assert df["response"].tolist()[1] == "   "
    records = len([line for line in lines if line.strip()])
    assert records == len(df) + len(df.attrs["rejections"])
    got = {(r.line, r.reason.split(" (")[0]) for r in df.attrs["rejections"]}
    assert got == {
        (2, "not valid JSON"),
        (3, "sample_idx: expected an integer, got str 'two'"),
        (4, "missing required field 'response'"),
        (6, "not valid UTF-8"),
        (7, "duplicate"),
        (9, "expected a JSON object, got list"),
        (10, "problem_id: expected a string or integer id, got list ['p', 1]"),
    }
    assert all(r.file == str(path) and r.run == "run-a" for r in df.attrs["rejections"])


def test_fifty_megabyte_line(tmp_path: Path) -> None:
    huge = "wait " * (10 << 20)  # 50 MiB of text in one response
    path = tmp_path / "big.jsonl"
    with path.open("w") as handle:
        handle.write(json.dumps(_record(0)) + "\n")
        handle.write(json.dumps({**_record(1), "response": huge}) + "\n")
        handle.write(json.dumps({**_record(2), "response": huge})[: 30 << 20] + "\n")
    df = load_runs(path)
    assert df["source_line"].tolist() == [1, 2]
    assert len(df["response"].iloc[1]) == len(huge)
    (rej,) = df.attrs["rejections"]
    assert rej.line == 3 and rej.reason.startswith("not valid JSON")


def test_mixed_formats_in_one_run_folder(fixtures_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "mixed-run"
    run.mkdir()
    formats = fixtures_dir / "formats"
    (run / "samples.jsonl").write_bytes((formats / "native.jsonl").read_bytes())
    (run / "qwen.jsonl").write_bytes((formats / "qwen_math.jsonl").read_bytes())
    (run / "run.json").write_text('{"role": "distilled", "model": "m"}')
    df = load_runs(run)
    info = df.attrs["runs"]["mixed-run"]
    assert info.format == "native+qwen_math"
    assert (info.role, info.role_guessed, info.model) == ("distilled", False, "m")
    assert sorted(i["format"] for i in df.attrs["inputs"]) == ["native", "qwen_math"]
    assert len(df) == 4 + 6


MANGLES = ["truncate", "wrong_type", "missing", "no_text", "non_utf8", "duplicate", "not_object"]
# Odd, but loaded: the row stays (an odd label or step becomes null and is counted).
ODD = ["empty", "blank", "newline", "bad_label", "bad_step", "bad_finish"]


def _odd(kind: str, i: int) -> bytes:
    record = _record(i)
    if kind in ("empty", "blank", "newline"):
        return _line({**record, "response": {"empty": "", "blank": " \t ", "newline": "\n"}[kind]})
    if kind == "bad_label":
        return _line({**record, "score": ["0.5", "0.9999", "2", "maybe", 2, -1.0][i % 6]})
    if kind == "bad_step":
        return _line({**record, "step": "late"})
    return _line({**record, "finish_reason": {"why": "stop"}})


def _mangle(kind: str, i: int) -> bytes:
    record = _record(i)
    if kind in ODD:
        return _odd(kind, i)
    if kind == "truncate":
        return _line(record)[:-5] + b"\n"
    if kind == "wrong_type":
        return _line({**record, "sample_idx": {"n": i}})
    if kind == "missing":
        return _line({k: v for k, v in record.items() if k != "problem_id"})
    if kind == "no_text":
        return _line({**record, "response": None})
    if kind == "non_utf8":
        return _line(record).replace(b"answer", b"answ\xff\xfer")
    if kind == "duplicate":
        return _line(_record(0))  # record 0 is always valid and comes first
    return b"42\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from([None, *MANGLES, *ODD]), min_size=1, max_size=25),
)
def test_mangled_records_property(plan: list[str | None]) -> None:
    plan = [None, *plan]  # line 1 stays valid: duplicates refer to it
    lines = [_line(_record(i)) if kind is None else _mangle(kind, i) for i, kind in enumerate(plan)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prop.jsonl"
        path.write_bytes(b"".join(lines))
        df = load_runs(path)
    mangled = {i + 1 for i, kind in enumerate(plan) if kind in MANGLES}
    valid = [i + 1 for i, kind in enumerate(plan) if kind not in MANGLES]
    odd = [i + 1 for i, kind in enumerate(plan) if kind in ("bad_label", "bad_step", "bad_finish")]
    assert df["source_line"].tolist() == valid
    assert sorted(r.line for r in df.attrs["rejections"]) == sorted(mangled)
    assert len(plan) == len(df) + len(df.attrs["rejections"])  # rows in = loaded + rejected
    assert sorted(r.line for r in df.attrs["label_issues"]) == odd  # each odd value counted
    labelled = df.set_index("source_line")
    for line in odd:
        if plan[line - 1] == "bad_label":
            assert pd.isna(labelled.loc[line, "source_correct"])
            assert "score" in json.loads(labelled.loc[line, "source_scores"])


def test_bisection_locates_bad_lines_in_a_big_file(tmp_path: Path) -> None:
    from traceanalysis.io.jsonl import read_jsonl_columnar

    bad_at = {7, 500, 999}
    lines = [
        _line(_record(i))[:-9] + b"\n" if i + 1 in bad_at else _line(_record(i))
        for i in range(1000)
    ]
    lines.insert(300, b"\n")  # a blank line shifts every later line number by one
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"".join(lines))
    located = read_jsonl_columnar(path)
    assert located is not None  # stayed on the columnar path
    frame, rejections = located
    expected_bad = {n if n <= 300 else n + 1 for n in bad_at}
    assert {r.line for r in rejections} == expected_bad
    assert len(frame) == 997 and frame["source_line"].is_monotonic_increasing
    df = load_runs(path)
    assert len(df) == 997
    assert not set(df["source_line"]) & expected_bad
    assert df.loc[df["source_line"] == 302, "sample_idx"].tolist() == [
        300 % 4
    ]  # record 300 sits on line 302


def test_rejections_are_shared_not_deep_copied(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(_line(_record(0)) + b"oops\n" + _line(_record(1)))
    df = load_runs(path)
    subset = df[df["sample_idx"] == 1]
    assert subset.attrs["rejections"] is df.attrs["rejections"]
    assert [r.line for r in subset.attrs["rejections"]] == [2]


def test_bad_csv_rows_are_rejected_by_file_line(tmp_path: Path) -> None:
    path = tmp_path / "run-c.csv"
    path.write_bytes(
        b"problem_id,sample_idx,response\n"
        b'p1,0,"two\nlines"\n'  # one row over lines 2-3
        b"p1,1,a,b\n"  # line 4: a field too many
        b"\n"
        b"p1,2,caf\xe9\n"  # line 6: Latin-1 byte
        b"p1,3,\n"  # line 7: empty response (a response)
        b"p1,,x\n"  # line 8: empty sample index: missing
        b",5,x\n"  # line 9: empty problem id: missing
        b"p1,4,ok\n"
    )
    df = load_runs(path)
    assert df["source_line"].tolist() == [2, 7, 10]
    assert df["response"].tolist() == ["two\nlines", "", "ok"]
    got = [(r.line, r.reason) for r in df.attrs["rejections"]]
    assert got == [
        (4, "expected 3 fields, got 4"),
        (6, "not valid UTF-8"),
        (8, "missing required field 'sample_idx'"),
        (9, "missing required field 'problem_id'"),
    ]
    assert len(df) + len(got) == 7  # rows in the file = loaded + rejected


def test_text_that_looks_like_a_date_stays_text(tmp_path: Path) -> None:
    # pyarrow's JSON reader would type these as timestamps (and the rows were rejected).
    rows = [
        {"problem_id": "2024-01-01", "sample_idx": 0, "response": "1999-12-31", "gold": "x"},
        {"problem_id": "2024-01-02", "sample_idx": 0, "response": "ok", "gold": "2020-01-01"},
    ]
    path = tmp_path / "dates.jsonl"
    path.write_bytes(b"".join(_line(r) for r in rows))
    df = load_runs(path)
    assert df.attrs["rejections"] == []
    assert df["problem_id"].tolist() == ["2024-01-01", "2024-01-02"]
    assert df["response"].tolist() == ["1999-12-31", "ok"]
    assert df["gold"].tolist() == ["x", "2020-01-01"]
    # The same on the block-wise path taken when a line is broken.
    path.write_bytes(path.read_bytes() + b"{broken\n")
    df = load_runs(path)
    assert df["response"].tolist() == ["1999-12-31", "ok"]
    assert [r.line for r in df.attrs["rejections"]] == [3]


def test_unreadable_eval_log_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "run.eval"
    path.write_text('{"not": "a zip"}')
    with pytest.raises(
        InputError, match=r"run\.eval: not an inspect_ai \.eval log \(expected a zip"
    ):
        load_runs(path)
