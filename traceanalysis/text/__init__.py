"""The one text-matching module: lexicons, behaviour cues and highlighting all use it.

:class:`~traceanalysis.text.matching.Rule` (a regex, an optional exclusion and how it
vetoes), :class:`~traceanalysis.text.matching.Matcher` (many rules, one prepared text,
``(start, end, name)`` spans) and :func:`~traceanalysis.text.matching.reference_spans`
(the definition: plain ``re.finditer`` per rule, what the matcher is tested against).
:mod:`traceanalysis.text.patterns` holds the text normalisation and word boundaries of
the lexicons.
"""

from __future__ import annotations

from traceanalysis.text.matching import (
    Matcher,
    NamedSpan,
    Rule,
    Span,
    named_spans,
    reference_rule_spans,
    reference_spans,
)

__all__ = [
    "Matcher",
    "NamedSpan",
    "Rule",
    "Span",
    "named_spans",
    "reference_rule_spans",
    "reference_spans",
]
