"""Time ``match_problems`` against a copy of the same table, in the same process.

Two cases on N rows in R runs: runs that already share ids (the common case: no prompt
text is normalised) and runs whose ids differ (every distinct prompt is normalised).
The baseline is ``df.copy()`` plus one ``groupby(["run", "problem_id"]).ngroup()``, the
least any matching has to do.

    python benchmarks/bench_match.py [--rows 100000] [--runs 4] [--problems 500]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from traceanalysis.io.problem_match import match_problems
from traceanalysis.schema import RunInfo, coerce_core_dtypes

CHAT = (
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{q}\n"
    "Please reason step by step, and put your final answer within \\boxed{{}}.<|im_end|>\n"
    "<|im_start|>assistant\n"
)


def _table(rows: int, runs: int, problems: int, shared: bool) -> pd.DataFrame:
    per_run = rows // runs
    parts = []
    for r in range(runs):
        pid = np.arange(per_run) % problems
        questions = [f"Question {p}: find $x$ with $x^2 = {p}$." for p in pid]
        prompts = [CHAT.format(q=q) if r % 2 else f"Problem: {q}\nAnswer:" for q in questions]
        ids = pid.astype(str) if shared else np.char.add(f"run{r}-", pid.astype(str))
        parts.append(
            pd.DataFrame(
                {
                    "run": f"run{r}",
                    "problem_id": ids,
                    "sample_idx": np.arange(per_run) // problems,
                    "prompt": prompts
                    if not shared
                    else [f"Problem: {q}\nAnswer:" for q in questions],
                    "response": "So the answer is \\boxed{4}. " * 20,
                }
            )
        )
    return coerce_core_dtypes(pd.concat(parts, ignore_index=True))


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Print one table row per case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    infos = {f"run{r}": RunInfo(f"run{r}") for r in range(args.runs)}
    print("| case | match_problems s | baseline s | ratio | key |")
    print("|---|---|---|---|---|")
    for shared in (True, False):
        df = _table(args.rows, args.runs, args.problems, shared)
        took = _best(lambda df=df: match_problems(df, infos), args.repeat)
        base = _best(lambda df=df: df.copy().groupby(["run", "problem_id"]).ngroup(), args.repeat)
        key = match_problems(df, infos).attrs["problem_match"]["key"]
        case = "ids shared" if shared else "ids differ (by prompt)"
        print(f"| {case} | {took:.3f} | {base:.3f} | {took / base:.1f}x | {key} |")


if __name__ == "__main__":
    main()
