"""Guessing a run's role (base, rl, distilled, other) from its name or model id.

The rules and their order are documented in docs/input-formats.md ("Roles") and checked
on real model and run names in tests/test_schema.py.
"""

from __future__ import annotations

import re

# Role guessing (docs/input-formats.md, "Roles"). Markers are matched in the lowercased
# name with letter boundaries, so "pt" does not match inside "gpt" nor "s1" inside "gsm1k".
_RL_MARKERS = re.compile(
    r"(?<![a-z])(rl|rlvr|rloo|grpo|drgrpo|dapo|ppo|orz|reinforce|simplerl|deepscaler|or1)"
    r"(?![a-z])"
    r"|(?<![a-z])zero(?![a-z])(?![-_ ]?shot)"  # -Zero, but not zero-shot
)
_DISTILLED_MARKERS = re.compile(
    r"distil|(?<![a-z])sft(?![a-z])|sky[-_ ]?t1(?![0-9])|(?<![a-z0-9])s1(\.\d+)?(?![a-z0-9])"
    r"|(?<![a-z])(limo|bespoke|stratos|openthinker\d*|openr1)(?![a-z])"
)
_BASE_MARKERS = re.compile(r"(?<![a-z])(base|pretrained|pt)(?![a-z])")
# Post-trained, but neither by RLVR nor by distillation as named above: role "other".
_TUNED_MARKERS = re.compile(
    r"(?<![a-z])(instruct|chat|it|rlhf|dpo|orpo|kto|simpo|qwq|r1|qwen3)(?![a-z])"
)
# A plain model name (family, size, version, domain, benchmark) names a base model.
_FAMILY = re.compile(
    r"qwen(1\.5|2|2\.5)?|llama(-?\d(\.\d)?)?|mistral|mixtral|gemma\d*|olmo\d*|pythia"
    r"|smollm\d*|falcon\d*|yi|internlm\d*(\.\d)?|deepseek"
)
_PLAIN_TOKEN = re.compile(
    r"v?\d+(\.\d+)*|\d+(\.\d+)?[bm]|\d+x\d+b|math|coder|hf|llm|meta"
    r"|aime\d*|amc\d*|math\d+|gsm8k|minerva(math)?|olympiad(bench)?|gpqa\w*|hmmt\w*|mmlu\w*"
)


def _is_plain_model_name(name: str) -> bool:
    """``Qwen__Qwen2.5-Math-1.5B``, ``Llama-3.1-8B``: a family, a size and nothing else."""
    model = re.split(r"__|/", name)[-1]  # lm-eval writes org/model as org__model
    tokens = [t for t in re.split(r"[-_\s]+", model) if t]
    has_family = any(_FAMILY.fullmatch(t) for t in tokens)
    has_size = any(re.fullmatch(r"\d+(\.\d+)?[bm]|\d+x\d+b", t) for t in tokens)
    known = all(_FAMILY.fullmatch(t) or _PLAIN_TOKEN.fullmatch(t) for t in tokens)
    return has_family and has_size and known


def guess_role(run_name: str) -> str:
    """Guess a run's role from its name (the rules and their order: docs/input-formats.md).

    RL markers (GRPO, DAPO, PPO, -Zero, SimpleRL, ORZ, RLVR, ...) win over distillation
    markers (R1-Distill, Sky-T1, s1, LIMO, OpenThinker, Bespoke, SFT): a name with both
    names the RL stage last. Then an explicit ``base``/``pt``; other post-training markers
    (``-Instruct``, ``-Chat``, ``-it``, DPO, QwQ, R1) give ``other``; a plain model name
    (``Qwen2.5-Math-7B``) gives ``base``; anything else ``other``.
    """
    name = run_name.lower()
    if _RL_MARKERS.search(name):
        return "rl"
    if _DISTILLED_MARKERS.search(name):
        return "distilled"
    if _BASE_MARKERS.search(name):
        return "base"
    if _TUNED_MARKERS.search(name):
        return "other"
    return "base" if _is_plain_model_name(name) else "other"
