"""accuracy, passk and status-rate tables: column names, values by hand, ragged n."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from metrics_helpers import from_counts, graded

from traceanalysis.metrics import accuracy_table, pass_at_k, passk_table, status_rates


def _df() -> pd.DataFrame:
    rows = from_counts("base", {"a": (8, 2), "b": (8, 8), "c": (4, 0)}, "base")
    rows += from_counts("rl", {"a": (8, 5), "b": (8, 8), "c": (8, 1)}, "rl")
    rows.append(
        {
            "run": "rl",
            "role": "rl",
            "problem_id": "c",
            "sample_idx": 8,
            "correct": None,
            "grade_status": "timeout",
            "extracted": None,
        }
    )
    return graded(rows)


def test_accuracy_table_columns_and_values() -> None:
    table = accuracy_table(_df(), n_boot=200).set_index("run")
    expected_cols = ["role", "n_problems", "n_samples", "n_min", "n_max", "n_unverified"]
    for name in ["pass@1", "pass@2", "pass@4", "pass@8", "pass@9", "maj@4", "maj@8"]:
        expected_cols += [name, f"{name}_lo", f"{name}_hi"]
        expected_cols += [f"{name}_n_problems"] if name in ("pass@8", "pass@9") else []
    expected_cols += [
        f"status_{s}"
        for s in ("ok", "no_answer", "truncated", "timeout", "parse_error", "ungraded")
    ]
    assert list(table.columns) == expected_cols
    assert table.loc["base", "n_min"] == 4 and table.loc["base", "n_max"] == 8
    assert table.loc["rl", "n_samples"] == 25
    assert table.loc["rl", "n_max"] == 9 and table.loc["rl", "n_unverified"] == 1
    assert table.loc["base", "pass@1"] == pytest.approx(np.mean([2 / 8, 1, 0]))
    # pass@8 on base: problem c has only 4 samples and is left out, and the table says so
    assert table.loc["base", "pass@8"] == pytest.approx(np.mean([1.0, 1.0]))
    assert table.loc["base", "pass@8_n_problems"] == 2
    assert table.loc["rl", "pass@8_n_problems"] == 3
    # rl's problem c: 9 samples, the timeout counts as not correct (unverified)
    assert table.loc["rl", "pass@4"] == pytest.approx(
        np.mean([pass_at_k(8, 5, 4), 1.0, pass_at_k(9, 1, 4)])
    )
    # maj: answers are "1"/"0" -> majority right iff c > n - c (ties: sample 0 is right)
    assert table.loc["rl", "maj@8"] == pytest.approx(2 / 3)
    assert table.loc["base", "maj@4"] == pytest.approx(2 / 3)  # first 4 of a: 2 right, tie
    assert table.loc["rl", "status_timeout"] == pytest.approx(1 / 25)
    for name in ["pass@1", "pass@4"]:
        for run in ("base", "rl"):
            assert (
                table.loc[run, f"{name}_lo"] <= table.loc[run, name] <= table.loc[run, f"{name}_hi"]
            )
    values = table.filter(regex=r"^(pass|maj)@\d+(_lo|_hi)?$").to_numpy(dtype=float)
    values = values[np.isfinite(values)]  # base has no pass@9 (n_max 8)
    assert values.size and ((values >= 0) & (values <= 1)).all()


def test_tables_are_identical_on_rerun() -> None:
    pd.testing.assert_frame_equal(accuracy_table(_df()), accuracy_table(_df()))
    pd.testing.assert_frame_equal(passk_table(_df()), passk_table(_df()))


def test_passk_table_every_k_and_ragged_counts() -> None:
    table = passk_table(_df(), n_boot=200)
    base = table.loc[table["run"] == "base"].set_index("k")
    assert base.index.tolist() == list(range(1, 9))
    assert base.loc[4, "n_problems"] == 3 and base.loc[5, "n_problems"] == 2
    assert base.loc[2, "value"] == pytest.approx(np.mean([pass_at_k(8, 2, 2), 1, 0]))
    assert list(table.columns) == ["run", "k", "value", "lo", "hi", "n_problems", "complete"]
    assert base.loc[4, "complete"] and not base.loc[5, "complete"]


def test_status_rates_sum_to_one() -> None:
    rates = status_rates(_df()).set_index("run")
    assert np.allclose(rates.sum(axis=1), 1.0)
