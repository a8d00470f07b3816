"""Small helpers shared by the format readers."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def as_list(value: Any) -> list[Any]:
    """Lists, tuples and numpy arrays as a list; None/NA as []; anything else as [value]."""
    if value is None or value is pd.NA:
        return []
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, float) and value != value:  # NaN from a missing cell
        return []
    return [value]


def get_path(record: Any, dotted: str, default: Any = None) -> Any:
    """``record["a"]["b"]`` for ``"a.b"``; list positions may be numbers (``choices.0``)."""
    current = record
    for part in dotted.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, (list, tuple, np.ndarray)) and part.isdigit():
            index = int(part)
            if index >= len(current):
                return default
            current = current[index]
        else:
            return default
    return current


def text_id(text: Any) -> str | None:
    """A stable short id for a prompt text (first 12 hex digits of its SHA-1)."""
    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return None
    if not isinstance(text, str):
        text = repr(text)
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def message_text(value: Any) -> Any:
    """Plain text of a prompt/completion that may be a chat message list.

    A list of ``{"role", "content"}`` messages becomes the contents joined by blank lines
    (role-tagged when there are several); strings pass through.
    """
    items = as_list(value) if not isinstance(value, (str, dict)) else [value]
    if not items or not all(isinstance(m, Mapping) for m in items):
        return value
    parts = []
    for message in items:
        content = message.get("content")
        if isinstance(content, (list, np.ndarray)):  # content parts: [{"type": "text", ...}]
            content = "".join(
                str(p.get("text", "")) for p in as_list(content) if isinstance(p, Mapping)
            )
        if content is None:
            continue
        role = message.get("role")
        parts.append(f"{role}: {content}" if role and len(items) > 1 else str(content))
    return "\n\n".join(parts)


def first_present(record: Mapping, keys: tuple[str, ...]) -> Any:
    """The value of the first key present (and not None/NaN) in ``record``.

    Records from a DataFrame hold NaN where a line lacked a key other lines have.
    """
    for key in keys:
        value = record.get(key)
        if value is not None and not (isinstance(value, float) and value != value):
            return value
    return None


def split_escaped(text: str, sep: str) -> list[str]:
    """Split ``text`` on ``sep`` except where it is escaped with a backslash.

    ``\\<sep>`` stands for a literal ``sep`` and ``\\\\`` for a backslash; any other
    backslash is kept as written. ``split_escaped("a\\.b.c", ".")`` -> ``["a.b", "c"]``.
    """
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in (sep, "\\"):
            current.append(text[i + 1])
            i += 2
            continue
        if char == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def solution_tail(text: Any) -> Any:
    """The final answer of a GSM8K-style solution (the text after the last ``####``).

    GSM8K's ``answer`` field is the worked solution ending ``#### 72``; lm-eval's gsm8k
    ``target`` is that whole text. Anything without ``####`` is returned unchanged.
    """
    if isinstance(text, str) and "####" in text:
        tail = text.rsplit("####", 1)[1].strip()
        return tail or text
    return text


def is_missing(value: Any) -> bool:
    """None, pandas NA, NaN, or an empty / whitespace-only string."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and not value.strip()


def with_options(prompt: Any, choices: Any) -> Any:
    """``prompt`` followed by a multiple-choice sample's options as ``A) text`` lines (as
    inspect_ai's ``multiple_choice()`` shows them), so that an open question and its
    multiple-choice form are two problems and the choice grader can read the options.
    Anything but a text prompt with 1-26 text options is returned unchanged."""
    options = as_list(choices)
    if not isinstance(prompt, str) or not 0 < len(options) <= 26:
        return prompt
    if not all(isinstance(c, str) for c in options):
        return prompt
    lines = [f"{chr(ord('A') + i)}) {text}" for i, text in enumerate(options)]
    return prompt + "\n\n" + "\n".join(lines)
