"""Loading speed: ``load_runs`` on native JSONL and parquet versus naive baselines.

Baselines, run in the same process on the same files:

- JSONL: ``json.loads`` per line into a list of dicts, then ``pandas.DataFrame`` — no
  validation, no dtypes, no rejections (what a notebook would do; lines that fail to
  parse are skipped). Timed on a clean file and on one with 10 truncated lines;
- parquet: ``pandas.read_parquet`` alone (no validation).

``load_runs`` does more (type checks, rejections with line numbers, think splitting,
duplicate detection, file hashes); the ratio says what that costs or saves. Each call's
peak memory is printed too: the growth of the process's peak RSS (``VmHWM``, reset before
the call, Linux) over its RSS before the call, with freed memory handed back first.

    python benchmarks/bench_load.py            # 1,000,000 rows
    python benchmarks/bench_load.py --rows 200000
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from memory_meter import proc_status_mib, reset_peak

from traceanalysis.engine.memory import release_free_memory
from traceanalysis.io import load_runs

WORDS = ["wait", "so", "the", "answer", "is", "let", "me", "check", "therefore", "x", "=", "2"]


def make_rows(n: int, seed: int = 0) -> list[dict]:
    """``n`` short native rows: 16 samples per problem, ~15-word responses."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        text = " ".join(rng.choices(WORDS, k=15)) + f" \\boxed{{{rng.randint(0, 99)}}}"
        if i % 10 == 0:
            text = "<think>" + text + "</think> done"
        rows.append(
            {
                "problem_id": f"p{i // 16}",
                "sample_idx": i % 16,
                "response": text,
                "gold": str(i % 100),
                "finish_reason": "stop",
            }
        )
    return rows


def naive_jsonl(path: Path) -> pd.DataFrame:
    """The baseline: json.loads per line (skipping lines that fail), then a DataFrame."""
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return pd.DataFrame(records)


def timed(fn: Callable[[], pd.DataFrame], repeat: int) -> tuple[float, int, float]:
    """Best wall time of ``repeat`` calls, the row count and the largest peak RSS growth (MiB)."""
    best, rows, peak = float("inf"), 0, 0.0
    for _ in range(repeat):
        gc.collect()
        release_free_memory()
        exact = reset_peak()
        before = proc_status_mib()["VmRSS"]
        start = time.perf_counter()
        rows = len(fn())
        best = min(best, time.perf_counter() - start)
        if exact:
            peak = max(peak, proc_status_mib()["VmHWM"] - before)
    return best, rows, peak


def main() -> None:
    """Write the inputs, time both loaders on each, print rows/s and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs")
    args = parser.parse_args()
    rows = make_rows(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "bench-jsonl.jsonl"
        with jsonl.open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r) + "\n" for r in rows)
        broken = Path(tmp) / "bench-broken.jsonl"  # 10 truncated lines spread over the file
        step = max(1, len(rows) // 10)
        with broken.open("w", encoding="utf-8") as handle:
            for i, r in enumerate(rows):
                line = json.dumps(r)
                handle.write((line[:-7] if i % step == step // 2 else line) + "\n")
        size = jsonl.stat().st_size
        parquet = Path(tmp) / "bench-parquet.parquet"
        pd.DataFrame(rows).to_parquet(parquet, index=False)
        del rows
        cases = [
            ("jsonl", "load_runs", lambda: load_runs(jsonl)),
            ("jsonl", "naive json.loads", lambda: naive_jsonl(jsonl)),
            ("broken", "load_runs", lambda: load_runs(broken)),
            ("broken", "naive json.loads", lambda: naive_jsonl(broken)),
            ("parquet", "load_runs", lambda: load_runs(parquet)),
            ("parquet", "pd.read_parquet", lambda: pd.read_parquet(parquet)),
        ]
        results = {(fmt, name): timed(fn, args.repeat) for fmt, name, fn in cases}
    print(f"{'format':8} {'loader':18} {'rows':>9} {'seconds':>8} {'rows/s':>11} {'peak +MiB':>10}")
    for (fmt, name), (secs, n, peak) in results.items():
        print(f"{fmt:8} {name:18} {n:>9} {secs:>8.2f} {n / secs:>11,.0f} {peak:>10.0f}")
    print(f"(JSON Lines file: {size / 2**20:.0f} MiB)")
    pairs = (("jsonl", "naive json.loads"), ("broken", "naive json.loads"))
    for fmt, base in (*pairs, ("parquet", "pd.read_parquet")):
        ratio = results[(fmt, base)][0] / results[(fmt, "load_runs")][0]
        print(f"{fmt}: load_runs is {ratio:.2f}x the speed of {base}")


if __name__ == "__main__":
    main()
