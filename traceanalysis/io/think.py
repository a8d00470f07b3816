"""Splitting a response into its ``<think>`` reasoning and its final part."""

from __future__ import annotations

import re

_OPEN = re.compile(r"<think>", re.IGNORECASE)
_CLOSE = re.compile(r"</think>", re.IGNORECASE)


def split_think(text: str) -> tuple[str | None, str, bool]:
    """Return ``(reasoning, final, unclosed)`` for one response.

    ``reasoning`` is the text inside the first ``<think>`` ... last ``</think>`` (None when
    there is no think block), ``final`` is everything after the closing tag (the whole
    text when there is no block), and ``unclosed`` is True when a ``<think>`` opens but
    never closes — such a response was cut off and has no final part. A closing tag with
    no opening one (chat templates often put ``<think>`` in the prompt) splits there.
    """
    closes = list(_CLOSE.finditer(text))
    close = closes[-1] if closes else None
    open_ = _OPEN.search(text)
    if close is None:
        if open_ is None:
            return None, text, False
        return text[open_.end() :].strip(), "", True
    start = open_.end() if open_ is not None and open_.start() < close.start() else 0
    return text[start : close.start()].strip(), text[close.end() :].strip(), False
