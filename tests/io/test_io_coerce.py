"""Value coercion rules and <think> post-processing, checked value by value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from traceanalysis.io import apply_think
from traceanalysis.io.coerce import BadValue, coerce_columns, to_bool, to_id, to_int, to_text
from traceanalysis.io.openai_batch import parse_custom_id
from traceanalysis.schema import coerce_core_dtypes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (0, False),
        (1.0, True),
        (-1.0, False),
        ("C", True),
        ("I", False),
        ("yes", True),
        ("false", False),
        (np.float64(0.5), True),
    ],
)
def test_to_bool(value: object, expected: bool) -> None:
    assert to_bool(value) is expected


def test_scalar_converters() -> None:
    assert to_id(7) == "7" and to_id(7.0) == "7" and to_id("007") == "007"
    assert to_int("12") == 12 and to_int(np.int64(3)) == 3 and to_int(4.0) == 4
    assert to_text(["1", "2"]) == '["1", "2"]' and to_text(0.5) == "0.5"
    for bad, fn in [
        (True, to_id),
        (1.5, to_int),
        (True, to_int),
        ("maybe", to_bool),
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
