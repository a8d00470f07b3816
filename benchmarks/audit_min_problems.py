"""Why the audit needs 10 informative problems: a null simulation (docs/report.md, "Minimum").

For k informative problems of n samples each, with no within-problem effect, it prints
how often the within-problem permutation test rejects at 5% (its size) and how often the
95% percentile bootstrap CI of the mean within-problem AUROC covers 0.5 (its coverage).

    python benchmarks/audit_min_problems.py [--reps 1000]
"""

from __future__ import annotations

import argparse

import numpy as np

from traceanalysis.audit_stats import (
    bootstrap_mean_ci,
    within_permutation_test,
    within_problem_ranks,
)


def simulate(k: int, n: int, reps: int, rng: np.random.Generator) -> tuple[float, float]:
    """(size of the test at 5%, coverage of the bootstrap CI) over ``reps`` null draws."""
    rejected = covered = 0
    groups = np.repeat(np.arange(k), n)
    for rep in range(reps):
        rate = np.repeat(rng.uniform(0.15, 0.85, k), n)
        y = rng.random(k * n) < rate
        x = rng.poisson(2, k * n).astype(float)  # independent of y: the null
        ranks = within_problem_ranks(y, x, groups)
        ranks = ranks[ranks["null_var"] > 0]
        if len(ranks) < 2:
            continue
        p = within_permutation_test(ranks["auroc"].to_numpy(), ranks["null_var"].to_numpy())
        rejected += p < 0.05
        lo, hi = bootstrap_mean_ci(ranks["auroc"].to_numpy(), n_boot=500, seed=rep)
        covered += lo <= 0.5 <= hi
    return rejected / reps, covered / reps


def main() -> None:
    """Print size and coverage for n in (8, 64) and k from 3 to 20."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    print("n   k   size  coverage")
    for n in (8, 64):
        for k in (3, 5, 8, 10, 15, 20):
            size, coverage = simulate(k, n, args.reps, rng)
            print(f"{n:<3} {k:<3} {size:.3f} {coverage:.3f}")


if __name__ == "__main__":
    main()
