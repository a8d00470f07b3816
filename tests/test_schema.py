"""The samples-table contract: dtypes, validation, RunInfo."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.schema import (
    CORE_COLUMNS,
    REQUIRED,
    Rejection,
    coerce_core_dtypes,
    empty_samples,
    guess_role,
    read_run_info,
    validate_samples,
)


def test_empty_table_has_contract_dtypes() -> None:
    df = empty_samples()
    assert {c: str(t) for c, t in df.dtypes.items()} == CORE_COLUMNS
    assert set(REQUIRED) <= set(CORE_COLUMNS)


def test_coerce_adds_missing_and_keeps_extras_last() -> None:
    df = coerce_core_dtypes(pd.DataFrame({"extra": [1], "problem_id": ["a"], "sample_idx": [0]}))
    assert list(df.columns) == list(CORE_COLUMNS) + ["extra"]
    assert df["gold"].isna().all() and str(df["sample_idx"].dtype) == "Int64"


def test_validate_rejects_each_problem_once() -> None:
    df = pd.DataFrame(
        {
            "run": ["r"] * 6,
            "problem_id": ["a", "a", None, "b", "b", "a"],
            "sample_idx": [0, 1, 0, -1, 0, 0],
            "response": ["x", " \n", "y", "z", "w", "dup"],
            "source_file": ["f.jsonl"] * 6,
            "source_line": [1, 2, 3, 4, 5, 6],
        }
    )
    valid, rejections = validate_samples(df)
    assert valid["source_line"].tolist() == [1, 5]
    assert rejections == [
        Rejection("f.jsonl", 2, "empty response", "r"),
        Rejection("f.jsonl", 3, "missing required field 'problem_id'", "r"),
        Rejection("f.jsonl", 4, "negative sample_idx", "r"),
        Rejection("f.jsonl", 6, "duplicate (run, problem_id, sample_idx)", "r"),
    ]
    assert str(rejections[0]) == "f.jsonl:2: empty response"


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("qwen2.5-math-1.5b-base", "base"),
        ("Qwen-Zero-RL", "rl"),
        ("simplerl_grpo_step100", "rl"),
        ("deepseek-r1-distill-qwen-1.5b", "distilled"),
        ("my-sft-model", "distilled"),
        ("llama", "other"),
        ("baseline-ppo", "rl"),
    ],
)
def test_guess_role(name: str, role: str) -> None:
    assert guess_role(name) == role


def test_run_info_from_file_and_guess(tmp_path: Path) -> None:
    guessed = read_run_info(None, "qwen-zero")
    assert (guessed.role, guessed.role_guessed, guessed.model) == ("rl", True, None)
    (tmp_path / "run.json").write_text('{"model": "m", "reference": "qwen-base", "seed": 3}')
    info = read_run_info(tmp_path, "x-distill")
    assert (info.model, info.role, info.role_guessed) == ("m", "distilled", True)
    assert info.reference == "qwen-base" and info.extra == {"seed": 3}
    assert info.to_dict()["name"] == "x-distill"
    (tmp_path / "run.json").write_text("[1]")
    with pytest.raises(ValueError, match="expected a JSON object"):
        read_run_info(tmp_path, "x")
    (tmp_path / "run.json").write_text("{oops")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_run_info(tmp_path, "x")


def test_rejected_row_does_not_shadow_a_later_valid_duplicate() -> None:
    df = pd.DataFrame(
        {"run": ["r", "r"], "problem_id": ["a", "a"], "sample_idx": [0, 0], "response": ["", "ok"]}
    )
    valid, rejections = validate_samples(df)
    assert valid["response"].tolist() == ["ok"]
    assert [r.reason for r in rejections] == ["empty response"]


def test_rejection_location_without_a_line() -> None:
    df = pd.DataFrame(
        {
            "run": ["r", "r"],
            "problem_id": ["a", "b"],
            "sample_idx": [0, 0],
            "response": ["ok", " "],
            "source_file": [None, "log.eval!samples/b_epoch_1.json"],
        }
    )
    _, (archived,) = validate_samples(df)
    assert str(archived) == "log.eval!samples/b_epoch_1.json: empty response"  # no fake line
    _, (in_memory,) = validate_samples(df.drop(columns="source_file"))
    assert (in_memory.file, in_memory.line) == ("<table>", 1)  # the row's position
