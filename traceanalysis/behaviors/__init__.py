"""Cognitive behaviours: rule tagger, LLM judge, agreement and a learned classifier.

The scikit-learn parts (tables, classifier) are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from traceanalysis.behaviors.definitions import (
    BEHAVIORS,
    Behavior,
    behavior_versions,
    load_behavior_file,
    load_behaviors,
)
from traceanalysis.behaviors.judge import JudgePlan, judge_behaviors, plan_judge, stratified_sample
from traceanalysis.behaviors.judge_types import JudgeConfig
from traceanalysis.behaviors.sentences import split_sentences, split_sentences_many
from traceanalysis.behaviors.tagger import TAGGER_VERSION, tag_behaviors, tag_texts

_LAZY = {
    "agreement_table": "traceanalysis.behaviors.tables",
    "behaviors_table": "traceanalysis.behaviors.tables",
    "kappa": "traceanalysis.behaviors.tables",
    "BehaviorClassifier": "traceanalysis.behaviors.classifier",
    "train_classifier": "traceanalysis.behaviors.classifier",
}

__all__ = [
    "BEHAVIORS",
    "Behavior",
    "JudgeConfig",
    "JudgePlan",
    "TAGGER_VERSION",
    "behavior_versions",
    "judge_behaviors",
    "load_behavior_file",
    "load_behaviors",
    "plan_judge",
    "split_sentences",
    "split_sentences_many",
    "stratified_sample",
    "tag_behaviors",
    "tag_texts",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'traceanalysis.behaviors' has no attribute {name!r}")
