"""Behaviour cues matched by the one text matcher (:mod:`traceanalysis.text`).

A behaviour's cues and exclusions become one :class:`~traceanalysis.text.matching.Rule`
with ``veto="overlap"``: a cue match counts unless an exclusion match overlaps it, as in
:meth:`Behavior.cue_spans` (the definition, plain ``re``). The patterns are matched
lower-cased on ``text.lower()`` when that keeps the length (Python's ``re`` is 2-3x
faster than with ``IGNORECASE``), else with ``IGNORECASE`` on the text itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from traceanalysis.behaviors.definitions import Behavior
from traceanalysis.text.matching import Matcher, Rule, Span


def behavior_rule(behavior: Behavior, lowered: bool = True) -> Rule:
    """The rule of ``behavior``'s cues: on lower-cased text (``lowered``), else on the
    text itself with the definitions' ``IGNORECASE``."""
    cues, exclusions = behavior.cues, behavior.exclusions
    if lowered and behavior.cues_lower is not None:
        cues, exclusions = behavior.cues_lower, behavior.exclusions_lower
    return Rule(
        name=behavior.name,
        pattern=cues.pattern,
        exclusion=None if exclusions is None else exclusions.pattern,
        veto="overlap",
        flags=cues.flags,
    )


@lru_cache(maxsize=16)
def cue_matcher(behaviors: tuple[Behavior, ...], lowered: bool = True) -> Matcher:
    """One :class:`~traceanalysis.text.matching.Matcher` for the cues of ``behaviors``."""
    return Matcher(behavior_rule(b, lowered) for b in behaviors)


def all_cue_spans(
    behaviors: Sequence[Behavior], text: str, lowered: str | None = None
) -> list[list[Span]]:
    """Per behaviour, exactly :meth:`Behavior.cue_spans` (``lowered``: ``text.lower()``
    when the caller has it), from one matcher over all of them."""
    low = text.lower() if lowered is None else lowered
    same = len(low) == len(text)
    per_rule = cue_matcher(tuple(behaviors), same).rule_spans(low if same else text)
    return [[s for s in spans if s[1] > s[0]] for spans in per_rule]


def cue_spans(behavior: Behavior, text: str, lowered: str) -> list[Span]:
    """Exactly :meth:`Behavior.cue_spans` (``lowered`` is ``text.lower()``), faster."""
    return all_cue_spans((behavior,), text, lowered)[0]
