"""Behaviour cues matched by the one text matcher (:mod:`traceanalysis.text`).

A behaviour's cues and exclusions become one :class:`~traceanalysis.text.matching.Rule`
with ``veto="overlap"``: a cue match counts unless an exclusion match overlaps it, as in
:meth:`Behavior.cue_spans` (the definition, plain ``re``). The patterns are matched
lower-cased on ``text.lower()`` when that keeps the length (Python's ``re`` is 2-3x
faster than with ``IGNORECASE``), else with ``IGNORECASE`` on the text itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from traceanalysis.behaviors.definitions import Behavior
from traceanalysis.text.matching import Matcher, Rule, Span


def _patterns(behavior: Behavior, lowered: bool) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    if lowered and behavior.cues_lower is not None:
        return behavior.cues_lower, behavior.exclusions_lower
    return behavior.cues, behavior.exclusions


def behavior_rule(behavior: Behavior, lowered: bool = True) -> Rule:
    """The rule of ``behavior``'s cues: on lower-cased text (``lowered``), else on the
    text itself with the definitions' ``IGNORECASE``."""
    return _rule(behavior.name, *_patterns(behavior, lowered))


def _rule(name: str, cues: re.Pattern[str], exclusions: re.Pattern[str] | None) -> Rule:
    return Rule(
        name=name,
        pattern=cues.pattern,
        exclusion=None if exclusions is None else exclusions.pattern,
        veto="overlap",
        flags=cues.flags,
    )


# Matchers by the ids of the behaviours they were made for (with the behaviours, so that
# an id is never taken for a later object's): hashing a compiled pattern hashes its whole
# code, microseconds per call, per text and behaviour.
_MATCHERS: dict[tuple[tuple[int, ...], bool], tuple[tuple[Behavior, ...], Matcher]] = {}


def cue_matcher(behaviors: Sequence[Behavior], lowered: bool = True) -> Matcher:
    """One :class:`~traceanalysis.text.matching.Matcher` for the cues of ``behaviors``
    (cached)."""
    key = (tuple(map(id, behaviors)), lowered)
    entry = _MATCHERS.get(key)
    if entry is None or any(a is not b for a, b in zip(entry[0], behaviors, strict=True)):
        if len(_MATCHERS) >= 64:
            _MATCHERS.clear()
        entry = _MATCHERS[key] = (
            tuple(behaviors),
            Matcher(behavior_rule(b, lowered) for b in behaviors),
        )
    return entry[1]


def all_cue_spans(
    behaviors: Sequence[Behavior], text: str, lowered: str | None = None
) -> list[list[Span]]:
    """Per behaviour, exactly :meth:`Behavior.cue_spans` (``lowered``: ``text.lower()``
    when the caller has it), from one matcher over all of them."""
    low = text.lower() if lowered is None else lowered
    same = len(low) == len(text)
    per_rule = cue_matcher(behaviors, same).rule_spans(low if same else text)
    return [[s for s in spans if s[1] > s[0]] for spans in per_rule]


def cue_spans(behavior: Behavior, text: str, lowered: str) -> list[Span]:
    """Exactly :meth:`Behavior.cue_spans` (``lowered`` is ``text.lower()``), faster
    (:func:`all_cue_spans` does every behaviour in one call)."""
    same = len(lowered) == len(text)
    matcher = cue_matcher((behavior,), same)
    return [s for s in matcher.rule_spans(lowered if same else text)[0] if s[1] > s[0]]
