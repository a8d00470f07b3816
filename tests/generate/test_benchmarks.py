"""Benchmarks: local files with and without a column mapping, built-in names offline."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.errors import InputError
from traceanalysis.generate.benchmarks import BUILTIN, builtin_key, load_benchmark
from traceanalysis.generate.hub import _gpqa_row, _gsm8k_gold


def test_native_jsonl_needs_no_mapping(gen_fixtures: Path) -> None:
    bench = load_benchmark(str(gen_fixtures / "bench_native.jsonl"))
    assert [p.problem_id for p in bench.problems] == ["p1", "p2", "p3", "p4"]
    assert bench.problems[1].prompt == "compute 6 * 7"
    assert bench.problems[1].gold == "42"
    assert bench.source["kind"] == "local" and bench.source["format"] == "jsonl"
    assert bench.source["n_problems"] == 4
    assert len(bench.source["sha256"]) == 64


def test_column_mapping_and_integral_floats(gen_fixtures: Path) -> None:
    mapping = {"problem_id": "idx", "prompt": "question", "gold": "gt"}
    bench = load_benchmark(str(gen_fixtures / "bench_mapped.jsonl"), columns=mapping)
    assert [(p.problem_id, p.gold) for p in bench.problems] == [
        ("7", "4"),
        ("8", "42"),
        ("9", None),
    ]
    assert bench.source["columns"] == mapping


def test_aliases_in_csv_and_limit(gen_fixtures: Path) -> None:
    bench = load_benchmark(str(gen_fixtures / "bench_aliases.csv"), limit=1)
    assert bench.problems == [bench.problems[0]]
    assert (bench.problems[0].problem_id, bench.problems[0].prompt, bench.problems[0].gold) == (
        "a",
        "what is 2 + 2 ?",
        "4",
    )


def test_parquet_and_saved_dataset(gen_fixtures: Path, tmp_path: Path) -> None:
    import datasets

    rows = [json.loads(x) for x in (gen_fixtures / "bench_native.jsonl").read_text().splitlines()]
    pd.DataFrame(rows).to_parquet(tmp_path / "b.parquet")
    from_parquet = load_benchmark(str(tmp_path / "b.parquet"))
    datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)}).save_to_disk(
        str(tmp_path / "ds")
    )
    from_disk = load_benchmark(str(tmp_path / "ds"))
    assert from_parquet.problems == from_disk.problems
    assert [p.gold for p in from_disk.problems] == ["4", "42", "15", "12"]
    assert from_disk.source["format"] == "hf-dataset"


def test_row_index_when_no_id_column(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"question": "q0", "answer": "1"}\n{"question": "q1", "answer": "2"}\n')
    bench = load_benchmark(str(path))
    assert [p.problem_id for p in bench.problems] == ["0", "1"]
    assert bench.source["columns"]["problem_id"] == "<row index>"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bench_bad_line.jsonl", "bench_bad_line.jsonl:2: not valid JSON"),
        ("bench_duplicate.jsonl", "duplicate problem_id 'p1'"),
        ("bench_no_prompt.jsonl", "no prompt column"),
    ],
)
def test_bad_files_name_file_and_line(gen_fixtures: Path, name: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected.replace("*", r"\*")):
        load_benchmark(str(gen_fixtures / name))


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("b.json", b'[{"prompt": "a"},\n {"prompt": }]', r"b\.json:2: not valid JSON"),
        ("b.parquet", b"PAR1 not really parquet", r"b\.parquet: not a readable parquet file"),
        ("b.csv", b"", r"b\.csv: not a readable csv file"),
        ("b.jsonl", b'{"prompt": "caf\xe9"}\n', r"b\.jsonl: not UTF-8 text"),
    ],
)
def test_unreadable_files_are_input_errors(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=expected):
        load_benchmark(str(tmp_path / name))


def test_mapping_to_missing_column(gen_fixtures: Path) -> None:
    with pytest.raises(InputError, match="mapped column 'nope' for prompt not found"):
        load_benchmark(str(gen_fixtures / "bench_native.jsonl"), columns={"prompt": "nope"})


def test_builtin_names() -> None:
    assert builtin_key("MATH-500") == "math500"
    assert builtin_key("GSM8K") == "gsm8k"
    assert builtin_key("AIME 2024") == "aime2024"
    assert builtin_key("aime25") == "aime2025"
    assert builtin_key("AMC-2023") == "amc2023"
    assert builtin_key("GPQA-Diamond") == "gpqa-diamond"
    assert builtin_key("mmlu") is None
    assert set(BUILTIN) == {"math500", "gsm8k", "aime2024", "aime2025", "amc2023", "gpqa-diamond"}


def test_hub_benchmark_offline_fails_at_once() -> None:
    start = time.perf_counter()
    with pytest.raises(InputError, match="offline.*pass a local JSONL/parquet file"):
        load_benchmark("MATH-500", limit=3)
    assert time.perf_counter() - start < 5.0


def test_unknown_name() -> None:
    with pytest.raises(InputError, match="neither a file nor a built-in name"):
        load_benchmark("no-such-benchmark")


def test_gsm8k_gold() -> None:
    assert _gsm8k_gold({"answer": "She pays 3 * 4 = <<3*4=12>>12.\n#### 1,200"}) == "1200"


def test_gpqa_options_shuffled_reproducibly(gen_fixtures: Path) -> None:
    row = json.loads((gen_fixtures / "gpqa_rows.jsonl").read_text())
    prompt, gold = _gpqa_row(row)
    assert _gpqa_row(row) == (prompt, gold)
    lines = prompt.splitlines()[-4:]
    assert [line[:3] for line in lines] == ["A) ", "B) ", "C) ", "D) "]
    assert sorted(line[3:] for line in lines) == sorted(
        ["Nitrogen", "Oxygen", "Argon", "Carbon dioxide"]
    )
    assert f"{gold}) Nitrogen" in lines


HUB_ROWS = {
    "math500": (
        {
            "problem": "Find $x$.",
            "solution": "...",
            "answer": "\\frac{1}{2}",
            "unique_id": "test/algebra/1.json",
        },
        ("test/algebra/1.json", "Find $x$.", "\\frac{1}{2}"),
    ),
    "gsm8k": (
        {"question": "How many?", "answer": "2 + 2 = 4\n#### 1,004"},
        ("0", "How many?", "1004"),
    ),
    "aime2024": ({"id": 60, "problem": "Find N.", "answer": "204"}, ("60", "Find N.", "204")),
    "aime2025": ({"id": "0", "problem": "Find M.", "answer": "70"}, ("0", "Find M.", "70")),
    "amc2023": ({"id": 3, "question": "Compute.", "answer": 27.0}, ("3", "Compute.", "27")),
}


@pytest.mark.parametrize("key", sorted(HUB_ROWS))
def test_builtin_column_mapping(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    row, expected = HUB_ROWS[key]
    calls = []

    def fake_load_dataset(path, config=None, split=None):
        calls.append((path, config, split))
        return datasets.Dataset.from_list([row])

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    bench = load_benchmark(key)
    spec = BUILTIN[key]
    assert calls == [(spec.path, spec.config, spec.split)]
    p = bench.problems[0]
    assert (p.problem_id, p.prompt, p.gold) == expected
    assert bench.source["kind"] == "hub" and bench.source["path"] == spec.path


def test_builtin_with_unexpected_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    monkeypatch.setattr(
        datasets, "load_dataset", lambda *a, **k: datasets.Dataset.from_list([{"q": "x"}])
    )
    with pytest.raises(InputError, match=r"has no column\(s\) \['problem', 'answer'\]"):
        load_benchmark("MATH-500")
    with pytest.raises(InputError, match=r"has no column\(s\) \['question', 'answer'\]"):
        load_benchmark("GSM8K")
    with pytest.raises(InputError, match=r"no column\(s\) \['Question', 'Correct Answer', 'Inc"):
        load_benchmark("GPQA-Diamond")
