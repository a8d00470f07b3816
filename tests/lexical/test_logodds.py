"""Log-odds with an informative Dirichlet prior, checked against the published formula."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from traceanalysis.lexical.logodds import distinctive_tokens, log_odds_dirichlet

A = Counter({"wait": 30, "but": 20, "so": 10, "the": 40})
B = Counter({"wait": 2, "but": 10, "so": 25, "the": 60, "hence": 3})


def monroe(word: str, a: Counter, b: Counter, prior: Counter) -> tuple[float, float]:
    """Monroe, Colaresi & Quinn (2008) eqs. 16-20, written out term by term."""
    y_a, y_b = a[word], b[word]
    n_a, n_b = sum(a.values()), sum(b.values())
    alpha_w, alpha_0 = prior[word], sum(prior.values())
    omega_a = (y_a + alpha_w) / (n_a + alpha_0 - y_a - alpha_w)
    omega_b = (y_b + alpha_w) / (n_b + alpha_0 - y_b - alpha_w)
    delta = math.log(omega_a) - math.log(omega_b)
    sigma2 = 1 / (y_a + alpha_w) + 1 / (y_b + alpha_w)
    return delta, delta / math.sqrt(sigma2)


def test_matches_formula_with_pooled_prior():
    table = log_odds_dirichlet(A, B).set_index("token")
    pooled = A + B
    for word in pooled:
        delta, z = monroe(word, A, B, pooled)
        assert table.loc[word, "log_odds"] == pytest.approx(delta, rel=1e-12)
        assert table.loc[word, "z"] == pytest.approx(z, rel=1e-12)
    assert table.loc["wait", "z"] > 0 > table.loc["so", "z"]


def test_matches_formula_with_scaled_background():
    background = Counter({"wait": 5, "but": 50, "so": 50, "the": 500, "hence": 5, "other": 390})
    table = log_odds_dirichlet(A, B, background=background, alpha0=100).set_index("token")
    total = sum(background.values())
    prior = Counter({w: c * 100 / total for w, c in background.items()})
    for word in ("wait", "but", "so", "the", "hence"):
        delta, z = monroe(word, A, B, prior)  # alpha_0 = 100 over the whole background
        assert table.loc[word, "log_odds"] == pytest.approx(delta, rel=1e-12)
        assert table.loc[word, "z"] == pytest.approx(z, rel=1e-12)


def test_distinctive_table_filters_and_orders():
    table = distinctive_tokens(A, B, min_count=10)
    assert "hence" not in set(table["token"])  # 3 occurrences < 10
    assert list(table.columns) == [
        "token",
        "count_a",
        "count_b",
        "per_10k_a",
        "per_10k_b",
        "log_odds",
        "z",
    ]
    assert table["z"].is_monotonic_decreasing and table.iloc[0]["token"] == "wait"
    row = table.set_index("token").loc["wait"]
    assert row["per_10k_a"] == pytest.approx(30 / 100 * 10_000)
    assert row["per_10k_b"] == pytest.approx(2 / 100 * 10_000)
    swapped = distinctive_tokens(B, A, min_count=10).set_index("token")
    assert swapped.loc["wait", "z"] == pytest.approx(-row["z"])
