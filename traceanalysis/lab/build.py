"""Train the four lab models, one stage at a time, each saved as soon as it is done.

Stages (model folder names): ``base`` (pretraining), ``rlvr`` (GRPO from base),
``distill-patterns`` (SFT from base on teacher traces of problems base already solves),
``distill-knowledge`` (the same plus teacher traces of problems base cannot solve: the
unseen operation ``rot`` and chains longer than pretraining showed).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import torch

from traceanalysis.lab.model import build_model, build_tokenizer, load_model, sample, save_model
from traceanalysis.lab.recipe import Recipe
from traceanalysis.lab.tasks import (
    ALL_OPS,
    BASE_OPS,
    NEW_OP,
    Problem,
    reward,
    terse_solution,
    training_problem,
)
from traceanalysis.lab.teacher import teacher_trace
from traceanalysis.lab.train import StepLog, evaluate, grpo_train, pretrain_pairs, supervised_train

STAGES = ("base", "rlvr", "distill-patterns", "distill-knowledge")


def _finish(model, tokenizer, recipe: Recipe, out: Path, log: StepLog, extra: dict) -> Path:
    acc = evaluate(
        model,
        tokenizer,
        per_level=recipe.eval_per_level,
        seed=recipe.seed + 99,
        max_new_tokens=recipe.eval_max_new,
    )
    save_model(model, tokenizer, out, size=recipe.size)
    log.write({"greedy_accuracy_by_level": acc, **extra})
    print(f"[lab] {out.name}: greedy accuracy {acc}", flush=True)
    return out


def train_base(recipe: Recipe, out: Path) -> Path:
    """Pretrain a fresh model on terse solutions (some steps wrong) and save it to ``out``."""
    tokenizer = build_tokenizer()
    model = build_model(tokenizer, recipe.size, seed=recipe.seed)
    log = StepLog(out, "pretrain")
    supervised_train(
        model,
        tokenizer,
        pretrain_pairs(recipe),
        steps=recipe.pretrain_steps,
        batch=recipe.pretrain_batch,
        lr=recipe.pretrain_lr,
        max_len=recipe.max_len,
        log=log,
        seed=recipe.seed,
    )
    n_params = sum(p.numel() for p in model.parameters())
    return _finish(model, tokenizer, recipe, out, log, {"parameters": n_params})


def checkpoint_dir(out: Path, step: int) -> Path:
    """Folder of the GRPO checkpoint after ``step`` updates: ``rlvr-step<step>`` beside ``out``."""
    return Path(out).parent / f"{Path(out).name}-step{step}"


def train_rlvr(recipe: Recipe, base: Path, out: Path) -> Path:
    """GRPO from the base model with the exact-answer reward; saved to ``out``.

    After each step in ``recipe.grpo_checkpoints`` the model is also saved to
    :func:`checkpoint_dir` with ``checkpoint.json`` (step, series, seconds so far).
    """
    model, tokenizer = load_model(base)
    log = StepLog(out, "grpo")

    def save_checkpoint(step: int) -> None:
        if step not in recipe.grpo_checkpoints:
            return
        folder = save_model(model, tokenizer, checkpoint_dir(out, step), size=recipe.size)
        info = {"step": step, "series": out.name, "from": "base", "seconds": log.elapsed()}
        (folder / "checkpoint.json").write_text(json.dumps(info, indent=1) + "\n")

    grpo_train(model, tokenizer, recipe, log, on_step=save_checkpoint)
    extra = {
        "from": "base",
        "step": recipe.grpo_steps,
        "checkpoints": list(recipe.grpo_checkpoints),
    }
    return _finish(model, tokenizer, recipe, out, log, extra)


def solved_by(
    model, tokenizer, problems: list[Problem], max_new_tokens: int = 110
) -> list[Problem]:
    """The problems the model answers correctly with greedy decoding."""
    kept = []
    for i in range(0, len(problems), 256):
        chunk = problems[i : i + 256]
        outs = sample(
            model, tokenizer, [p.prompt for p in chunk], max_new_tokens=max_new_tokens, greedy=True
        )
        kept += [p for p, o in zip(chunk, outs, strict=True) if reward(o, p.answer)]
    return kept


def knowledge_problem(rng: random.Random, recipe: Recipe) -> Problem:
    """A problem outside base's reach: uses ``rot`` or is longer than pretraining chains."""
    if rng.random() < 0.5:
        return training_problem(rng, 1, recipe.pretrain_max_ops, ALL_OPS, need=NEW_OP)
    ops = ALL_OPS if rng.random() < 0.3 else BASE_OPS
    return training_problem(rng, recipe.pretrain_max_ops + 1, recipe.knowledge_max_ops, ops)


