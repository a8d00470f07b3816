"""Difficulty bins, difficulty table, transitions and the reference run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from metrics_helpers import from_counts, graded

from traceanalysis.errors import InputError
from traceanalysis.metrics import (
    COARSE_BINS,
    DIFFICULTY_BINS,
    assign_difficulty,
    choose_reference,
    difficulty_table,
    entropy_table,
    transition_table,
)
from traceanalysis.metrics.difficulty import bin_index
from traceanalysis.schema import RunInfo

# The paper's bins by correct count out of 256, written out as ranges.
PAPER_RANGES = [(0, 0), (1, 4), (5, 16), (17, 32), (33, 64), (65, 128), (129, 192), (193, 256)]


def test_bins_reproduce_the_paper_ranges_at_n_256() -> None:
    c = np.arange(257)
    got = bin_index(c, np.full(257, 256))
    for index, (lo, hi) in enumerate(PAPER_RANGES):
        assert (got[lo : hi + 1] == index).all()
        assert DIFFICULTY_BINS[index] == ("0" if hi == 0 else f"{lo}-{hi}")


def test_bins_apply_to_rates_when_n_differs() -> None:
    # n = 64: c = 1 is rate 4/256 (bin 1-4), c = 2 is 8/256 (bin 5-16), c = 16 is 64/256
    got = bin_index(np.array([0, 1, 2, 4, 8, 16, 17, 32, 33, 48, 49, 64]), np.full(12, 64))
    assert [DIFFICULTY_BINS[i] for i in got] == [
        "0",
        "1-4",
        "5-16",
        "5-16",
        "17-32",
        "33-64",
        "65-128",
        "65-128",
        "129-192",
        "129-192",
        "193-256",
        "193-256",
    ]
    # n = 10: rate 0.1 = 25.6/256 -> 17-32; 0.3 = 76.8/256 -> 65-128
    got10 = bin_index(np.array([1, 3, 5, 8]), np.full(4, 10))
    assert [DIFFICULTY_BINS[i] for i in got10] == ["17-32", "65-128", "65-128", "193-256"]


def test_coarse_bins() -> None:
    upper = [64, 128, 192, 256]
    got = bin_index(np.array([0, 64, 65, 128, 129, 192, 193, 256]), np.full(8, 256), upper)
    assert [COARSE_BINS[i] for i in got] == [
        "0-64",
        "0-64",
        "65-128",
        "65-128",
        "129-192",
        "129-192",
        "193-256",
        "193-256",
    ]


def _two_runs() -> pd.DataFrame:
    base = {"a": (8, 0), "b": (8, 1), "c": (8, 4), "d": (8, 8), "e": (8, 6)}
    rl = {"a": (8, 0), "b": (8, 6), "c": (8, 8), "d": (8, 8), "e": (4, 1), "z": (8, 8)}
    return graded(from_counts("base", base, "base") + from_counts("rl", rl, "rl"))


def test_assign_difficulty_uses_the_reference_rate() -> None:
    out = assign_difficulty(_two_runs(), "base")
    per = out.drop_duplicates(["run", "problem_id"]).set_index(["run", "problem_id"])
    assert per.loc[("rl", "b"), "ref_rate"] == pytest.approx(1 / 8)
    assert per.loc[("rl", "b"), "difficulty_bin"] == "1/8"  # not "17-32": labels fit n = 8
    assert per.loc[("base", "c"), "difficulty_bin"] == "3-4/8"  # 4/8 = 128/256
    assert per.loc[("base", "c"), "difficulty_bin_coarse"] == "3-4/8"
    assert per.loc[("base", "e"), "difficulty_bin"] == "5-6/8"  # 6/8 = 192/256
    assert pd.isna(per.loc[("rl", "z"), "difficulty_bin"])  # the reference never saw it
    assert list(out["difficulty_bin"].cat.categories) == N8
    assert list(out["difficulty_bin_coarse"].cat.categories) == ["0-2/8", "3-4/8", "5-6/8", "7-8/8"]
    assert out["difficulty_bin"].cat.ordered


N8 = ["0/8", "1/8", "2/8", "3-4/8", "5-6/8", "7-8/8"]


def test_difficulty_table_by_hand() -> None:
    table = difficulty_table(_two_runs(), "base").set_index(["run", "bin"])
    assert len(table) == 2 * len(N8)
    # rl on base's 7-8/8 bin: only problem d (8/8) -> 1.0, delta 0
    assert table.loc[("rl", "7-8/8"), "accuracy"] == 1.0
    assert table.loc[("rl", "7-8/8"), "delta_vs_reference"] == 0.0
    # base 5-6/8 holds e (6/8); rl has 1/4 on it
    assert table.loc[("rl", "5-6/8"), "accuracy"] == pytest.approx(0.25)
    assert table.loc[("rl", "5-6/8"), "delta_vs_reference"] == pytest.approx(0.25 - 0.75)
    assert table.loc[("rl", "1/8"), "delta_vs_reference"] == pytest.approx(6 / 8 - 1 / 8)
    assert table.loc[("rl", "2/8"), "n_problems"] == 0
    assert np.isnan(table.loc[("rl", "2/8"), "accuracy"])
    assert (table.xs("base", level="run")["delta_vs_reference"].dropna() == 0).all()
    # one problem per bin here: a bootstrap over one problem has no spread -> no CI
    assert table["accuracy_lo"].isna().all() and table["delta_hi"].isna().all()


def test_transitions_count_and_row_percent() -> None:
    # rl's problem e has 4 samples, base's 8: one scheme for both axes, labelled in rates
    table = transition_table(_two_runs(), "base", "rl")
    labels = ["0%", "0-12.5%", "12.5-25%", "25-50%", "50-75%", "75-100%"]
    assert len(table) == len(labels) ** 2
    assert list(dict.fromkeys(table["ref_bin"])) == labels
    assert table["count"].sum() == 5  # z is not in the reference
    cells = table.loc[table["count"] > 0].set_index(["ref_bin", "run_bin"])["count"].to_dict()
    # a: 0 -> 0; b: 1/8 -> 6/8; c: 4/8 -> 8/8; d: 8/8 -> 8/8; e: 6/8 -> 1/4
    assert cells == {
        ("0%", "0%"): 1,
        ("0-12.5%", "50-75%"): 1,
        ("25-50%", "75-100%"): 1,
        ("75-100%", "75-100%"): 1,
        ("50-75%", "12.5-25%"): 1,
    }
    full = table.loc[table["ref_bin"] == "0%"]
    assert full["row_pct"].sum() == pytest.approx(100.0)
    assert table.loc[table["ref_bin"] == "12.5-25%", "row_pct"].isna().all()


def test_transitions_at_one_n_use_the_difficulty_labels() -> None:
    base = {f"p{c}": (8, c) for c in range(9)}
    rl = {f"p{c}": (8, min(8, c + 1)) for c in range(9)}
    df = graded(from_counts("base", base, "base") + from_counts("rl", rl, "rl"))
    table = transition_table(df, "base", "rl")
    assert list(dict.fromkeys(table["ref_bin"])) == N8
    filled = table.loc[table["count"] > 0]
    assert set(filled["ref_bin"]) == set(N8)  # every row of the heatmap holds a problem
    assert filled.set_index(["ref_bin", "run_bin"]).loc[("1/8", "2/8"), "count"] == 1


def test_entropy_table_has_all_and_every_bin() -> None:
    table = entropy_table(_two_runs(), "base")
    assert set(table["bin"]) == {"all", *N8}
    # every problem's answers are "1"/"0": entropy of (c, n - c)
    base_all = table.loc[(table["run"] == "base") & (table["bin"] == "all"), "mean_entropy"]
    from scipy.stats import entropy

    expected = np.mean([entropy([c, 8 - c], base=2) for c in (0, 1, 4, 8, 6)])
    assert base_all.iloc[0] == pytest.approx(expected)


def test_choose_reference() -> None:
    runs = {
        "rl": RunInfo(name="rl", role="rl"),
        "base": RunInfo(name="base", role="base"),
        "other": RunInfo(name="other"),
    }
    assert choose_reference(runs) == "base"
    assert choose_reference(runs, "other") == "other"
    assert choose_reference([RunInfo(name="x"), RunInfo(name="y")]) == "x"
    declared = [RunInfo(name="x", role="base"), RunInfo(name="y", reference="y")]
    assert choose_reference(declared) == "y"
    with pytest.raises(InputError, match="not a run"):
        choose_reference(runs, "missing")
