"""Write the small example runs folder shipped with the project (``examples/runs/``).

Three synthetic runs of 20 math problems x 8 samples, in three input formats:

- ``base/``     native ``samples.jsonl``: short answers, few reflection words;
- ``zero-rl/``  Qwen2.5-Math / SimpleRL eval JSONL (one line per problem, ``code``
  lists) — a foreign format, detected by content;
- ``distill/``  native ``samples.parquet``: long ``<think>`` traces full of "Wait",
  "Hmm", "Alternatively"; a few are cut off (unclosed think, ``finish_reason: length``).

Each run has a ``run.json``. Success probabilities follow the pattern the papers
describe: zero-RL gains on mid-difficulty problems, distillation gains more and reaches
some problems the base never solves. The traces are generated text, not model output.
Seeded: rerunning writes identical files.

    python examples/make_example_runs.py [--out examples/runs]
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections.abc import Callable
from pathlib import Path

import pandas as pd

N_PROBLEMS = 20
N_SAMPLES = 8
SEED = 20250521
Problem = dict[str, str]


def _remainder(rng: random.Random) -> tuple[str, int, str]:
    a, b = rng.randint(100, 999), rng.randint(3, 13)
    return (
        f"What is the remainder when ${a}$ is divided by ${b}$?",
        a % b,
        f"${a} = {b} \\cdot {a // b} + {a % b}$",
    )


def _linear(rng: random.Random) -> tuple[str, int, str]:
    a, x, b = rng.randint(2, 9), rng.randint(-9, 15), rng.randint(1, 30)
    return f"Solve for $x$: ${a}x + {b} = {a * x + b}$.", x, f"${a}x = {a * x + b} - {b} = {a * x}$"


def _triangular(rng: random.Random) -> tuple[str, int, str]:
    n = rng.randint(10, 60)
    return (
        f"What is the sum of the first ${n}$ positive integers?",
        n * (n + 1) // 2,
        f"$\\frac{{{n} \\cdot {n + 1}}}{{2}}$",
    )


def _gcd(rng: random.Random) -> tuple[str, int, str]:
    g = rng.randint(2, 12)
    a, b = g * rng.randint(3, 20), g * rng.randint(3, 20)
    return f"Find $\\gcd({a}, {b})$.", math.gcd(a, b), f"the Euclidean algorithm on ${a}$ and ${b}$"


def _binomial(rng: random.Random) -> tuple[str, int, str]:
    n = rng.randint(5, 12)
    k = rng.randint(2, n - 2)
    return (
        f"Compute $\\binom{{{n}}}{{{k}}}$.",
        math.comb(n, k),
        f"$\\frac{{{n}!}}{{{k}!\\,{n - k}!}}$",
    )


def _divisors(rng: random.Random) -> tuple[str, int, str]:
    n = rng.choice([36, 48, 60, 72, 84, 90, 96, 100, 120, 144, 180, 210])
    count = sum(1 for d in range(1, n + 1) if n % d == 0)
    return (
        f"How many positive divisors does ${n}$ have?",
        count,
        f"the prime factorization of ${n}$",
    )


TEMPLATES: list[Callable[[random.Random], tuple[str, int, str]]] = [
    _remainder,
    _linear,
    _triangular,
    _gcd,
    _binomial,
    _divisors,
]


def make_problems(rng: random.Random) -> list[Problem]:
    """Twenty problems with gold answers and a one-line solution idea."""
    problems = []
    for i in range(N_PROBLEMS):
        question, answer, work = TEMPLATES[i % len(TEMPLATES)](rng)
        problems.append(
            {"id": f"ex-{i + 1:02d}", "question": question, "gold": str(answer), "work": work}
        )
    return problems


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def success_rates(rng: random.Random) -> dict[str, list[float]]:
    """Per-problem success probability for each run (base spread from 0 to 0.95)."""
    base = [0.0, 0.0, 0.02] + [rng.uniform(0.05, 0.95) for _ in range(N_PROBLEMS - 3)]
    rng.shuffle(base)
    rl = [0.0 if p == 0 else _sigmoid(_logit(min(p, 0.97)) + 1.3) for p in base]
    distill = [0.25 if p == 0 else _sigmoid(_logit(min(p, 0.97)) + 1.6) for p in base]
    return {"base": base, "zero-rl": rl, "distill": distill}


def _wrong(gold: str, rng: random.Random) -> str:
    return str(int(gold) + rng.choice([-3, -2, -1, 1, 2, 5, 10]))


def base_trace(p: Problem, answer: str | None, rng: random.Random) -> str:
    """A short base-model answer; ``answer`` None means no final answer is given."""
    lines = [f"We use {p['work']}."]
    if rng.random() < 0.15:
        lines.append("Wait, let me check the arithmetic again.")
    if answer is None:
        lines.append("Therefore the result follows from the computation above.")
    else:
        lines.append(f"So the answer is $\\boxed{{{answer}}}$.")
    return " ".join(lines)


def rl_trace(p: Problem, answer: str, rng: random.Random) -> str:
    """A zero-RL style answer: numbered steps, occasional verification."""
    steps = [f"Step 1: Understand the problem. {p['question']}", f"Step 2: Apply {p['work']}."]
    if rng.random() < 0.35:
        steps.append(f"Step 3: Let me verify the result: it gives ${answer}$, which is consistent.")
    if rng.random() < 0.2:
        steps.append("Wait, recheck the last step. It holds.")
    steps.append(f"The final answer is $\\boxed{{{answer}}}$.")
    return "\n".join(steps)


def distill_trace(p: Problem, answer: str, rng: random.Random, cut: bool) -> str:
    """A distilled long-reasoning trace in ``<think>`` tags; ``cut`` stops mid-thought."""
    thoughts = [
        f"Okay, so I need to answer this: {p['question']}",
        f"Let me think. I can use {p['work']}.",
        "Hmm, wait. Let me make sure I did not make a mistake here.",
    ]
    if rng.random() < 0.6:
        thoughts.append("Alternatively, I could approach it another way and compare the results.")
    if rng.random() < 0.5:
        thoughts.append(f"Wait, but is it really {answer}? Let me double-check... yes.")
    if cut:
        thoughts.append("Hmm, maybe I should recount everything from the beginning. So first")
        return "<think>\n" + "\n\n".join(thoughts)
    thoughts.append(f"So the answer should be {answer}.")
    body = "\n\n".join(thoughts)
    return f"<think>\n{body}\n</think>\n\nThe answer is $\\boxed{{{answer}}}$."


def build(out: Path, seed: int = SEED) -> None:
    """Write the three runs under ``out`` (replacing files of the same names)."""
    rng = random.Random(seed)
    problems = make_problems(rng)
    rates = success_rates(rng)
    prompt = "{q}\nPlease reason step by step, and put your final answer within \\boxed{{}}."
    base_rows, distill_rows, rl_lines = [], [], []
    for i, p in enumerate(problems):
        rl_codes, rl_scores = [], []
        for s in range(N_SAMPLES):
            ok = rng.random() < rates["base"][i]
            answer = p["gold"] if ok else (None if rng.random() < 0.2 else _wrong(p["gold"], rng))
            base_rows.append(
                {
                    "problem_id": p["id"],
                    "sample_idx": s,
                    "prompt": prompt.format(q=p["question"]),
                    "response": base_trace(p, answer, rng),
                    "gold": p["gold"],
                    "finish_reason": "stop",
                }
            )
            ok = rng.random() < rates["zero-rl"][i]
            rl_codes.append(rl_trace(p, p["gold"] if ok else _wrong(p["gold"], rng), rng))
            rl_scores.append(ok)
            ok = rng.random() < rates["distill"][i]
            cut = not ok and rng.random() < 0.3
            text = distill_trace(p, p["gold"] if ok else _wrong(p["gold"], rng), rng, cut)
            distill_rows.append(
                {
                    "problem_id": p["id"],
                    "sample_idx": s,
                    "prompt": prompt.format(q=p["question"]),
                    "response": text,
                    "gold": p["gold"],
                    "finish_reason": "length" if cut else "stop",
                }
            )
        rl_lines.append(
            {
                "idx": p["id"],
                "question": p["question"],
                "gt": p["gold"],
                "code": rl_codes,
                "pred": [None] * N_SAMPLES,
                "score": rl_scores,
            }
        )
    meta = {
        "benchmark": "math-example",
        "reference": "base",
        "sampling": {"n": N_SAMPLES, "temperature": 0.9},
    }
    note = "synthetic traces written by examples/make_example_runs.py"
    runs = {
        "base": {"model": "example/base-1.5b", "role": "base"},
        "zero-rl": {"model": "example/zero-rl-1.5b", "role": "rl"},
        "distill": {"model": "example/distill-1.5b", "role": "distilled"},
    }
    for name, info in runs.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        record = {**info, **meta, "note": note}
        (folder / "run.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    with (out / "base" / "samples.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in base_rows)
    with (out / "zero-rl" / "math_eval.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rl_lines)
    pd.DataFrame(distill_rows).to_parquet(out / "distill" / "samples.parquet", index=False)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Write the example runs folder.")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "runs")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    build(args.out, args.seed)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
