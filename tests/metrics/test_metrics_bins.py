"""Bins that fit n: checked against a brute-force assignment in exact fractions."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from metrics_helpers import from_counts, graded

from traceanalysis.metrics.bins import (
    COARSE_UPPER,
    PAPER_UPPER,
    bin_scheme,
    bin_sort_key,
)
from traceanalysis.metrics.difficulty import assign_difficulty, difficulty_table
from traceanalysis.metrics.order import in_role_order, role_order
from traceanalysis.schema import RunInfo


def _paper_bin(c: int, n: int, upper: tuple[int, ...]) -> int:
    """The first paper bin whose upper edge (out of 256) the rate c/n does not exceed."""
    return next(i for i, u in enumerate(upper) if Fraction(c, n) <= Fraction(u, 256))


def _count_range(label: str, n: int) -> tuple[int, int]:
    counts, slash, of = label.partition("/")
    assert slash and int(of) == n, f"label {label!r} is not out of {n}"
    lo, _, hi = counts.partition("-")
    return int(lo), int(hi or lo)


@pytest.mark.parametrize("upper", [PAPER_UPPER, COARSE_UPPER])
def test_labels_hold_exactly_the_counts_assigned_to_them(upper: tuple[int, ...]) -> None:
    for n in range(1, 300):
        scheme = bin_scheme([n], upper)
        c = np.arange(n + 1)
        got = [scheme.labels[i] for i in scheme.index(c, np.full(n + 1, n))]
        by_label: dict[str, list[int]] = {}
        for ci, label in zip(c, got, strict=True):
            by_label.setdefault(label, []).append(int(ci))
        assert list(by_label) == list(scheme.labels)  # every kept bin holds a count, in order
        for label, held in by_label.items():
            lo, hi = _count_range(label, n)
            assert held == list(range(lo, hi + 1))
        # brute force: two counts share a kept bin iff the paper bins between them are empty
        paper = [_paper_bin(int(ci), n, upper) for ci in c]
        for a, b in zip(c[:-1], c[1:], strict=True):
            same = got[a] == got[b]
            assert same == (paper[a] == paper[b]), (n, a, b)


def test_eight_samples_one_correct_is_not_labelled_17_32() -> None:
    base = {"p0": (8, 0), "p1": (8, 1), "p2": (8, 2), "p4": (8, 4), "p8": (8, 8)}
    df = assign_difficulty(graded(from_counts("base", base, "base")), "base")
    per = df.drop_duplicates("problem_id").set_index("problem_id")["difficulty_bin"]
    assert per["p1"] == "1/8"
    assert per["p2"] == "2/8"
    assert per["p4"] == "3-4/8"
    assert not any("256" in str(b) or b == "17-32" for b in df["difficulty_bin"].cat.categories)


def test_paper_labels_at_256() -> None:
    assert bin_scheme([256]).labels == (
        "0/256", "1-4/256", "5-16/256", "17-32/256", "33-64/256", "65-128/256",
        "129-192/256", "193-256/256",
    )  # fmt: skip


def test_ragged_n_is_labelled_by_rate() -> None:
    ns = [7, 8, 16]
    scheme = bin_scheme(ns)
    assert scheme.ragged
    for n in ns:
        c = np.arange(n + 1)
        for ci, i in zip(c, scheme.index(c, np.full(n + 1, n)), strict=True):
            label = scheme.labels[i]
            assert label.endswith("%")
            lo, hi = bin_sort_key(label)
            rate = ci / n
            assert (rate == 0) if label == "0%" else (lo - 1e-12 < rate <= hi + 1e-12), label
    # a bin no n can hold is merged upwards: 1-4 and 5-16 of 256 hold nothing at n <= 16
    assert scheme.labels[:3] == ("0%", "0-6.25%", "6.25-12.5%")


def test_sort_key_orders_every_scheme() -> None:
    for labels in (bin_scheme([8]).labels, bin_scheme([7, 8]).labels, ("0", "1-4", "17-32")):
        shuffled = list(labels)
        random.Random(1).shuffle(shuffled)
        assert sorted(shuffled, key=bin_sort_key) == list(labels)
    assert bin_sort_key("all") is None


def test_bin_cis_against_a_numpy_loop() -> None:
    rng = np.random.default_rng(5)
    base = {f"p{i}": (8, int(c)) for i, c in enumerate(rng.integers(0, 9, 40))}
    rl = {f"p{i}": (8, int(c)) for i, c in enumerate(rng.integers(0, 9, 40))}
    df = graded(from_counts("base", base, "base") + from_counts("rl", rl, "rl"))
    table = difficulty_table(df, "base", n_boot=400, seed=3).set_index(["run", "bin"])
    scheme = bin_scheme([8])
    for label in scheme.labels:
        in_bin = [
            p for p, (n, c) in base.items() if scheme.labels[scheme.index([c], [n])[0]] == label
        ]
        row = table.loc[("rl", label)]
        assert row["n_problems"] == len(in_bin)
        if len(in_bin) < 2:
            assert np.isnan(row["accuracy_lo"])
            continue
        rate = np.array([rl[p][1] / 8 for p in in_bin])
        delta = rate - np.array([base[p][1] / 8 for p in in_bin])
        assert row["accuracy"] == pytest.approx(rate.mean())
        assert row["delta_vs_reference"] == pytest.approx(delta.mean())
        assert row["accuracy_lo"] <= rate.mean() <= row["accuracy_hi"]
        # an independent bootstrap of the same size gives about the same interval
        boot = [rate[rng.integers(0, len(rate), len(rate))].mean() for _ in range(4000)]
        lo, hi = np.percentile(boot, [2.5, 97.5])
        width = hi - lo
        assert row["accuracy_lo"] == pytest.approx(lo, abs=0.25 * width + 1e-9)
        assert row["accuracy_hi"] == pytest.approx(hi, abs=0.25 * width + 1e-9)
        boot_d = [delta[rng.integers(0, len(delta), len(delta))].mean() for _ in range(4000)]
        lo_d, hi_d = np.percentile(boot_d, [2.5, 97.5])
        assert row["delta_lo"] == pytest.approx(lo_d, abs=0.25 * (hi_d - lo_d) + 1e-9)
    again = difficulty_table(df, "base", n_boot=400, seed=3).set_index(["run", "bin"])
    assert again.equals(table)  # seeded


def test_role_order_over_shuffled_inputs() -> None:
    infos = [
        RunInfo(name="z-base", role="base"),
        RunInfo(name="a-rl", role="rl"),
        RunInfo(name="b-rl", role="rl"),
        RunInfo(name="d", role="distilled"),
        RunInfo(name="misc", role="other"),
    ]
    for seed in range(10):
        shuffled = list(infos)
        random.Random(seed).shuffle(shuffled)
        got = role_order(shuffled)
        roles = [next(i.role for i in infos if i.name == n) for n in got]
        assert roles == ["base", "rl", "rl", "distilled", "other"]
        given_rl = [i.name for i in shuffled if i.role == "rl"]
        assert [n for n in got if n in given_rl] == given_rl  # stable within a role
        table = graded(
            [row for i in shuffled for row in from_counts(i.name, {"p": (2, 1)}, i.role)]
        )
        assert role_order(table) == got
        ordered = in_role_order(table, got)
        assert list(dict.fromkeys(ordered["run"])) == got
        assert difficulty_table(table, "z-base")["run"].drop_duplicates().tolist() == got


def test_ragged_reference_gets_rate_labels() -> None:
    # one sample of p1 failed: n = 7 there, 8 elsewhere -> one scheme by rate for all
    base = {"p0": (8, 0), "p1": (7, 1), "p2": (8, 1), "p3": (8, 8)}
    df = assign_difficulty(graded(from_counts("base", base, "base")), "base")
    per = df.drop_duplicates("problem_id").set_index("problem_id")["difficulty_bin"]
    assert list(df["difficulty_bin"].cat.categories) == list(bin_scheme([7, 8]).labels)
    assert per["p0"] == "0%" and per["p3"] == "75-100%"
    assert per["p1"] == "12.5-25%"  # 1/7 = 14.3%
    assert per["p2"] == "0-12.5%"  # 1/8 = 12.5%, the upper edge is included
