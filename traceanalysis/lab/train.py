"""The training recipe: pretraining, GRPO and SFT for the lab's small models.

Every stage is seeded and writes ``train_log.csv`` (one row per step) next to the
model it saves. Rewards in GRPO use :func:`traceanalysis.lab.tasks.reward`, the integer
comparison of the last boxed answer that matches what the product's grader decides for
these all-digit answers (math-verify reads both gold and answer as integers).
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from traceanalysis.lab.model import sample
from traceanalysis.lab.recipe import Recipe
from traceanalysis.lab.tasks import (
    BASE_OPS,
    LEVELS,
    level_problem,
    reward,
    terse_solution,
    training_problem,
)


class StepLog:
    """Collects one dict per step and writes them as CSV (and a JSON summary)."""

    def __init__(self, out: Path, stage: str) -> None:
        self.out, self.stage, self.rows = Path(out), stage, []
        self.t0 = time.time()

    def add(self, **row: float) -> None:
        """Record one step (elapsed seconds are added)."""
        row = {"stage": self.stage, "elapsed_s": round(time.time() - self.t0, 2), **row}
        self.rows.append(row)
        if len(self.rows) % 25 == 0:
            print(f"[lab] {self.stage} {row}", flush=True)

    def elapsed(self) -> float:
        """Seconds since the stage started."""
        return round(time.time() - self.t0, 1)

    def write(self, summary: dict) -> None:
        """Write ``train_log.csv`` and ``train_summary.json`` into the model folder."""
        self.out.mkdir(parents=True, exist_ok=True)
        if self.rows:
            keys = list(dict.fromkeys(k for r in self.rows for k in r))
            with open(self.out / "train_log.csv", "w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=keys)
                w.writeheader()
                w.writerows(self.rows)
        summary = {"stage": self.stage, "seconds": round(time.time() - self.t0, 1), **summary}
        (self.out / "train_summary.json").write_text(json.dumps(summary, indent=1) + "\n")


def encode_text(tokenizer, text: str) -> list[int]:
    """Token ids of ``text`` alone (no special tokens)."""
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def supervised_batch(
    tokenizer, pairs: list[tuple[str, str]], max_len: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-padded (input_ids, attention_mask, labels); the loss covers the response only.

    Prompt (``prompt + "\\n"``) and response are tokenised apart and concatenated; the
    lab's pre-tokeniser splits at the newline, so this equals tokenising the joined text.
    """
    seqs, n_prompt = [], []
    for prompt, response in pairs:
        p = encode_text(tokenizer, prompt + "\n")
        r = encode_text(tokenizer, response) + [tokenizer.eos_token_id]
        seqs.append((p + r)[:max_len])
        n_prompt.append(len(p))
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), tokenizer.pad_token_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    labels = torch.full_like(ids, -100)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
        labels[i, n_prompt[i] : len(s)] = ids[i, n_prompt[i] : len(s)]
    return ids, mask, labels


def lm_loss(model, ids, mask, labels) -> torch.Tensor:
    """Mean next-token cross-entropy over labelled positions."""
    logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
    )


def _lr_at(step: int, total: int, peak: float, warmup: int) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + torch.cos(torch.tensor(progress * torch.pi)).item()))


