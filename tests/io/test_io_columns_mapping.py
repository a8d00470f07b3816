"""``--columns`` on what real files hold (issue 12, item 6): lists of samples per row,
objects keyed by problem, keys with dots, typos in nested paths, the string form."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from traceanalysis.errors import InputError
from traceanalysis.io import load_runs
from traceanalysis.io.mapping import parse_columns


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _accounted(df, responses_in_file: int) -> None:  # noqa: ANN001
    assert len(df) + len(df.attrs["rejections"]) == responses_in_file


def test_a_list_of_samples_per_row_becomes_one_row_each(tmp_path: Path) -> None:
    """AQuA self-consistency: 30 sampled rationales and their verdicts on one line."""
    rows = [
        {
            "qid": f"aqua-{q}",
            "question": f"Question {q}? Options: A) 1 B) 2",
            "correct": "B",
            "responses": [f"q{q} sample {i}: answer B" for i in range(30)],
            "is_right": [i % 3 == 0 for i in range(30)],
        }
        for q in range(2)
    ] + [{"qid": "aqua-empty", "question": "?", "correct": "A", "responses": [], "is_right": []}]
    path = _write_jsonl(tmp_path / "aqua_sc.jsonl", rows)
    mapping = "problem_id=qid,prompt=question,gold=correct,response=responses,correct=is_right"
    df = load_runs(path, columns=mapping)  # the CLI's string form
    _accounted(df, 60 + 1)  # the empty list is one rejected row
    assert len(df) == 60
    first = df[df["problem_id"] == "aqua-0"]
    assert first["sample_idx"].tolist() == list(range(30))
    assert first["response"].iloc[7] == "q0 sample 7: answer B"
    assert first["source_correct"].tolist() == [i % 3 == 0 for i in range(30)]
    assert set(df["source_metric"]) == {"is_right"}
    assert set(df["gold_field"]) == {"correct"}
    assert set(df["source_problem_id"]) == {"aqua-0", "aqua-1"}
    (rej,) = df.attrs["rejections"]
    assert rej.line == 3 and "holds no responses" in rej.reason


def test_an_object_keyed_by_problem_with_dotted_keys_and_a_path_through_a_list(
    tmp_path: Path,
) -> None:
    data = {
        "17": {"q": "1+1?", "gold": "2", "samples": {"0.7": [{"text": "2"}, {"text": "3"}]}},
        "18": {"q": "2+2?", "gold": "4", "samples": {"0.7": [{"text": "4"}]}},
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(data))
    df = load_runs(path, columns=r"prompt=q,gold=gold,response=samples.0\.7.text")
    _accounted(df, 3)
    assert df["problem_id"].tolist() == ["17", "17", "18"]  # the key
    assert df["sample_idx"].tolist() == [0, 1, 0]
    assert df["response"].tolist() == ["2", "3", "4"]
    assert df["source_problem_id"].tolist() == ["17", "17", "18"]
    assert [i["format"] for i in df.attrs["inputs"]] == ["mapped"]


def test_a_typo_in_a_nested_path_names_the_path_the_file_and_the_keys(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "out.jsonl",
        [{"id": 1, "output": {"text": "x", "tokens": 3}}, {"id": 2, "output": {"text": "y"}}],
    )
    with pytest.raises(InputError) as err:
        load_runs(path, columns="problem_id=id,response=output.txt")
    message = str(err.value)
    assert str(path) in message and "'output.txt'" in message
    assert "keys there: text, tokens" in message and "did you mean 'text'?" in message
    with pytest.raises(InputError, match="did you mean 'output'"):
        load_runs(path, columns="problem_id=id,response=outptu.text")


def test_a_typo_through_a_list_is_named_even_when_a_row_has_an_empty_list(
    tmp_path: Path,
) -> None:
    # An empty list matches no key either: it must not hide the typo (every row would
    # otherwise be rejected as 'missing required field response').
    path = _write_jsonl(
        tmp_path / "sc.jsonl",
        [
            {"id": 1, "outs": [{"text": "\\boxed{1}"}, {"text": "\\boxed{2}"}]},
            {"id": 2, "outs": []},
        ],
    )
    with pytest.raises(InputError, match=r"path 'outs.txt' matches nothing.*did you mean 'text'"):
        load_runs(path, columns="problem_id=id,response=outs.txt")
    df = load_runs(path, columns="problem_id=id,response=outs.text")
    _accounted(df, 3)  # two responses loaded, the empty list's row rejected


def test_parse_columns_escapes_and_repeated_targets() -> None:
    assert parse_columns(r"response=a\.b,gold=x\,y") == {"response": r"a\.b", "gold": "x,y"}
    assert parse_columns(" ") is None
    with pytest.raises(InputError, match="given twice"):
        parse_columns("response=a,response=b")
    with pytest.raises(InputError, match="given twice"):
        parse_columns("problem_id=id,correct=ok,score=s")  # one label, two sources
    with pytest.raises(InputError, match="NAME=SOURCE"):
        parse_columns("response")


def test_a_column_name_with_a_dot_still_maps_as_written(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "flat.jsonl", [{"id": 1, "output.text": "z"}])
    df = load_runs(path, columns="problem_id=id,response=output.text")
    assert df["response"].tolist() == ["z"]


def test_cli_repeated_target_is_a_one_line_error(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "flat.jsonl", [{"id": 1, "out": "z"}])
    result = subprocess.run(
        [sys.executable, "-m", "traceanalysis", "inspect", str(path), "--quiet"]
        + ["--columns", "problem_id=id,response=out,response=id"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: --columns: 'response' is given twice")
