"""The numbers of the lab's training recipe (one dataclass, two presets)."""

from __future__ import annotations

from dataclasses import dataclass, field

from traceanalysis.lab.model import ModelSize


@dataclass
class Recipe:
    """Every knob of ``lab train``; :data:`FULL` trains the bundled models."""

    seed: int = 0
    size: ModelSize = field(default_factory=ModelSize)
    # pretraining (base)
    pretrain_steps: int = 500
    pretrain_batch: int = 48
    pretrain_lr: float = 3e-3
    pretrain_max_ops: int = 5
    pretrain_error_rate: float = 0.1
    # GRPO (rlvr)
    grpo_steps: int = 100
    grpo_prompts: int = 16
    grpo_group: int = 8
    grpo_lr: float = 1e-4
    grpo_max_new: int = 80
    grpo_checkpoints: tuple[int, ...] = (20, 40, 60, 80)  # saved as rlvr-step<N>
    # distillation (SFT from base on teacher traces)
    filter_pool: int = 512
    sft_steps: int = 300
    knowledge_sft_steps: int = 600
    sft_batch: int = 24
    sft_lr: float = 1e-3
    knowledge_share: float = 0.6
    rehearsal_share: float = 0.0
    knowledge_max_ops: int = 7
    # evaluation logged after each stage (greedy, fresh problems)
    eval_per_level: int = 20
    eval_max_new: int = 200
    max_len: int = 512


FULL = Recipe()

TINY = Recipe(
    size=ModelSize(hidden=32, layers=1, heads=2, intermediate=64, max_positions=512),
    pretrain_steps=3,
    pretrain_batch=4,
    grpo_steps=2,
    grpo_prompts=2,
    grpo_group=2,
    grpo_max_new=24,
    grpo_checkpoints=(1,),
    filter_pool=8,
    sft_steps=2,
    knowledge_sft_steps=2,
    sft_batch=4,
    eval_per_level=2,
    eval_max_new=24,
)
