"""Frequency tables and the stratified lexical table, against direct pandas computations."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from traceanalysis.lexical import count_lexicons, get_tokenizer
from traceanalysis.lexical.frequency import (
    frequency_table,
    token_counter,
    token_frequency_table,
)
from traceanalysis.lexical.tables import lexical_table


def test_frequency_table_per_10k_and_order():
    table = frequency_table(Counter({"b": 2, "a": 2, "c": 6}), top=2)
    assert table["token"].tolist() == ["c", "a"]
    assert table["per_10k"].tolist() == [6000.0, 2000.0]


def test_token_frequency_table_decodes_tokens():
    tok = get_tokenizer()
    ids = tok.encode(["wait wait wait so"])[0]
    counts = np.bincount(ids, minlength=tok.vocab_size)
    table = token_frequency_table(counts, tok)
    assert table["token"].tolist() == [" wait", " so", "wait"]  # by count, then token id
    assert table["count"].tolist() == [2, 1, 1]
    assert table["token_id"].tolist()[1] < table["token_id"].tolist()[2]
    assert table["per_10k"].sum() == pytest.approx(10_000)


def test_token_labels_do_not_depend_on_the_corpus():
    tok = get_tokenizer()
    # Two different byte-fragment tokens that both print as U+FFFD.
    first, second = [i for i in range(200) if tok.token_text(i) == "\ufffd"][:2]
    a = np.zeros(tok.vocab_size, dtype=np.int64)
    b = a.copy()
    a[first], b[second] = 5, 7
    labels_a, labels_b = token_counter(a, tok), token_counter(b, tok)
    assert set(labels_a).isdisjoint(labels_b)  # not one token counted in both
    assert labels_a == Counter({f"\ufffd#{first}": 5})
    both = a + b
    assert token_counter(both, tok) == labels_a + labels_b


def samples() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "run": ["a"] * 6 + ["b"] * 2,
            "response": [
                "Wait, ok.",
                "Hmm wait but",
                "So so so",
                "ok",
                "fine",
                "Wait wait",
                "x",
                "however",
            ],
            "correct": pd.array(
                [True, True, False, None, False, True, True, False], dtype="boolean"
            ),
            "difficulty_bin": ["0", "1-4", "1-4", "0", "0", "1-4", "0", "0"],
        }
    )
    return count_lexicons(df)


def test_lexical_table_strata_match_direct_computation():
    df = samples()
    table = lexical_table(df)
    assert table.columns[:6].tolist() == [
        "run",
        "correct",
        "difficulty_bin",
        "n_responses",
        "tokens_mean",
        "words_mean",
    ]
    a = table[table["run"] == "a"]
    assert a[["correct", "difficulty_bin"]].astype(str).agg("/".join, axis=1).tolist() == [
        "all/all",
        "all/0",
        "all/1-4",
        "True/all",
        "True/0",
        "True/1-4",
        "False/all",
        "False/0",
        "False/1-4",
    ]
    cell = a[(a["correct"] == True) & (a["difficulty_bin"] == "1-4")].iloc[0]  # noqa: E712
    rows = df[(df["run"] == "a") & (df["correct"] == True) & (df["difficulty_bin"] == "1-4")]  # noqa: E712
    assert cell["n_responses"] == len(rows) == 2
    kim = rows["reflection_kim2025_count"]
    # pooled (total matches / total tokens) and mean of per-response rates, by NumPy
    pooled = np.sum(kim.to_numpy()) * 1000 / np.sum(rows["n_tokens"].to_numpy())
    each = kim.to_numpy(dtype=float) * 1000 / rows["n_tokens"].to_numpy(dtype=float)
    assert cell["reflection_kim2025_pooled_per_1k"] == pytest.approx(pooled)
    assert cell["reflection_kim2025_mean_per_1k"] == pytest.approx(np.mean(each))
    assert "reflection_kim2025_per_1k" not in table.columns  # no rate without its kind
    assert cell["reflection_kim2025_per_response"] == pytest.approx(kim.mean())
    assert cell["reflection_kim2025_present_share"] == pytest.approx((kim > 0).mean())
    everything = a[(a["correct"] == "all") & (a["difficulty_bin"] == "all")].iloc[0]
    assert everything["n_responses"] == 6  # the ungraded row counts in "all" only
    assert everything["tokens_mean"] == pytest.approx(df.loc[df["run"] == "a", "n_tokens"].mean())
    assert set(table["tokenizer"]) == {df.attrs["tokenizer"]["name"]} and set(table["unit"]) == {
        "tokens"
    }


def test_lexical_table_without_grades_or_bins():
    df = samples().drop(columns=["correct", "difficulty_bin"])
    table = lexical_table(df)
    assert table[["run", "correct", "difficulty_bin"]].values.tolist() == [
        ["a", "all", "all"],
        ["b", "all", "all"],
    ]


def test_pooled_and_mean_rates_are_two_numbers_with_two_names():
    # one short response dense with the word, one long one without: pooled 2.0, mean 50.5
    tokens = np.array([20, 980, 100, 100])
    counts = np.array([1, 1, 3, 0])
    df = pd.DataFrame(
        {
            "run": ["d", "d", "b", "b"],
            "role": ["distilled", "distilled", "base", "base"],
            "n_tokens": tokens,
            "n_words": tokens,
            "x_count": counts,
        }
    )
    table = lexical_table(df, lexicons=["x"]).set_index("run")
    assert list(table.index) == ["b", "d"]  # role order: base first
    d = table.loc["d"]
    assert d["x_pooled_per_1k"] == pytest.approx(2 * 1000 / 1000)
    assert d["x_mean_per_1k"] == pytest.approx(np.mean(counts[:2] * 1000 / tokens[:2]))
    assert d["x_pooled_per_1k"] != pytest.approx(d["x_mean_per_1k"])
