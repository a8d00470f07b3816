"""Benchmark: grading 32,000 responses cold and warm vs serial math-verify per response.

The corpus imitates a real sampling run: 500 problems x 64 samples; each problem has a
success rate drawn from Beta(0.7, 0.7); a correct sample writes the gold in one of a few
equivalent surface forms, a wrong one picks from a handful of Zipf-weighted distractors;
~3% answer in plain text without a box, ~2% are cut off by the length limit. Responses
carry ~1,500 characters of reasoning text before the answer.

Two baselines call math-verify serially for every response in this process (math-verify's
own signal timeout): A, the common usage ``verify(parse(gold), parse(response))``; B, a
stronger one that first takes the last box as ``grade`` does and parses only that.
On the full corpus they would take many minutes, so they run on the first whole problems
(31 x 64 = 1,984 responses by default) and are extrapolated linearly (printed as such).
``grade`` runs cold (empty cache file) and warm (the same call again). CPU seconds of
``grade`` count the parent and its workers, not the one-off forkserver start (~3 s CPU:
imports and parser warm-up), which the wall time does include. Run: ``python benchmarks/bench_grade.py [--problems 500 --samples 64]``.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

FILLER = (
    "Let me think about this step by step. We set up the equation and simplify both sides. "
    "Wait, we should double-check the arithmetic before moving on. "
)


def _gold_forms(rng: random.Random) -> tuple[str, list[str], list[str]]:
    """A gold answer, equivalent surface forms of it, and wrong answers."""
    kind = rng.choice(["int", "frac", "sqrt", "interval", "expr"])
    a, b = rng.randint(2, 40), rng.randint(2, 9)
    if kind == "int":
        gold, forms = str(a * b), [str(a * b), f"{a * b}.0", f"{a * b}"]
        wrong = [str(a * b + d) for d in (1, -1, 2, 10, -3, b)]
    elif kind == "frac":
        gold = f"\\frac{{{a}}}{{{a + b}}}"
        forms = [gold, f"\\dfrac{{{a}}}{{{a + b}}}", f"{a}/{a + b}"]
        wrong = [f"\\frac{{{a + d}}}{{{a + b}}}" for d in (1, 2, 3, -1)] + [str(a), f"{a + b}"]
    elif kind == "sqrt":
        gold = f"{b}\\sqrt{{{a}}}"
        forms = [gold, f"{b} \\sqrt{{{a}}}", f"\\sqrt{{{a}}} \\cdot {b}"]
        wrong = [f"{b + d}\\sqrt{{{a}}}" for d in (1, 2, -1)] + [str(b), f"\\sqrt{{{a * b}}}", "0"]
    elif kind == "interval":
        gold = f"(-{a}, {b}]"
        forms = [gold, f"\\left(-{a},{b}\\right]", f"(-{a},{b}]"]
        wrong = [
            f"[-{a}, {b}]",
            f"(-{a}, {b})",
            f"(-{a + 1}, {b}]",
            f"({a}, {b}]",
            "\\emptyset",
            f"(-\\infty, {b}]",
        ]
    else:
        gold = f"{b}x^2 + {a}"
        forms = [gold, f"{a} + {b}x^2", f"{b} x^{{2}}+{a}"]
        wrong = [
            f"{b}x^2 - {a}",
            f"{b}x + {a}",
            f"{b + 1}x^2 + {a}",
            f"x^2 + {a}",
            f"{b}x^2",
            f"{a}x^2 + {b}",
        ]
    return gold, forms, wrong


def make_corpus(problems: int, samples: int, seed: int = 0) -> list[dict]:
    """Rows of a synthetic samples table with realistic answer repetition."""
    rng = random.Random(seed)
    rows = []
    for p in range(problems):
        gold, forms, wrong = _gold_forms(rng)
        rate = rng.betavariate(0.7, 0.7)
        weights = [1 / (i + 1) ** 1.2 for i in range(len(wrong))]
        for s in range(samples):
            answer = rng.choice(forms) if rng.random() < rate else rng.choices(wrong, weights)[0]
            body = FILLER * rng.randint(8, 14)
            roll = rng.random()
            finish = "stop"
            if roll < 0.03:
                text = f"{body}So the final answer is ${answer}$."
            elif roll < 0.05:
                text, finish = body + "and then we", "length"
            else:
                text = f"{body}Therefore the answer is $\\boxed{{{answer}}}$."
            rows.append(
                {
                    "run": "bench",
                    "problem_id": f"p{p}",
                    "sample_idx": s,
                    "response": text,
                    "gold": gold,
                    "finish_reason": finish,
                }
            )
    return rows


def serial_baseline(
    rows: list[dict], *, extract_box: bool
) -> tuple[float, float, list[bool | None]]:
    """math-verify once per response, serially, in this process: wall s, CPU s, verdicts.

    ``extract_box=False``: the common usage, ``verify(parse(gold), parse(response))`` with
    math-verify's own extraction over the whole response. ``True``: a stronger baseline
    that first takes the last box as ``grade`` does and parses only that.
    """
    from math_verify import parse, verify

    from traceanalysis.grading.extract import final_part, last_boxed

    verdicts: list[bool | None] = []
    start = time.perf_counter()
    cpu_start = time.process_time()
    for row in rows:
        if row["finish_reason"] == "length":
            verdicts.append(False)
            continue
        final, _ = final_part(row["response"])
        box = last_boxed(final) if extract_box else None
        pred = parse("\\boxed{" + box + "}") if box is not None else parse(final)
        gold = parse("\\boxed{" + row["gold"] + "}")
        verdicts.append(bool(verify(gold, pred)))
    return time.perf_counter() - start, time.process_time() - cpu_start, verdicts


def main() -> None:
    """Build the corpus, time the baseline on a subset, then grade cold and warm."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument(
        "--baseline-subset",
        type=int,
        default=2000,
        help="responses the serial baseline grades (extrapolated to all)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import pandas as pd

    from traceanalysis.grading import grade
    from traceanalysis.schema import coerce_core_dtypes

    rows = make_corpus(args.problems, args.samples, args.seed)
    df = coerce_core_dtypes(pd.DataFrame(rows))
    # whole problems, so the subset keeps the corpus's answer repetition (math-verify's own
    # LRU parse caches profit from it just as in a real serial loop over grouped samples)
    per_problem = args.samples
    n_sub = min(len(rows), max(per_problem, args.baseline_subset // per_problem * per_problem))
    subset_idx = list(range(n_sub))
    load = [os.getloadavg()[0]]
    subset = [rows[i] for i in subset_idx]
    scale = len(rows) / len(subset_idx)
    baselines = {}
    for name, extract_box in (("A", False), ("B", True)):
        wall, cpu, verdicts = serial_baseline(subset, extract_box=extract_box)
        baselines[name] = (wall * scale, cpu * scale, wall, cpu, verdicts)

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "bench.sqlite"
        load.append(os.getloadavg()[0])
        start, cpu_start = time.perf_counter(), time.process_time()
        cold = grade(df, workers=args.workers, timeout=args.timeout, cache_path=cache)
        cold_s = time.perf_counter() - start
        cold_cpu = time.process_time() - cpu_start + cold.attrs["grading"]["worker_cpu_s"]
        load.append(os.getloadavg()[0])
        start, cpu_start = time.perf_counter(), time.process_time()
        warm = grade(df, workers=args.workers, timeout=args.timeout, cache_path=cache)
        warm_s = time.perf_counter() - start
        warm_cpu = time.process_time() - cpu_start

    info = cold.attrs["grading"]
    ours = cold["correct"].iloc[subset_idx].tolist()
    print(
        f"responses {len(rows):,}; unique (answer, gold) sent to math-verify {info['n_unique']:,}"
    )
    print(f"load average (1 min) before baselines / cold / warm: {[round(x, 1) for x in load]}")
    print(f"baselines measured on {len(subset_idx):,} responses (whole problems), extrapolated")
    print(f"{'':34}{'wall s':>9}{'CPU s':>9}   ratios wall/CPU vs A, vs B")
    labels = {"A": "serial A: parse(response)+verify", "B": "serial B: last box, parse+verify"}
    for name, (wall, cpu, sub_wall, sub_cpu, verdicts) in baselines.items():
        pairs = [(bool(a), b) for a, b in zip(ours, verdicts, strict=True) if a is not pd.NA]
        agree = sum(a == bool(b) for a, b in pairs) / max(1, len(pairs))
        print(
            f"{labels[name]:34}{wall:>9.1f}{cpu:>9.1f}   (measured {sub_wall:.1f} s wall, "
            f"{sub_cpu:.1f} s CPU; same verdict as grade: {agree:.4f})"
        )
    for name, wall, cpu in (
        (f"grade cold ({args.workers} workers)", cold_s, cold_cpu),
        ("grade warm (cache)", warm_s, warm_cpu),
    ):
        ratios = ", ".join(
            f"{name_b}: {b[0] / wall:.1f}x / {b[1] / cpu:.1f}x" for name_b, b in baselines.items()
        )
        print(f"{name:34}{wall:>9.2f}{cpu:>9.2f}   {ratios}")
    print(f"warm rerun re-verified {warm.attrs['grading']['n_verified']} answers")
    print(f"statuses: {cold['grade_status'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
