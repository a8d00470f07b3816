"""Benchmark: ``report`` end to end on a generated runs folder, cold and warm, judge off.

Default size: 4 runs x 500 problems x 16 samples (~32k responses, ~100 MB of text).
Cold = empty SQLite and stage caches; warm = the same command again. Prints the
per-stage breakdown of time and memory, and every time as a ratio to a baseline measured
in the same process (reading the same JSONL files with pandas), since timings on shared
machines are noisy.

Memory is the job's, not the interpreter's: the growth of this process's resident set
(``VmRSS``) over its size once the interpreter and every library the pipeline uses are
imported (:data:`LIBRARIES`). Per stage, the kernel's own peak (``VmHWM``, reset as each
stage starts, Linux) minus that base; between stages too. Worker processes (grading
forkserver and workers, the tagger's and lexical pass's forks) are reported apart: their
private memory (USS, the pages they wrote; pages still shared copy-on-write with this
process are counted once, here), sampled every 20 ms, so a spike shorter than that can
be missed. The absolute peak RSS is printed as well.

    python benchmarks/bench_report.py [--problems 500] [--samples 16] [--chars 3000]
"""

from __future__ import annotations

import argparse
import importlib
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
from memory_meter import BenchMeter, proc_status_mib

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


# Imported before the base is taken: the interpreter and libraries are not the job's memory.
LIBRARIES = (
    "traceanalysis.pipeline", "traceanalysis.io", "traceanalysis.grading", "traceanalysis.metrics",
    "traceanalysis.lexical", "traceanalysis.behaviors", "traceanalysis.audit",
    "traceanalysis.report.figures", "traceanalysis.report.html", "traceanalysis.report.markdown",
    "math_verify", "spacy", "spacy.pipeline.sentencizer", "spacy.tokenizer", "tiktoken",
    "matplotlib.pyplot", "seaborn", "statsmodels.api", "sklearn.metrics", "pyarrow.json",
    "pyarrow.parquet",
)  # fmt: skip


def run_once(runs: Path, out: Path, cache: Path, base: float) -> tuple[float, dict, BenchMeter]:
    """One ``report`` end to end; returns seconds, the stage records and the memory meter."""
    from traceanalysis.pipeline import ReportOptions, analyze, write_report
    from traceanalysis.engine.memory import set_stage_meter

    options = ReportOptions(cache=str(cache), quiet=True)
    meter = BenchMeter(base)
    set_stage_meter(meter)  # type: ignore[arg-type]
    try:
        start = time.perf_counter()
        analysis = analyze(runs, options)
        write_report(analysis, out, options, release_text=True)  # as build_report does
        seconds = time.perf_counter() - start
    finally:
        set_stage_meter(None)
    stages = analysis.stages
    del analysis
    return seconds, stages, meter


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

    for name in LIBRARIES:
        importlib.import_module(name)
    base = proc_status_mib()["VmRSS"]
    cache = work / "cache" / "cache.sqlite"
    cold, cold_stages, cold_mem = run_once(work / "runs", work / "report", cache, base)
    cold_peak = cold_mem.stop()
    warm, warm_stages, warm_mem = run_once(work / "runs", work / "report", cache, base)
    warm_peak = warm_mem.stop()
    warm_cli = run_cli(work / "runs", work / "report", cache)
    cli_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    start = time.perf_counter()  # baseline last, so it does not raise the peaks above
    frames = [pd.read_json(p, lines=True) for p in sorted((work / "runs").glob("*/samples.jsonl"))]
    baseline = time.perf_counter() - start
    del frames
    print(f"baseline (pandas.read_json of the same files): {baseline:.2f} s")

    print(f"\n{'stage':<18}{'cold s':>8}{'warm s':>8}{'peak +MiB':>10}{'after +MiB':>11}"
          f"{'workers MiB':>12}  cached(warm)")  # fmt: skip
    for name in cold_stages:
        c, w = cold_stages[name].get("seconds", 0.0), warm_stages.get(name, {}).get("seconds", 0.0)
        mem = cold_mem.records.get(name, {})
        cached = warm_stages.get(name, {}).get("cached", "")
        print(f"{name:<18}{c:>8.2f}{w:>8.2f}{mem.get('peak', 0):>10.0f}{mem.get('after', 0):>11.0f}"
              f"{mem.get('workers', 0):>12.0f}  {cached}")  # fmt: skip
    text_mb = text_chars / 2**20
    print(f"\ncold: {cold:.1f} s = {cold / baseline:.1f}x baseline (target < 60 s)")
    print(f"warm: {warm:.1f} s = {warm / baseline:.1f}x baseline (target < 10 s)")
    print(f"warm, fresh process (`python -m traceanalysis report`, imports included): "
          f"{warm_cli:.1f} s = {warm_cli / baseline:.1f}x baseline")  # fmt: skip
    exact = "VmHWM reset per stage" if cold_mem.exact else "ru_maxrss (no per-stage reset)"
    print(
        f"\nmemory: growth of this process's RSS over {base:.0f} MiB (RSS after importing the "
        f"interpreter and {len(LIBRARIES)} libraries the pipeline uses); text {text_mb:.0f} MiB; "
        f"peaks by {exact}"
    )
    print(
        f"peak growth, cold: {cold_peak['peak']:.0f} MiB = {cold_peak['peak'] / text_mb:.2f}x "
        f"the text (target < 3x); absolute peak RSS {base + cold_peak['peak']:.0f} MiB"
    )
    print(
        f"peak growth, warm (same process): {warm_peak['peak']:.0f} MiB = "
        f"{warm_peak['peak'] / text_mb:.2f}x the text"
    )
    print(
        f"worker processes (not in the figures above): peak private memory (USS) "
        f"{cold_peak['workers']:.0f} MiB; this process + workers, sampled together: peak growth "
        f"{cold_peak['combined']:.0f} MiB = {cold_peak['combined'] / text_mb:.2f}x the text"
    )
    print(f"fresh-process warm run: peak RSS {cli_peak:.0f} MiB (absolute, imports included)")
    html = work / "report" / "index.html"
    if html.exists():
        print(f"index.html: {html.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
