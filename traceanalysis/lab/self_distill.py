"""Self-distillation (Kim et al. 2025, arXiv 2505.14216, section 4) on the bundled models.

Were RLVR's good responses already in the base model's distribution? Two students are
fine-tuned from ``base`` with the same recipe (the same number of examples, steps,
batch, learning rate and seed): one on correct responses sampled from ``rlvr``, one on
correct responses sampled from ``base`` itself, on the same pool of training problems
(1-5 base operations, rlvr's training distribution, none of them held out). Both are
then sampled like the demo on the demo's held-out problems, graded by the product's
grader, and compared by pass@k with bootstrap CIs (:mod:`self_distill_table`). The paper
finds the student of RLVR's data ahead: RLVR made responses the base did not produce.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from traceanalysis.errors import InputError
from traceanalysis.lab.demo import MODELS_DIR, DemoOptions, sample_lab_run, write_benchmark
from traceanalysis.lab.model import load_model, sample, save_model
from traceanalysis.lab.tasks import BASE_OPS, Problem, reward, terse_solution, training_problem
from traceanalysis.lab.train import StepLog, supervised_train

# student run name -> (teacher model whose correct responses it is trained on, role)
STUDENTS = {"sd-rlvr": "rlvr", "sd-base": "base"}
# every evaluated run -> (teacher data label, role in run.json)
EVAL_RUNS = {
    "base": ("none (no SFT)", "base"),
    "rlvr": ("none (GRPO)", "rl"),
    "sd-rlvr": ("rlvr's correct responses", "distilled"),
    "sd-base": ("base's own correct responses", "distilled"),
}


@dataclass
class SelfDistillOptions:
    """Sizes of the experiment; the defaults are the documented run."""

    pool: int = 1024  # training problems each teacher answers once
    examples: int = 384  # correct responses per student (capped by the fewer of the two)
    steps: int = 150
    batch: int = 24
    lr: float = 5e-4
    teacher_temperature: float = 1.0  # GRPO's sampling temperature
    teacher_max_new: int = 100
    seed: int = 0
    evaluation: DemoOptions = field(default_factory=DemoOptions)
    models_dir: Path = MODELS_DIR
    quiet: bool = False


def pool_problems(n: int, seed: int) -> list[Problem]:
    """The seeded training pool: chains of 1-5 base operations, never a held-out problem."""
    rng = random.Random(seed)
    return [training_problem(rng, 1, 5, BASE_OPS) for _ in range(n)]


def correct_responses(
    model_dir: Path, problems: list[Problem], *, temperature: float, max_new: int, seed: int
) -> list[tuple[Problem, str]]:
    """One sample per problem from the model; the (problem, response) pairs graded correct."""
    model, tokenizer = load_model(model_dir)
    torch.manual_seed(seed)
    kept = []
    for i in range(0, len(problems), 256):
        chunk = problems[i : i + 256]
        outs = sample(
            model,
            tokenizer,
            [p.prompt for p in chunk],
            max_new_tokens=max_new,
            temperature=temperature,
        )
        kept += [(p, o) for p, o in zip(chunk, outs, strict=True) if reward(o, p.answer)]
    return kept


def data_summary(pairs: list[tuple[Problem, str]]) -> dict[str, float]:
    """What a training set holds: size, mean number of ops, share of 4-5 op problems, and
    the share of responses identical to the error-free terse solution."""
    if not pairs:
        return {"examples": 0}
    ops = [len(p.ops) for p, _ in pairs]
    canonical = [r.strip() == terse_solution(p, random.Random(0)) for p, r in pairs]
    return {
        "examples": len(pairs),
        "mean_ops": round(sum(ops) / len(ops), 3),
        "share_4_5_ops": round(sum(o >= 4 for o in ops) / len(ops), 3),
        "share_identical_to_terse_solution": round(sum(canonical) / len(canonical), 3),
    }


def train_student(
    base_dir: Path, pairs: list[tuple[str, str]], out: Path, options: SelfDistillOptions
) -> Path:
    """SFT ``base`` on ``pairs`` (batches drawn with the options' seed) and save it to ``out``."""
    model, tokenizer = load_model(base_dir)
    log = StepLog(out, "self-distill")

    def make(rng: random.Random, n: int) -> list[tuple[str, str]]:
        return [pairs[rng.randrange(len(pairs))] for _ in range(n)]

    supervised_train(
        model,
        tokenizer,
        make,
        steps=options.steps,
        batch=options.batch,
        lr=options.lr,
        max_len=512,
        log=log,
        seed=options.seed + 4,
    )
    save_model(model, tokenizer, out)
    log.write({"from": "base", "examples": len(pairs)})
    return out


def build_data(options: SelfDistillOptions) -> tuple[dict[str, list], dict[str, dict]]:
    """Each teacher's correct responses on the pool, cut to the same size for both."""
    problems = pool_problems(options.pool, options.seed + 11)
    found = {
        teacher: correct_responses(
            options.models_dir / teacher,
            problems,
            temperature=options.teacher_temperature,
            max_new=options.teacher_max_new,
            seed=options.seed + 12,
        )
        for teacher in sorted(set(STUDENTS.values()))
    }
    size = min(options.examples, *(len(v) for v in found.values()))
    if size == 0:
        raise InputError("self-distill: a teacher answered no pool problem correctly")
    data, stats = {}, {}
    for teacher, pairs in found.items():
        chosen = random.Random(options.seed + 13).sample(pairs, size)
        data[teacher] = chosen
        stats[teacher] = {
            "pool": len(problems),
            "correct": len(pairs),
            **data_summary(chosen),
        }
    return data, stats


def run_self_distill(out: Path, options: SelfDistillOptions | None = None) -> dict:
    """Build both training sets, train both students, evaluate all four models, write the
    table and report into ``out``; returns the summary written to ``self_distill.json``."""
    from traceanalysis.lab.self_distill_table import write_outputs

    options = options or SelfDistillOptions()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    t0 = time.time()
    data, stats = build_data(options)
    seconds["teacher_sampling"] = round(time.time() - t0, 1)
    students = {}
    for student, teacher in STUDENTS.items():
        t = time.time()
        pairs = [(p.prompt, r) for p, r in data[teacher]]
        students[student] = train_student(
            options.models_dir / "base", pairs, out / "models" / student, options
        )
        seconds[f"sft_{student}"] = round(time.time() - t, 1)
    t = time.time()
    models = {"base": options.models_dir / "base", "rlvr": options.models_dir / "rlvr", **students}
    runs = evaluate_runs(out, models, options.evaluation)
    seconds["evaluation_sampling"] = round(time.time() - t, 1)
    summary = {
        "paper": "arXiv 2505.14216, section 4",
        "options": {k: v for k, v in asdict(options).items() if k not in ("evaluation",)},
        "evaluation": asdict(options.evaluation),
        "data": stats,
        "seconds": seconds,
    }
    summary = write_outputs(out, runs, summary, t0, quiet=options.quiet)
    return summary


def evaluate_runs(out: Path, models: dict[str, Path], evaluation: DemoOptions) -> Path:
    """Sample every model on the demo's held-out problems through ``generate_run``."""
    bench = write_benchmark(out / "benchmark.jsonl", evaluation.per_level)
    runs = out / "runs"
    for name, model in models.items():
        sample_lab_run(model, bench, runs / name, role=EVAL_RUNS[name][1], options=evaluation)
    return runs


def summary_json(out: Path, summary: dict) -> Path:
    """Write ``self_distill.json`` (paths as strings)."""
    path = Path(out) / "self_distill.json"
    path.write_text(json.dumps(summary, indent=1, default=str) + "\n")
    return path
