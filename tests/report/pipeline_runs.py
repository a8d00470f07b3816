"""Small synthetic runs folders for the pipeline tests, written to a temporary folder.

Each response is real text (reflection words, connectors, a final ``\\boxed{}``) whose
answer is the gold answer with a per-run, per-problem probability, so grading with
math-verify, lexicons and the rule tagger all have something to find.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROLES = {"qwen-base": "base", "qwen-zero-rl": "rl", "qwen-distill": "distilled"}
_OPENINGS = [
    "Let me think about this step by step.",
    "First, we set up the equation.",
    "We need to find the value.",
]
_MIDDLES = [
    "Wait, let me check that again. Hmm, maybe I made a mistake.",
    "Alternatively, we could use another approach. But this one works.",
    "So the sum is straightforward, therefore we continue.",
    "Let me verify: plugging back in gives the same result.",
    "Since the terms cancel, the answer follows.",
]


def write_runs(
    root: Path,
    runs: dict[str, str] | None = None,
    *,
    n_problems: int = 8,
    n_samples: int = 4,
    seed: int = 0,
    skill: dict[str, float] | None = None,
    missing: dict[str, list[int]] | None = None,
    no_gold: tuple[str, ...] = (),
) -> Path:
    """Write one folder per run (``samples.jsonl`` + ``run.json``) under ``root``."""
    runs = ROLES if runs is None else runs
    rng = np.random.default_rng(seed)
    ease = rng.uniform(0.05, 0.95, n_problems)
    for r_index, (name, role) in enumerate(runs.items()):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "run.json").write_text(json.dumps({"model": f"toy/{name}", "role": role}))
        lift = (skill or {}).get(name, 0.1 * r_index)
        lines = []
        for p in range(n_problems):
            if p in (missing or {}).get(name, []):
                continue
            gold = 3 * p + 7
            for s in range(n_samples):
                ok = rng.random() < min(1.0, ease[p] + lift)
                n_mid = int(rng.integers(1, 4 + r_index))
                body = " ".join([_OPENINGS[(p + s) % 3], *rng.choice(_MIDDLES, n_mid)])
                answer = gold if ok else gold + 1 + s
                row = {
                    "problem_id": f"p{p}",
                    "sample_idx": s,
                    "prompt": f"Compute 3*{p}+7.",
                    "response": f"{body} The answer is \\boxed{{{answer}}}.",
                    "finish_reason": "stop",
                }
                if name not in no_gold:
                    row["gold"] = str(gold)
                lines.append(json.dumps(row))
        (folder / "samples.jsonl").write_text("\n".join(lines) + "\n")
    return root
