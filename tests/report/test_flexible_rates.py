"""Flexible reasoning quotes the same pooled rate as the language section (one meaning per
label), and pairs problems on per-problem pooled rates; checked against NumPy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from traceanalysis.flexible import flexible_findings, flexible_table, paired_difference
from traceanalysis.lexical.tables import lexical_table


def _samples() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    rows = []
    for run, role, scale in (("r", "rl", 1), ("d", "distilled", 3)):
        for p in range(6):
            for s in range(4):
                tokens = int(rng.integers(20, 400))
                rows.append(
                    {
                        "run": run,
                        "role": role,
                        "problem_id": f"p{p}",
                        "sample_idx": s,
                        "n_tokens": tokens,
                        "n_words": tokens,
                        "anthropomorphic_count": int(rng.integers(0, 4 * scale)),
                        "logical_connectors_count": int(rng.integers(0, 3)),
                    }  # fmt: skip
                )
    df = pd.DataFrame(rows)
    for lex in ("anthropomorphic", "logical_connectors"):
        df[f"{lex}_per_1k"] = 1000 * df[f"{lex}_count"] / df["n_tokens"]
    return df


def test_flexible_value_is_the_pooled_rate_of_the_lexical_table() -> None:
    df = _samples()
    flex = flexible_table(df).set_index(["run", "indicator"])
    lex = lexical_table(df, lexicons=["anthropomorphic", "logical_connectors"]).set_index("run")
    for run in ("r", "d"):
        part = df[df["run"] == run]
        pooled = np.sum(part["anthropomorphic_count"]) * 1000 / np.sum(part["n_tokens"])
        mean = np.mean(part["anthropomorphic_per_1k"])
        value = flex.loc[(run, "anthropomorphic_pooled_per_1k"), "value"]
        assert value == pytest.approx(pooled)
        assert lex.loc[run, "anthropomorphic_pooled_per_1k"] == pytest.approx(value)
        assert lex.loc[run, "anthropomorphic_mean_per_1k"] == pytest.approx(mean)
        assert value != pytest.approx(mean)  # the data tell the two apart
    assert list(flexible_table(df)["run"].drop_duplicates()) == ["r", "d"]  # role order


def test_paired_pooled_difference_against_a_numpy_loop() -> None:
    df = _samples()
    mean, lo, hi, n = paired_difference(
        df, "anthropomorphic_count", "d", "r", tokens="n_tokens", n_boot=500, seed=0
    )
    diffs = []
    for p in sorted(df["problem_id"].unique()):
        rate = {}
        for run in ("d", "r"):
            part = df[(df["run"] == run) & (df["problem_id"] == p)]
            rate[run] = 1000 * part["anthropomorphic_count"].sum() / part["n_tokens"].sum()
        diffs.append(rate["d"] - rate["r"])
    assert n == 6
    assert mean == pytest.approx(np.mean(diffs))
    assert lo <= mean <= hi
    text = " ".join(flexible_findings(df, flexible_table(df), [("d", "r")], {}))
    assert "anthropomorphic tokens per 1k tokens (pooled)" in text
    assert "mean over 6 shared problems of the per-problem difference (d minus r" in text
