"""Calibration of the onset test (docs/dynamics.md): how often it finds an onset when
nothing changes, and how often it finds a planted rise, on simulated series.

Each simulated series has 6 steps (0, 10, ..., 50) of 50 prompts x 4 responses; a
response's reflection count is Poisson with a rate that varies by prompt (a gamma prompt
effect, so prompts are not exchangeable draws of one rate) and, for the planted rise, is
1.5x from step 30 on. Prompts are the same at every step (``shared``) or drawn afresh from
a pool of 150 (``disjoint``, like training-rollout dumps).

    python benchmarks/onset_calibration.py [N_SIM]     # default 200 per cell, ~2 minutes
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from traceanalysis.metrics.dynamics import all_series
from traceanalysis.metrics.onsets import onsets_table

FEATURE = "reflection_x_per_1k"


def simulate(
    rng: np.random.Generator, *, rise: float, shared: bool, n_steps: int = 6,
    n_prompts: int = 50, n_samples: int = 4, onset: int = 3,
) -> pd.DataFrame:  # fmt: skip
    """A features table of one series (the columns the dynamics stage reads)."""
    rows = []
    pool = np.arange(n_prompts if shared else 3 * n_prompts)
    for s in range(n_steps):
        prompts = pool if shared else rng.choice(pool, n_prompts, replace=False)
        for p in prompts:
            effect = rng.gamma(4, 0.25)
            for k in range(n_samples):
                tokens = int(rng.integers(200, 800))
                lam = 2.0 * effect * (rise if s >= onset else 1.0) * tokens / 1000
                c = int(rng.poisson(lam))
                rows.append((f"p{p}", k, s * 10, tokens, c))
    df = pd.DataFrame(rows, columns=["problem_id", "sample_idx", "step", "n_tokens", "x_count"])
    df = df.rename(columns={"x_count": "reflection_x_count"})
    df["reflection_x_per_1k"] = df["reflection_x_count"] * 1000 / df["n_tokens"]
    df["run"] = "sim"
    df["step"] = df["step"].astype("Int64")
    return df


def found(n_sim: int, *, rise: float, shared: bool) -> tuple[float, float]:
    """(share of series with an onset, share with the onset at the planted step 30)."""
    any_onset = exact = 0
    for i in range(n_sim):
        df = simulate(np.random.default_rng(1000 + i), rise=rise, shared=shared)
        table = onsets_table(all_series(df, n_boot=500, seed=i)).set_index("feature")
        step = table.loc[FEATURE, "onset_step"]
        any_onset += bool(pd.notna(step))
        exact += bool(pd.notna(step) and step == 30)
    return any_onset / n_sim, exact / n_sim


def main() -> None:
    """Print the null and planted-rise rates for shared and disjoint prompts."""
    n_sim = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    start = time.perf_counter()
    for shared in (True, False):
        null, _ = found(n_sim, rise=1.0, shared=shared)
        power, exact = found(n_sim, rise=1.5, shared=shared)
        print(
            f"prompts {'shared' if shared else 'disjoint'}: no change -> onset in {null:.3f}; "
            f"rise x1.5 from step 30 -> onset in {power:.3f}, at step 30 in {exact:.3f} "
            f"({n_sim} series each)"
        )
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