def train_distill(recipe: Recipe, base: Path, out: Path, *, knowledge: bool) -> Path:
    """SFT from base on teacher traces (of base-solved problems, plus new knowledge if asked)."""
    model, tokenizer = load_model(base)
    torch.manual_seed(recipe.seed + 3)
    pool_rng = random.Random(recipe.seed + 3)
    pool = [
        training_problem(pool_rng, 1, recipe.pretrain_max_ops, BASE_OPS)
        for _ in range(recipe.filter_pool)
    ]
    solved = solved_by(model, tokenizer, pool)
    print(f"[lab] {out.name}: base solves {len(solved)}/{len(pool)} of the filter pool", flush=True)
    solved = solved or pool[:1]  # only a tiny smoke-test model solves nothing

    def make(rng: random.Random, n: int) -> list[tuple[str, str]]:
        pairs = []
        for _ in range(n):
            if rng.random() < recipe.rehearsal_share:
                # rehearsal: base-style terse solutions keep the arithmetic from drifting
                p = training_problem(rng, 1, recipe.pretrain_max_ops, BASE_OPS)
                pairs.append((p.prompt, terse_solution(p, rng)))
                continue
            if knowledge and rng.random() < recipe.knowledge_share:
                p = knowledge_problem(rng, recipe)
            else:
                p = rng.choice(solved)
            pairs.append((p.prompt, teacher_trace(p, rng)))
        return pairs

    log = StepLog(out, "sft-knowledge" if knowledge else "sft-patterns")
    steps = recipe.knowledge_sft_steps if knowledge else recipe.sft_steps
    supervised_train(
        model,
        tokenizer,
        make,
        steps=steps,
        batch=recipe.sft_batch,
        lr=recipe.sft_lr,
        max_len=recipe.max_len,
        log=log,
        seed=recipe.seed + 4,
    )
    extra = {"from": "base", "solved_pool": len(solved), "pool": len(pool), "knowledge": knowledge}
    return _finish(model, tokenizer, recipe, out, log, extra)


def train_stage(stage: str, recipe: Recipe, out_dir: Path) -> Path:
    """Train one stage into ``out_dir/<stage>`` (later stages read ``out_dir/base``)."""
    out_dir = Path(out_dir)
    base = out_dir / "base"
    if stage != "base" and not (base / "config.json").exists():
        from traceanalysis.errors import InputError

        raise InputError(f"{base}: no base model; train the 'base' stage first")
    runners: dict[str, Callable[[], Path]] = {
        "base": lambda: train_base(recipe, base),
        "rlvr": lambda: train_rlvr(recipe, base, out_dir / "rlvr"),
        "distill-patterns": lambda: train_distill(
            recipe, base, out_dir / "distill-patterns", knowledge=False
        ),
        "distill-knowledge": lambda: train_distill(
            recipe, base, out_dir / "distill-knowledge", knowledge=True
        ),
    }
    t0 = time.time()
    path = runners[stage]()
    print(f"[lab] stage {stage} done in {time.time() - t0:.0f} s -> {path}", flush=True)
    return path
