"""Value coercion rules and <think> post-processing, checked value by value."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from traceanalysis.io import apply_think
from traceanalysis.io.coerce import BadValue, coerce_columns, to_id, to_int, to_label, to_text
from traceanalysis.io.openai_batch import parse_custom_id
from traceanalysis.schema import coerce_core_dtypes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (np.bool_(False), False),
        (0, False),
        (1, True),
        (1.0, True),
        (0.0, False),
        (np.float64(1.0), True),
        ("1", True),
        ("0", False),
        ("1.0", True),
        ("0.0", False),
        (" True ", True),
        ("false", False),
        ("C", True),
        ("I", False),
        ("yes", True),
    ],
)
def test_to_label_reads_labels(value: object, expected: bool) -> None:
    assert to_label(value) is expected


@pytest.mark.parametrize(
    "value", ["0.9999", "0.5", "2", "-1", "maybe", "", 0.5, 2, -1.0, np.float64(0.9999), [1]]
)
def test_to_label_refuses_scores_and_odd_values(value: object) -> None:
    with pytest.raises(BadValue):
        to_label(value)


def test_unreadable_label_keeps_the_row_and_its_raw_value() -> None:
    frame = pd.DataFrame(
        {
            "problem_id": ["a", "b", "c", "d"],
            "response": ["x", "y", "z", "w"],
            "source_correct": ["0.9999", True, "0.5", 2],
            "source_metric": ["score"] * 4,
            "step": [1, "late", 3, None],
            "finish_reason": ["stop", ["stop"], None, "length"],
            "source_line": [1, 2, 3, 4],
        }
    )
    out, rejections = coerce_columns(frame, "f.jsonl")
    assert rejections == []
    assert out["response"].tolist() == ["x", "y", "z", "w"]  # no response lost
    assert out["source_correct"].tolist() == [pd.NA, True, pd.NA, pd.NA]
    scores = [None if v is pd.NA else json.loads(v) for v in out["source_scores"]]
    assert scores == [{"score": "0.9999"}, None, {"score": "0.5"}, {"score": 2}]
    assert out["step"].tolist() == [1, pd.NA, 3, pd.NA]
    assert out["finish_reason"].tolist() == ["stop", pd.NA, pd.NA, "length"]
    issues = [(i.file, i.line, i.reason.split(":")[0]) for i in out.attrs["label_issues"]]
    assert issues == [
        ("f.jsonl", 1, "source_correct (from 'score')"),
        ("f.jsonl", 2, "finish_reason"),
        ("f.jsonl", 2, "step"),
        ("f.jsonl", 3, "source_correct (from 'score')"),
        ("f.jsonl", 4, "source_correct (from 'score')"),
    ]
    assert "'0.5' is not a label" in out.attrs["label_issues"][3].reason


def test_raw_label_joins_the_scores_the_reader_kept() -> None:
    frame = pd.DataFrame(
        {
            "problem_id": ["a"],
            "response": ["x"],
            "source_correct": ["0.5"],
            "source_scores": [{"f1": 0.5}],
            "source_line": [1],
        }
    )
    out, _ = coerce_columns(frame, "f.jsonl")
    assert json.loads(out["source_scores"].iloc[0]) == {"f1": 0.5, "source_correct": "0.5"}


def test_numeric_label_column_fast_path() -> None:
    frame = pd.DataFrame(
        {"problem_id": ["a", "b", "c"], "response": ["x"] * 3, "source_correct": [1.0, 0.0, None]}
    )
    out, _ = coerce_columns(frame.assign(source_line=[1, 2, 3]), "f.jsonl")
    assert out["source_correct"].tolist() == [True, False, pd.NA]
    assert out.attrs["label_issues"] == []


def test_scalar_converters() -> None:
    assert to_id(7) == "7" and to_id(7.0) == "7" and to_id("007") == "007"
    assert to_int("12") == 12 and to_int(np.int64(3)) == 3 and to_int(4.0) == 4
    assert to_text(["1", "2"]) == '["1", "2"]' and to_text(0.5) == "0.5"
    for bad, fn in [
        (True, to_id),
        (1.5, to_int),
        (True, to_int),
        ("maybe", to_label),
        ({"a"}, to_text),
    ]:
        with pytest.raises(BadValue):
            fn(bad)


def test_coerce_columns_rejects_by_line() -> None:
    frame = pd.DataFrame(
        {
            "problem_id": [1, 2.0, [3]],
            "sample_idx": [0, "1", 2],
            "response": ["a", "b", "c"],
            "source_line": [10, 11, 12],
        }
    )
    out, rejections = coerce_columns(frame, "f.jsonl")
    assert out["problem_id"].tolist() == ["1", "2"]
    assert out["sample_idx"].tolist() == [0, 1]
    assert [(r.file, r.line) for r in rejections] == [("f.jsonl", 12)]
    assert rejections[0].reason.startswith("problem_id: expected a string or integer id")


@pytest.mark.parametrize(
    ("custom_id", "expected"),
    [
        ("base/aime-1/3", ("base", "aime-1", 3)),
        ("run::math/12::0", ("run", "math/12", 0)),
        ("p7-2", (None, "p7-2", None)),
        ("p7__2", (None, "p7", 2)),
        ("request-abc", (None, "request-abc", None)),
    ],
)
def test_parse_custom_id(custom_id: str, expected: tuple) -> None:
    assert parse_custom_id(custom_id) == expected


def test_apply_think_cases() -> None:
    df = coerce_core_dtypes(
        pd.DataFrame(
            {
                "response": [
                    "<think>a</think>b",  # closed
                    "<THINK>a",  # unclosed: truncated
                    "x</think>y",  # tag in the prompt: split at the close
                    "plain",  # finish_reason length: truncated
                    "<think>given</think>z",  # reasoning from the source wins
                ],
                "finish_reason": [None, None, None, "length", None],
                "reasoning": [None, None, None, None, "from source"],
            }
        )
    )
    out = apply_think(df)
    assert out["reasoning"].tolist()[:3] == ["a", "a", "x"]
    assert out["reasoning"].isna().tolist()[3] and out["reasoning"].iloc[4] == "from source"
    assert out["truncated"].tolist() == [False, True, False, True, False]
