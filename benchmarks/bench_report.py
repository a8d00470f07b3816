"""Benchmark: ``report`` end to end on a generated runs folder, cold and warm, judge off.

Default size: 4 runs x 500 problems x 16 samples (~32k responses, ~100 MB of text).
Cold = empty SQLite and stage caches; warm = the same command again. Prints the
per-stage breakdown, peak memory against the text size, and every time as a ratio to a
baseline measured in the same process (reading the same JSONL files with pandas), since
timings on shared machines are noisy.

    python benchmarks/bench_report.py [--problems 500] [--samples 16] [--chars 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

RUNS = {
    "qwen-base": "base",
    "qwen-zero-rl": "rl",
    "qwen-distill": "distilled",
    "llama-sft": "other",
}
SENTENCES = [
    "Let me think about how to set this up carefully.",
    "First, we rewrite the expression in terms of x and simplify both sides.",
    "Wait, that does not look right, let me check the previous step again.",
    "Hmm, maybe I made a mistake when expanding the square.",
    "Alternatively, we could substitute y = x + 1 and solve the quadratic directly.",
    "So the discriminant is positive, therefore there are two real roots.",
    "Let me verify this by plugging the value back into the original equation.",
    "Since the sum of the roots is 5 and their product is 6, the roots are 2 and 3.",
    "But we also need the condition that x is an integer, because of the constraint.",
    "To be sure, we double-check the arithmetic: 12 times 7 is 84.",
    "Now we break the problem into two cases and handle each one separately.",
    "Actually, working backwards from the answer gives the same result.",
]


def make_runs(root: Path, n_problems: int, n_samples: int, chars: int, seed: int = 0) -> int:
    """Write the runs folder; returns the total number of response characters."""
    rng = np.random.default_rng(seed)
    ease = rng.beta(1.2, 1.2, n_problems)
    mean_len = np.mean([len(s) + 1 for s in SENTENCES])
    total = 0
    for r_index, (name, role) in enumerate(RUNS.items()):
        folder = root / name
        folder.mkdir(parents=True)
        (folder / "run.json").write_text(json.dumps({"model": f"bench/{name}", "role": role}))
        lift = [0.0, 0.12, 0.18, 0.05][r_index]
        with open(folder / "samples.jsonl", "w", encoding="utf-8") as fh:
            for p in range(n_problems):
                gold = 7 * p + 3
                for s in range(n_samples):
                    k = max(3, int(rng.normal(chars / mean_len, chars / mean_len / 4)))
                    body = " ".join(SENTENCES[i] for i in rng.integers(0, len(SENTENCES), k))
                    ok = rng.random() < min(1.0, ease[p] + lift)
                    answer = gold if ok else gold + 1 + int(rng.integers(0, 3))
                    text = f"{body} The answer is \\boxed{{{answer}}}."
                    total += len(text)
                    row = {"problem_id": f"p{p:04d}", "sample_idx": s, "prompt": f"Problem {p}",
                           "response": text, "gold": str(gold), "finish_reason": "stop"}  # fmt: skip
                    fh.write(json.dumps(row) + "\n")
    return total


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_once(runs: Path, out: Path, cache: Path) -> tuple[float, dict[str, dict[str, object]]]:
    """One ``report`` end to end; returns seconds and the per-stage breakdown."""
    from traceanalysis.pipeline import ReportOptions, analyze, write_report

    options = ReportOptions(cache=str(cache), quiet=True)
    start = time.perf_counter()
    analysis = analyze(runs, options)
    write_report(analysis, out, options)
    return time.perf_counter() - start, analysis.stages


def run_cli(runs: Path, out: Path, cache: Path) -> float:
    """``python -m traceanalysis report`` in a fresh process (imports included); seconds."""
    command = [sys.executable, "-m", "traceanalysis", "report", str(runs), "--out", str(out),
               "--cache", str(cache), "--quiet"]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - start


def main() -> None:
    """Generate, baseline, then time cold and warm runs and print the breakdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--chars", type=int, default=3000, help="mean response length")
    parser.add_argument("--keep", default=None, help="folder to keep the runs/report in")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_report_"))
    shutil.rmtree(work / "runs", ignore_errors=True)
    shutil.rmtree(work / "cache", ignore_errors=True)
    text_chars = make_runs(work / "runs", args.problems, args.samples, args.chars)
    n = len(RUNS) * args.problems * args.samples
    print(f"{n:,} responses, {text_chars / 1e6:.1f} M characters of text in {work / 'runs'}")

    rss_before = peak_rss_mb()
    cold, cold_stages = run_once(work / "runs", work / "report", work / "cache" / "cache.sqlite")
    rss_cold = peak_rss_mb()
    warm, warm_stages = run_once(work / "runs", work / "report", work / "cache" / "cache.sqlite")
    warm_cli = run_cli(work / "runs", work / "report", work / "cache" / "cache.sqlite")
    start = time.perf_counter()  # baseline last, so it does not raise the peak measured above
    frames = [pd.read_json(p, lines=True) for p in sorted((work / "runs").glob("*/samples.jsonl"))]
    baseline = time.perf_counter() - start
    del frames
    print(f"baseline (pandas.read_json of the same files): {baseline:.2f} s")

    print(f"\n{'stage':<18}{'cold s':>9}{'warm s':>9}{'peak MiB':>10}  cached(warm)")
    for name in cold_stages:
        c, w = cold_stages[name].get("seconds", 0.0), warm_stages.get(name, {}).get("seconds", 0.0)
        peak = cold_stages[name].get("peak_rss_mib", 0.0)
        cached = warm_stages.get(name, {}).get("cached", "")
        print(f"{name:<18}{c:>9.2f}{w:>9.2f}{peak:>10.0f}  {cached}")
    text_mb = text_chars / 2**20
    print(f"\ncold: {cold:.1f} s = {cold / baseline:.1f}x baseline (target < 60 s)")
    print(f"warm: {warm:.1f} s = {warm / baseline:.1f}x baseline (target < 10 s)")
    print(f"warm, fresh process (`python -m traceanalysis report`, imports included): "
          f"{warm_cli:.1f} s = {warm_cli / baseline:.1f}x baseline")  # fmt: skip
    print(
        f"peak RSS {rss_cold:.0f} MiB ({rss_cold - rss_before:+.0f} MiB over the baseline's "
        f"{rss_before:.0f}); text {text_mb:.0f} MiB; ratio peak/text {rss_cold / text_mb:.2f} "
        f"(increase/text {(rss_cold - rss_before) / text_mb:.2f}; target < 3)"
    )
    html = work / "report" / "index.html"
    if html.exists():
        print(f"index.html: {html.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
