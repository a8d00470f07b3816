"""One judge setup: its backend, behaviours, label-key base and identity (no calls made).

Kept apart from :mod:`traceanalysis.behaviors.judge` so the report pipeline can compute
a judge stage's key without running the judge.
"""

from __future__ import annotations

from traceanalysis.behaviors.definitions import Behavior, load_behaviors
from traceanalysis.behaviors.judge_answer import ANSWER_RULES_VERSION
from traceanalysis.behaviors.judge_registry import get_backend, make_backend_object
from traceanalysis.behaviors.judge_types import JudgeConfig
from traceanalysis.behaviors.prompts import JudgePrompt, load_prompt
from traceanalysis.cache import content_hash
from traceanalysis.errors import InputError

__all__ = ["chosen_behaviors", "judge_identity", "label_key_base", "make_backend", "shown_hash"]


def make_backend(config: JudgeConfig, prompt: JudgePrompt):  # type: ignore[no-untyped-def]
    """The backend object for ``config.judge``, from the judge-backend registry (no network
    or model loading yet)."""
    return make_backend_object(config, prompt)


def _plugin_version(config: JudgeConfig) -> str | None:
    """A plugin backend's declared version (None for the built-in ones, whose keys stay
    as they were before the registry)."""
    entry = get_backend(config.backend)
    return None if entry.builtin else entry.version


def chosen_behaviors(config: JudgeConfig) -> tuple[Behavior, ...]:
    """The behaviours ``config`` asks about (all shipped ones by default); InputError if unknown."""
    all_behaviors = load_behaviors()
    wanted = config.behaviors or tuple(b.name for b in all_behaviors)
    unknown = set(wanted) - {b.name for b in all_behaviors}
    if unknown:
        raise InputError(f"judge: unknown behaviours {sorted(unknown)}")
    return tuple(b for b in all_behaviors if b.name in wanted)


def shown_hash(b: Behavior) -> str:
    """A hash of what the prompt shows of a behaviour, not only its version: an edited
    definition whose version was not bumped must not reuse the old labels."""
    return content_hash(b.version, b.title, b.definition, b.positive_examples, b.negative_examples)


def label_key_base(judge_id: str, prompt: JudgePrompt, config: JudgeConfig) -> str:
    """The part of every label's cache key shared by all labels of one judge setup (a
    plugin backend's declared version too)."""
    parts: tuple[object, ...] = (
        "judge", judge_id, prompt.version, prompt.text_hash, ANSWER_RULES_VERSION, config.params()
    )  # fmt: skip
    version = _plugin_version(config)
    return content_hash(*parts) if version is None else content_hash(*parts, "backend", version)


def judge_identity(config: JudgeConfig) -> dict[str, object]:
    """What decides the labels of a judge run (no network, no model loading): judge id
    with its endpoint (``OPENAI_BASE_URL`` included) or model fingerprint, prompt, answer
    rules, generation parameters, behaviours and which rows are judged. The report's
    stage key; concurrency, timeouts and retries are not in it."""
    prompt = load_prompt(config.prompt)
    backend = make_backend(config, prompt)
    version = _plugin_version(config)
    return {
        "judge_id": backend.judge_id,
        **({} if version is None else {"backend_version": version}),
        "prompt_version": prompt.version,
        "prompt_hash": prompt.text_hash,
        "answer_rules": ANSWER_RULES_VERSION,
        "params": config.params(),
        "behaviors": {b.name: shown_hash(b) for b in chosen_behaviors(config)},
        "column": config.column,
        "sample": config.sample,
        "sample_seed": config.sample_seed,
        "max_calls": config.max_calls,
    }
