"""Cognitive behaviours: rule tagger, LLM judge, agreement and a learned classifier."""

from __future__ import annotations

from traceanalysis.behaviors.definitions import (
    BEHAVIORS,
    Behavior,
    behavior_versions,
    load_behavior_file,
    load_behaviors,
)
from traceanalysis.behaviors.sentences import split_sentences, split_sentences_many
from traceanalysis.behaviors.tagger import TAGGER_VERSION, tag_behaviors, tag_texts

__all__ = [
    "BEHAVIORS",
    "Behavior",
    "TAGGER_VERSION",
    "behavior_versions",
    "load_behavior_file",
    "load_behaviors",
    "split_sentences",
    "split_sentences_many",
    "tag_behaviors",
    "tag_texts",
]
