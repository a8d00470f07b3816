"""Small hand-made report inputs in the CONTRACTS.md shapes (tables, samples, context).

Used by the figure, HTML, Markdown and browser tests. Everything is seeded, so each call
returns identical data.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from traceanalysis.behaviors.definitions import BEHAVIORS as BEHAVIOR_NAMES
from traceanalysis.lexical import compile_lexicons
from traceanalysis.lexical.matcher import spans_json
from traceanalysis.report.context import ReportContext
from traceanalysis.schema import Rejection, RunInfo

RUNS = [
    RunInfo(
        name="qwen-base",
        model="Qwen/Qwen2.5-Math-1.5B",
        role="base",
        role_guessed=False,
        format="native",
        files=["runs/qwen-base/samples.jsonl"],
    ),
    RunInfo(
        name="qwen-zero-rl",
        model="qwen-zero",
        role="rl",
        role_guessed=True,
        format="qwen_math",
        files=["runs/qwen-zero-rl.jsonl"],
    ),
    RunInfo(
        name="r1-distill",
        model="r1-distill-1.5b",
        role="distilled",
        role_guessed=False,
        format="lm_eval",
        files=["runs/r1-distill/samples_math.jsonl"],
    ),
]
REFERENCE = "qwen-base"
BINS = ["0", "1-4", "5-16", "17-32", "33-64", "65-128", "129-192", "193-256"]
COARSE = ["0-64", "65-128", "129-192", "193-256"]
LEXICONS = ["reflection_kim2025", "anthropomorphic", "logical_connectors"]
BEHAVIORS = list(BEHAVIOR_NAMES)
INJECTION = 'Wait, <script>window.__pwned = 1;</script><img src=x onerror="window.__pwned=2">'
TEXTS = [
    "Let me think. First, we compute 2 + 2 = 4. Wait, let me verify: 2 + 2 = 4. "
    "So the answer is \\boxed{4}.",
    "Hmm, maybe try another approach. Alternatively, factor it: x^2 - 1 = (x-1)(x+1). "
    "Therefore x = 1. \\boxed{1}",
    "We need the sum. I realize I made a mistake, so let me recalculate. The answer is 7.",
    INJECTION + " & done <b>bold</b>",
]


def _spans(text: str) -> str:
    """Behaviour spans for ``text``: the sentence holding "verify" or "approach"."""
    spans = []
    for word, behavior in (("verify", "verification"), ("approach", "multi_perspective")):
        at = text.find(word)
        if at >= 0:
            start = text.rfind(".", 0, at) + 1
            end = text.find(".", at)
            spans.append([start, end + 1 if end >= 0 else len(text), behavior])
    return json.dumps(spans)


def make_samples(n_problems: int = 12, n_samples: int = 8, seed: int = 0) -> pd.DataFrame:
    """A graded, featured samples table: run, problem_id, response, correct, n_tokens, bins."""
    rng = np.random.default_rng(seed)
    rows = []
    for r, run in enumerate(RUNS):
        for p in range(n_problems):
            for s in range(n_samples):
                text = TEXTS[(p + s + r) % len(TEXTS)]
                correct = bool(rng.random() < 0.3 + 0.2 * r)
                rows.append(
                    {
                        "run": run.name,
                        "role": run.role,
                        "problem_id": f"p{p:03d}",
                        "sample_idx": s,
                        "prompt": f"Problem {p}: compute something.",
                        "response": text,
                        "gold": "4",
                        "extracted": "4" if correct else "5",
                        "correct": correct,
                        "grade_status": "ok",
                        "n_tokens": int(rng.integers(50, 4000) * (0.7 if correct else 1.0)),
                        "difficulty_bin": BINS[p % len(BINS)],
                        "difficulty_bin_coarse": COARSE[(p % len(BINS)) // 2],
                        "behavior_spans": _spans(text),
                        "lexicon_spans": spans_json(compile_lexicons().spans(text)),
                        "behavior_verification_present": "verify" in text,
                        "behavior_multi_perspective_present": "approach" in text,
                    }
                )
    df = pd.DataFrame(rows)
    df["correct"] = df["correct"].astype("boolean")
    df.attrs["tokenizer"] = {"name": "cl100k_base", "source": "tiktoken", "unit": "tokens"}
    return df


def make_tables(seed: int = 0) -> dict[str, pd.DataFrame]:
    """Every aggregate table of CONTRACTS.md with plausible values."""
    rng = np.random.default_rng(seed)
    names = [r.name for r in RUNS]
    ks = list(range(1, 9))
    passk = pd.DataFrame(
        [
            {"run": run, "k": k, "value": v, "lo": v - 0.05, "hi": min(1.0, v + 0.05)}
            for i, run in enumerate(names)
            for k in ks
            for v in [1 - (1 - (0.3 + 0.15 * i)) ** k]
        ]
    )
    acc = pd.DataFrame(
        [
            {
                "run": r.name,
                "role": r.role,
                "n_problems": 12,
                "n_samples": 96,
                "pass@1": 0.3 + 0.15 * i,
                "pass@1_lo": 0.25 + 0.15 * i,
                "pass@1_hi": 0.35 + 0.15 * i,
                "pass@8": 0.8,
                "pass@8_lo": 0.7,
                "pass@8_hi": 0.9,
                "maj@8": 0.5,
                "maj@8_lo": 0.4,
                "maj@8_hi": 0.6,
                "status_ok": 0.9,
                "status_no_answer": 0.1,
            }
            for i, r in enumerate(RUNS)
        ]
    )
    diff = pd.DataFrame(
        [
            {
                "bin": b,
                "bin_index": j,
                "run": run,
                "n_problems": 1 + j,
                "accuracy": min(1.0, j / 8 + 0.1 * i),
                "delta_vs_reference": 0.0 if run == REFERENCE else 0.1 * i,
            }
            for i, run in enumerate(names)
            for j, b in enumerate(BINS)
        ]
    )
    tables = {"accuracy": acc, "passk": passk, "difficulty": diff}
    for run in names[1:]:
        rows = [
            {"ref_bin": a, "run_bin": b, "count": int(rng.integers(0, 4))}
            for a in BINS
            for b in BINS
        ]
        t = pd.DataFrame(rows)
        t["row_pct"] = (
            100 * t["count"] / t.groupby("ref_bin")["count"].transform("sum").replace(0, 1)
        )
        tables[f"transitions_{run}"] = t
    lex_rows = []
    for run in names:
        for correct in (True, False, "all"):
            for b in ["all", *COARSE]:
                row = {
                    "run": run,
                    "correct": correct,
                    "difficulty_bin": b,
                    "n_responses": int(rng.integers(5, 40)),
                    "tokens_mean": float(rng.uniform(200, 2000)),
                    "words_mean": float(rng.uniform(150, 1500)),
                }
                for lex in LEXICONS:
                    row[f"{lex}_pooled_per_1k"] = float(rng.uniform(0, 12))
                    row[f"{lex}_mean_per_1k"] = float(rng.uniform(0, 12))
                    row[f"{lex}_per_response"] = float(rng.uniform(0, 8))
                    row[f"{lex}_present_share"] = float(rng.uniform(0, 1))
                lex_rows.append(row)
    tables["lexical"] = pd.DataFrame(lex_rows)
    tokens = [f"tok{i}" for i in range(300)] + ["wait", "hmm", "alternatively", "so", "<b>x</b>"]
    for a, b in ((names[1], names[0]), (names[2], names[1])):  # comparison_pairs order
        count_a = rng.integers(1, 500, len(tokens))
        count_b = rng.integers(1, 500, len(tokens))
        z = rng.normal(0, 2, len(tokens))
        tables[f"distinctive_{a}_vs_{b}"] = pd.DataFrame(
            {
                "token": tokens,
                "count_a": count_a,
                "count_b": count_b,
                "per_10k_a": count_a / 10.0,
                "per_10k_b": count_b / 10.0,
                "log_odds": z / 3,
                "z": z,
            }
        ).sort_values("z", ascending=False, ignore_index=True)
    tables["behaviors"] = pd.DataFrame(
        [
            {
                "run": run,
                "behavior": beh,
                "share_present": float(rng.uniform(0, 1)),
                "mean_count": float(rng.uniform(0, 3)),
                "n_responses": 96,
                "judge_share_present": float(rng.uniform(0, 1)),
                "kappa": 0.4,
                "n_both": 20,
            }
            for run in names
            for beh in BEHAVIORS
        ]
    )
    features = [
        "n_tokens",
        *(f"{lex}_per_1k" for lex in LEXICONS),
        *(f"behavior_{b}_present" for b in BEHAVIORS[:3]),
    ]
    tables["audit"] = pd.DataFrame(
        [
            {
                "feature": f,
                "run": run,
                "bin": b,
                "n": 96,
                "n_problems_within": 9,
                "auroc_pooled": p,
                "auroc_within": w,
                "auroc_within_lo": w - 0.08,
                "auroc_within_hi": w + 0.08,
                "coef_fe": w - 0.5,
                "coef_fe_lo": w - 0.7,
                "coef_fe_hi": w - 0.3,
                "p_value": 0.2,
                "verdict": "no evidence it predicts correctness within a problem",
            }
            for f in features
            for run in names
            for b in ["all", *COARSE]
            for p, w in [(float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.4, 0.6)))]
        ]
    )
    return tables


@functools.lru_cache(maxsize=1)
def shared_figures() -> tuple:
    """Every figure of the factory tables, drawn once per test process into a temp folder
    (figures are the slow part; the tests that need them share one set)."""
    from traceanalysis.report.figures import make_figures

    out = Path(tempfile.mkdtemp(prefix="report-figures-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    return tuple(make_figures(make_tables(), make_samples(), RUNS, REFERENCE, out / "figures"))


def make_context(
    tmp_dir: Path, *, figures: bool = True, examples: pd.DataFrame | None = None
) -> ReportContext:
    """A full ReportContext; with ``figures`` the shared figures are copied to tmp_dir/figures."""
    tables = make_tables()
    samples = make_samples()
    records = []
    if figures:
        (tmp_dir / "figures").mkdir(parents=True, exist_ok=True)
        for rec in shared_figures():
            files = {
                fmt: Path(shutil.copy(path, tmp_dir / "figures" / Path(path).name))
                for fmt, path in rec.files.items()
            }
            records.append(dataclasses.replace(rec, files=files))
    if examples is None:
        examples = samples.groupby("run").head(4).reset_index(drop=True)
    return ReportContext(
        title="Test report <&>",
        runs=RUNS,
        reference=REFERENCE,
        tables=tables,
        findings={
            "accuracy": ["qwen-zero-rl raises pass@1 over qwen-base by 15.0 points <b>."],
            "audit": ["Response length does not predict correctness within a problem."],
            "flexible": ["r1-distill uses 2.1x more anthropomorphic tokens than qwen-zero-rl."],
        },
        figures=records,
        examples=examples,
        manifest={
            "package": {"traceanalysis": "0.1.0"},
            "seeds": {"bootstrap": 0},
            "inputs": [
                {
                    "run": "qwen-base",
                    "file": "runs/qwen-base/samples.jsonl",
                    "format": "native",
                    "sha256": "ab" * 32,
                    "rows": 96,
                }
            ],
        },
        rejections=[
            Rejection(
                file="runs/qwen-base/samples.jsonl",
                line=7,
                reason="empty response",
                run="qwen-base",
            )
        ],
        notes={"data": ["Role of qwen-zero-rl guessed from its name."]},
    )
