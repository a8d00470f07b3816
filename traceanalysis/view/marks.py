"""Highlights and parts of one response, as character offsets for the page to draw.

The spans are the ones the pipeline stored: the behaviour tagger's ``behavior_spans`` and
the lexical stage's ``lexicon_spans`` (JSON ``[[start, end, name], ...]`` over
``response``), read with the report's own parser
(:func:`traceanalysis.report.highlight.parse_spans`); nothing here matches text. A table
without ``lexicon_spans`` (a report written before that column existed) shows no lexicon
hits. Offsets count Unicode code points, as Python strings do; the page slices
``Array.from(text)`` with them.
"""

from __future__ import annotations

import re
from typing import Any

from traceanalysis.grading.extract import find_boxes
from traceanalysis.report.highlight import parse_spans

_OPEN = re.compile(r"<think>", re.IGNORECASE)
_CLOSE = re.compile(r"</think>", re.IGNORECASE)
MAX_HITS = 2000  # search hits marked in one response


def parts(text: str) -> dict[str, list[int] | None]:
    """Where the reasoning, the final part and the answer box lie in ``text``.

    The split is :func:`traceanalysis.io.think.split_think`'s: the reasoning is inside the
    first ``<think>`` ... last ``</think>`` (from the start when only a closing tag exists),
    the final part follows the closing tag; an unclosed ``<think>`` has no final part.
    ``answer`` is the last ``\\boxed{...}`` of the final part (the box grading reads).
    """
    closes = list(_CLOSE.finditer(text))
    open_ = _OPEN.search(text)
    reasoning: list[int] | None = None
    final: list[int] | None = [0, len(text)]
    if closes:
        close = closes[-1]
        start = open_.end() if open_ is not None and open_.start() < close.start() else 0
        reasoning, final = [start, close.start()], [close.end(), len(text)]
    elif open_ is not None:
        reasoning, final = [open_.end(), len(text)], None
    reasoning, final = _trim(text, reasoning), _trim(text, final)
    answer = None
    if final is not None:
        boxes, _ = find_boxes(text[final[0] : final[1]])
        if boxes:
            answer = [final[0] + boxes[-1].start, final[0] + boxes[-1].end]
    return {"reasoning": reasoning, "final": final, "answer": answer}


def _trim(text: str, span: list[int] | None) -> list[int] | None:
    """``span`` without the whitespace at its two ends (as ``split_think`` strips)."""
    if span is None:
        return None
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [start, end]


def search_hits(text: str, search: str | None) -> list[list[Any]]:
    """``[start, end, "hit", search]`` for each case-insensitive occurrence of ``search``."""
    if not search:
        return []
    lowered, key = text.lower(), search.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: no safe offsets
        return []
    hits, pos = [], lowered.find(key)
    while pos != -1 and len(hits) < MAX_HITS:
        hits.append([pos, pos + len(key), "hit", search])
        pos = lowered.find(key, pos + max(len(key), 1))
    return hits


def marks(row: dict[str, Any], search: str | None) -> list[list[Any]]:
    """``[start, end, kind, label]`` for the response: ``beh`` (behaviour sentences),
    ``lex`` (lexicon hits) and ``hit`` (the search), clipped to the text."""
    text = row.get("response") or ""
    spans = parse_spans(row.get("behavior_spans"), "beh")
    spans += parse_spans(row.get("lexicon_spans"), "lex")
    out = [[s.start, min(s.end, len(text)), s.kind, s.label] for s in spans if s.start < len(text)]
    return out + search_hits(text, search)


def decorate(rows: list[dict[str, Any]], search: str | None) -> None:
    """Add ``marks`` and ``parts`` to each row in place."""
    for row in rows:
        text = row.get("response") or ""
        row["marks"] = marks(row, search)
        row["parts"] = parts(text)
