"""Generated sentences say what their numbers say: signs, words and labels agree."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from traceanalysis.report.findings import (
    behavior_findings,
    bin_change_sentence,
    difficulty_findings,
    language_findings,
)

BINS = ["0/8", "1/8", "2/8", "3-4/8", "5-6/8", "7-8/8"]


def _difficulty(acc_a: list[float], acc_b: list[float]) -> pd.DataFrame:
    rows = []
    for run, accs in (("base", acc_b), ("rl", acc_a)):
        for i, (label, acc) in enumerate(zip(BINS, accs, strict=True)):
            rows.append(
                {
                    "bin": label,
                    "bin_index": i,
                    "run": run,
                    "n_problems": 3 + i,
                    "accuracy": acc,
                    "delta_vs_reference": acc - acc_b[i],
                }  # fmt: skip
            )
    return pd.DataFrame(rows)


def _claims(sentence: str) -> dict[str, float]:
    """'largest gain' / 'largest drop' -> the points quoted for it."""
    found = {}
    for word in ("gain", "drop"):
        m = re.search(rf"largest {word} in bin \S+ \(([+-][\d.]+) points", sentence)
        if m:
            found[word] = float(m.group(1))
    return found


@pytest.mark.parametrize(
    "deltas",
    [
        [0.1, 0.2, 0.05, 0.3, 0.0, 0.1],  # all gains or zero
        [-0.1, -0.25, -0.05, -0.3, 0.0, -0.15],  # all drops or zero
        [0.1, -0.25, 0.2, -0.05, 0.0, 0.15],  # both
        [0.0] * 6,  # nothing moved
        [-0.15, -0.15, -0.15, -0.15, -0.15, -0.15],  # one drop everywhere
    ],
)
def test_gain_and_drop_words_follow_the_sign(deltas: list[float]) -> None:
    base = [0.5] * 6
    diff = _difficulty([b + d for b, d in zip(base, deltas, strict=True)], base)
    sentence = difficulty_findings(diff, [("rl", "base")], "base")[0]
    claims = _claims(sentence)
    d = np.array(deltas)
    if (d > 0).any():
        assert claims["gain"] == pytest.approx(100 * d.max()) and claims["gain"] > 0
    else:
        assert "gain" not in claims
    if (d < 0).any():
        assert claims["drop"] == pytest.approx(100 * d.min()) and claims["drop"] < 0
    else:
        assert "drop" not in claims
    if (d == 0).all():
        assert "no change in any of 6 bins" in sentence
    assert "smallest change" not in sentence
    assert "of 256" not in sentence and "17-32" not in sentence


def test_bin_sentence_counts_problems_of_the_named_bin() -> None:
    delta = pd.Series([0.2, -0.1], index=["1/8", "3-4/8"])
    counts = pd.Series({"1/8": 1, "3-4/8": 7})
    text = bin_change_sentence("a", "b", delta, counts)
    assert "largest gain in bin 1/8 (+20.0 points, 1 problem)" in text
    assert "largest drop in bin 3-4/8 (-10.0 points, 7 problems)" in text


def test_never_solved_bin_and_out_of_reach_bound() -> None:
    diff = _difficulty([0.25, 0.5, 0.5, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 0.5, 0.5, 1.0])
    found = difficulty_findings(diff, [("rl", "base")], "base", n_reference=8)
    assert any(
        "rl solves 25.0% of samples on the 3 problems the reference never" in s for s in found
    )
    assert not any(s.startswith("base solves") for s in found)
    bound = 1 - 0.05 ** (1 / 8)
    assert any(f"below {bound:.3f}" in s and "0 of 8" in s for s in found)


def test_language_sentence_names_the_pooled_rate() -> None:
    lex = pd.DataFrame(
        {
            "run": ["a", "b"],
            "correct": ["all", "all"],
            "difficulty_bin": ["all", "all"],
            "tokens_mean": [100.0, 50.0],
            "anthropomorphic_pooled_per_1k": [11.89, 3.0],
            "anthropomorphic_mean_per_1k": [9.24, 2.5],
        }
    )
    found = language_findings(lex, [("a", "b")])
    assert "pooled per 1k tokens" in found[0] and "anthropomorphic 11.89" in found[0]
    assert "9.24" not in " ".join(found)
    assert found[-1] == "a responses are 2.00x as long as b's (mean tokens)."


@pytest.mark.parametrize("sign", [1, -1, 0])
def test_behavior_rise_and_fall_follow_the_sign(sign: int) -> None:
    beh = pd.DataFrame(
        {
            "run": ["a", "a", "b", "b"],
            "behavior": ["verification", "backtracking"] * 2,
            "share_present": [0.5 + 0.2 * sign, 0.5 + 0.1 * sign, 0.5, 0.5],
        }
    )
    text = behavior_findings(beh, [("a", "b")])[-1]
    assert ("biggest rise verification (+20.0 points)" in text) == (sign > 0)
    assert ("biggest fall verification (-20.0 points)" in text) == (sign < 0)
    assert ("no behaviour rose" in text) == (sign <= 0)
    assert ("no behaviour fell" in text) == (sign >= 0)


def test_paired_length_difference_against_a_numpy_loop() -> None:
    rng = np.random.default_rng(0)
    rows = [
        {"run": run, "problem_id": f"p{p}", "n_tokens": int(rng.integers(10, 200)) + 50 * (run == "a")}
        for p in range(8) for run in ("a", "b") for _ in range(3)
    ]  # fmt: skip
    samples = pd.DataFrame(rows)
    lex = pd.DataFrame(
        {"run": ["a", "b"], "correct": ["all"] * 2, "difficulty_bin": ["all"] * 2,
         "tokens_mean": samples.groupby("run")["n_tokens"].mean().loc[["a", "b"]].to_numpy()}
    )  # fmt: skip
    line = language_findings(lex, [("a", "b")], samples)[-1]
    per = samples.groupby(["problem_id", "run"])["n_tokens"].mean().unstack()
    diff = (per["a"] - per["b"]).mean()
    assert f"paired over 8 shared problems, a minus b: {diff:+.1f} tokens [" in line
    lo, hi = (float(x) for x in re.search(r"tokens \[([-+\d.]+), ([-+\d.]+)\]", line).groups())
    assert lo <= diff <= hi
