"""Synthetic training series for the dynamics tests, written as real input files.

``write_verl_dumps`` writes verl rollout dumps (``<step>.jsonl``, one line per rollout with
``input``, ``output``, ``gts``, ``score``, ``step``) with a known trend: accuracy rises with
the step, responses get longer, and from ``onset`` on a reflection sentence is planted in a
share of the responses. ``write_checkpoints`` writes checkpoint runs (native
``samples.jsonl`` with a run.json carrying ``step``/``series``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from traceanalysis.pipeline import ReportOptions

N_BOOT, SEED = 100, 7  # the analyses' bootstrap (small: the tests recompute it by brute force)
REFLECTION = " Wait, let me check this again."
FILLER = " We add the two numbers."


def _response(rng: np.random.Generator, gold: int, p_correct: float, fillers: int, p_wait: float):
    ok = bool(rng.random() < p_correct)
    answer = gold if ok else int(rng.integers(0, 4)) + gold + 1
    wait = REFLECTION if rng.random() < p_wait else ""
    text = (
        "Let me compute the sum." + FILLER * fillers + wait + f" The answer is \\boxed{{{answer}}}."
    )
    return text, ok


def write_verl_dumps(
    folder: Path,
    *,
    steps: tuple[int, ...] = (0, 10, 20, 30, 40),
    n_pool: int = 40,
    n_prompts: int = 30,
    n_samples: int = 4,
    onset: int | None = 30,
    p_wait: float = 0.6,
    p_wait_before: float = 0.0,
    seed: int = 1,
    trend: bool = True,
) -> Path:
    """One run folder of verl dumps; each step samples ``n_prompts`` of ``n_pool`` prompts
    (so steps share some prompts and not others)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for step in steps:
        chosen = sorted(rng.choice(n_pool, size=n_prompts, replace=False))
        lines = []
        for p in chosen:
            gold = int(p) + 1
            for _ in range(n_samples):
                p_ok = 0.2 + 0.012 * step if trend else 0.4
                fillers = step // 10 if trend else 1
                planted = onset is not None and step >= onset
                text, ok = _response(rng, gold, p_ok, fillers, p_wait if planted else p_wait_before)
                lines.append(
                    {
                        "input": f"What is {p} + 1?",
                        "output": text,
                        "gts": str(gold),
                        "score": 1.0 if ok else 0.0,
                        "step": step,
                    }
                )
        (folder / f"{step}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    return folder


def write_checkpoints(
    root: Path,
    steps: dict[str, int],
    *,
    series: str | None = "grpo",
    n_prompts: int = 20,
    n_samples: int = 2,
    seed: int = 2,
) -> Path:
    """Checkpoint runs ``name -> step`` on the same prompts, plus a ``base`` run with no step."""
    rng = np.random.default_rng(seed)
    for name, step in [*steps.items(), ("base", None)]:
        run = root / name
        run.mkdir(parents=True, exist_ok=True)
        meta: dict[str, object] = {"role": "base" if step is None else "rl"}
        if step is not None:
            meta["step"] = step
            if series is not None:
                meta["series"] = series
        (run / "run.json").write_text(json.dumps(meta))
        lines = []
        for p in range(n_prompts):
            for i in range(n_samples):
                text, _ = _response(rng, p + 1, 0.3 + 0.001 * (step or 0), 1, 0.2)
                lines.append(
                    {"problem_id": f"q{p}", "sample_idx": i, "prompt": f"What is {p} + 1?",
                     "response": text, "gold": str(p + 1)}
                )  # fmt: skip
        (run / "samples.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    return root


def series_rows(samples: pd.DataFrame, series: str) -> pd.DataFrame:
    """The responses of one dumps series (a run) with their step, as plain columns."""
    rows = samples[samples["run"] == series].copy()
    rows["step"] = rows["step"].astype(int)
    return rows


def dynamics_options(tmp: Path) -> ReportOptions:
    """The analyses' options: quiet, one worker, a private cache, the tests' bootstrap."""
    return ReportOptions(
        quiet=True, n_boot=N_BOOT, seed=SEED, workers=1, cache=str(tmp / "cache.sqlite")
    )
