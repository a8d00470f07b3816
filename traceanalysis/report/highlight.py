"""Highlighted response text for the sample browser, built safely from character spans.

Spans are computed once, in the pipeline: the behaviour tagger's ``behavior_spans`` (JSON
``[[start, end, B], ...]`` over ``response``) and the lexical stage's ``lexicon_spans`` (the
same shape, from :mod:`traceanalysis.text`). Nothing here matches text: rows without a
spans column get no highlights of that kind. The text is cut at every span edge and each
piece is HTML-escaped on its own; markup is only ever wrapped around escaped pieces, so
trace text can never become markup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup, escape

HEAD_CHARS = 8000  # a long response shows its beginning and its end
TAIL_CHARS = 3000
_SLUG = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class Span:
    """A highlighted stretch of text: [start, end) characters, its kind and label."""

    start: int
    end: int
    kind: str  # "beh" (behaviour sentence) or "lex" (lexicon hit)
    label: str


def slug(label: str) -> str:
    """A label reduced to characters that are safe in a CSS class name."""
    return _SLUG.sub("_", str(label).lower()).strip("_") or "x"


def parse_spans(raw: object, kind: str) -> list[Span]:
    """Spans from a JSON list of ``[start, end, label]`` (bad or missing input: no spans)."""
    if raw is None or raw is pd.NA or (isinstance(raw, float) and raw != raw):
        return []
    try:
        items = json.loads(str(raw)) if not isinstance(raw, list) else raw
    except (json.JSONDecodeError, TypeError, ValueError):
        return []
    spans = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, (list, tuple)) and len(item) >= 3:
            start, end, label = item[0], item[1], item[2]
            if isinstance(start, int) and isinstance(end, int) and end > start >= 0:
                spans.append(Span(start, end, kind, str(label)))
    return spans


def example_spans(row: pd.Series, text: str) -> list[Span]:
    """Behaviour and lexicon spans of one example row (its ``behavior_spans`` and
    ``lexicon_spans`` cells), clipped to ``text``."""
    spans = parse_spans(row.get("behavior_spans"), "beh")
    spans += parse_spans(row.get("lexicon_spans"), "lex")
    return [
        Span(s.start, min(s.end, len(text)), s.kind, s.label) for s in spans if s.start < len(text)
    ]


def _piece(text: str, active: list[Span]) -> str:
    """One escaped piece, wrapped in a span naming the behaviours/lexicons that cover it."""
    body = str(escape(text))
    if not active:
        return body
    classes = sorted({s.kind for s in active} | {f"{s.kind}-{slug(s.label)}" for s in active})
    title = "; ".join(sorted({f"{'behaviour' if s.kind == 'beh' else 'lexicon'}: {s.label}"
                              for s in active}))  # fmt: skip
    return f'<span class="{" ".join(classes)}" title="{escape(title)}">{body}</span>'


def render_window(text: str, spans: list[Span], start: int, end: int) -> str:
    """Escaped, highlighted HTML for ``text[start:end]``."""
    inside = [s for s in spans if s.start < end and s.end > start]
    opening: dict[int, list[Span]] = {}
    closing: dict[int, list[Span]] = {}
    for s in inside:
        opening.setdefault(max(s.start, start), []).append(s)
        closing.setdefault(min(s.end, end), []).append(s)
    edges = sorted({start, end} | set(opening) | set(closing))
    active: list[Span] = []
    out = []
    for a, b in zip(edges, edges[1:], strict=False):  # one sweep over the span edges
        active = [s for s in active if s not in closing.get(a, ())] + opening.get(a, [])
        out.append(_piece(text[a:b], active))
    return "".join(out)


def highlight(text: str, spans: list[Span]) -> Markup:
    """The whole text (or its head and tail when long) as safe, highlighted HTML."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return Markup(render_window(text, spans, 0, len(text)))
    omitted = len(text) - HEAD_CHARS - TAIL_CHARS
    head = render_window(text, spans, 0, HEAD_CHARS)
    tail = render_window(text, spans, len(text) - TAIL_CHARS, len(text))
    gap = f'<span class="gap">[… {omitted:,} characters not shown …]</span>'
    return Markup(f"{head}\n{gap}\n{tail}")


def labels_present(spans: list[Span], kind: str) -> list[str]:
    """The distinct labels of ``kind`` among ``spans``, sorted."""
    return sorted({s.label for s in spans if s.kind == kind})