def supervised_train(
    model,
    tokenizer,
    make_pairs,
    *,
    steps: int,
    batch: int,
    lr: float,
    max_len: int,
    log: StepLog,
    seed: int,
) -> None:
    """AdamW on ``make_pairs(rng, batch)`` batches for ``steps`` steps (cosine schedule)."""
    rng = random.Random(seed)
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.95))
    model.train()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, steps, lr, max(1, steps // 20))
        ids, mask, labels = supervised_batch(tokenizer, make_pairs(rng, batch), max_len)
        loss = lm_loss(model, ids, mask, labels)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        log.add(step=step, loss=round(loss.item(), 4), lr=opt.param_groups[0]["lr"])
    model.eval()


def pretrain_pairs(recipe: Recipe):
    """Batch maker for pretraining: terse solutions of 1..max ops, some steps wrong."""

    def make(rng: random.Random, n: int) -> list[tuple[str, str]]:
        out = []
        for _ in range(n):
            p = training_problem(rng, 1, recipe.pretrain_max_ops, BASE_OPS)
            out.append((p.prompt, terse_solution(p, rng, recipe.pretrain_error_rate)))
        return out

    return make


def evaluate(
    model, tokenizer, *, per_level: int, seed: int, max_new_tokens: int, greedy: bool = True
) -> dict[str, float]:
    """Accuracy per test level on fresh seeded problems (not the held-out set)."""
    rng = random.Random(seed)
    torch.manual_seed(seed)
    result = {}
    for level in LEVELS:
        probs = []
        while len(probs) < per_level:
            p = level_problem(rng, level)
            probs.append(p)
        outs = sample(
            model,
            tokenizer,
            [p.prompt for p in probs],
            max_new_tokens=max_new_tokens,
            greedy=greedy,
        )
        result[level] = (
            sum(reward(o, p.answer) for o, p in zip(outs, probs, strict=True)) / per_level
        )
    return result


def grpo_train(
    model, tokenizer, recipe: Recipe, log: StepLog, on_step: Callable[[int], None] | None = None
) -> None:
    """Compact GRPO: group-mean baseline, one on-policy update per batch, no KL.

    ``on_step(n)`` is called after the n-th update (n = 1..steps), e.g. to save a checkpoint.
    """
    rng = random.Random(recipe.seed + 2)
    torch.manual_seed(recipe.seed + 2)
    opt = torch.optim.AdamW(
        model.parameters(), lr=recipe.grpo_lr, weight_decay=0.0, betas=(0.9, 0.95)
    )
    G = recipe.grpo_group
    for step in range(recipe.grpo_steps):
        problems = [
            training_problem(rng, 1, recipe.pretrain_max_ops, BASE_OPS)
            for _ in range(recipe.grpo_prompts)
        ]
        prompts = [p.prompt for p in problems for _ in range(G)]
        model.eval()
        enc = tokenizer([p + "\n" for p in prompts], return_tensors="pt", padding=True)
        with torch.no_grad():
            out = model.generate(
                **enc,
                max_new_tokens=recipe.grpo_max_new,
                do_sample=True,
                temperature=1.0,
                top_k=0,
                top_p=1.0,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        plen = enc["input_ids"].shape[1]
        comp = out[:, plen:]
        texts = tokenizer.batch_decode(comp, skip_special_tokens=True)
        rewards = torch.tensor([reward(t, problems[i // G].answer) for i, t in enumerate(texts)])
        adv = (rewards.view(-1, G) - rewards.view(-1, G).mean(1, keepdim=True)).view(-1)
        # completion mask: tokens up to and including the first eos
        is_eos = comp == tokenizer.eos_token_id
        after = (is_eos.cumsum(1) - is_eos.long()) > 0
        cmask = (~after).long()
        mask = torch.cat([enc["attention_mask"], cmask], dim=1)
        n_active = int((adv != 0).sum())
        loss_val = 0.0
        if n_active:
            model.train()
            pos = (mask.cumsum(1) - 1).clamp(min=0)
            logits = model(input_ids=out, attention_mask=mask, position_ids=pos).logits[
                :, plen - 1 : -1
            ]
            logp = torch.log_softmax(logits.float(), -1).gather(-1, comp.unsqueeze(-1)).squeeze(-1)
            loss = -((logp * cmask) * adv.unsqueeze(1)).sum() / cmask.sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            loss_val = loss.item()
        log.add(
            step=step,
            reward=round(rewards.mean().item(), 4),
            loss=round(loss_val, 5),
            active=n_active,
            mean_len=round(cmask.sum(1).float().mean().item(), 1),
        )
        if on_step is not None:
            model.eval()
            on_step(step + 1)
    model.eval()
