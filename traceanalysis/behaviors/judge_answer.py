"""Reading a judge's reply: a label is a complete JSON object that the prompt's schema accepts.

A reply becomes a label only when every check passes:

1. the answer is complete: ``finish_reason`` says it stopped by itself (``stop``; a reply
   cut off by the token limit, filtered, or answered with a tool call is no label); a
   backend that does not say is "unknown";
2. its text is text: a string, or a list of text parts (joined); a refusal, empty or
   missing content is no label;
3. the text is one JSON object (optionally in a ``json`` code fence); only for a complete
   answer may that object sit inside other text (``Sure! {...}``), and then it must be
   the only one;
4. the object is valid under the prompt's JSON schema with strict types (``"maybe"`` or
   ``"yes"`` is not a boolean, ``"2"`` or ``1.5`` is not an integer, extra keys are
   rejected when the schema says ``additionalProperties: false``);
5. presence and count agree (a present behaviour occurs at least once, an absent one zero
   times).

Anything else raises :class:`UnusableAnswer` with the reason; the label is then ``failed``
(never cached, asked again on the next run).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

from traceanalysis.behaviors.judge_schema import (
    DEFAULT_LABEL_SCHEMA,
    is_integer,
    shown_value,
    snippet,
    validate,
)

# Part of every label's cache key: bump when these rules change, so labels read under
# looser rules are never reused.
ANSWER_RULES_VERSION = "2"
COMPLETE_FINISH = frozenset({"stop", "eos", "eos_token", "stop_sequence", "end_turn"})
CUT_OFF_FINISH = frozenset({"length", "max_tokens"})
TEXT_PART_TYPES = frozenset({"text", "output_text"})
MAX_EMBEDDED_STARTS = 64  # "{" positions tried when looking for an object inside text


class UnusableAnswer(ValueError):
    """A judge reply that is not a label; the message says why."""


@dataclass(frozen=True)
class JudgeAnswer:
    """A valid judge label: presence, count (0 when absent, >= 1 when present), why."""

    present: bool
    count: int
    justification: str


def check_finish(finish_reason: object) -> bool | None:
    """True when the answer stopped by itself, None when the backend did not say.

    Raises UnusableAnswer for an answer cut off by the token limit, filtered, or ended
    for any other reason.
    """
    if finish_reason is None:
        return None
    reason = str(finish_reason)
    if reason in COMPLETE_FINISH:
        return True
    if reason in CUT_OFF_FINISH:
        raise UnusableAnswer(
            f"answer cut off by the token limit (finish_reason {reason!r}); raise --max-tokens"
        )
    if reason in ("tool_calls", "function_call"):
        raise UnusableAnswer(f"the judge called a tool instead of answering ({reason!r})")
    if reason == "content_filter":
        raise UnusableAnswer("the answer was withheld by a content filter")
    raise UnusableAnswer(f"unexpected finish_reason {reason!r}")


def message_text(message: Mapping[str, object]) -> str:
    """The text of a chat-completions ``message``: a string, or its text parts joined.

    Raises UnusableAnswer for a refusal, a tool call, missing or empty content, and
    content parts that are not text.
    """
    refusal = message.get("refusal")
    if isinstance(refusal, str) and refusal.strip():
        raise UnusableAnswer(f"the judge refused: {snippet(refusal)}")
    content = message.get("content")
    if content is None:
        if message.get("tool_calls") or message.get("function_call"):
            raise UnusableAnswer("the judge called a tool instead of answering")
        raise UnusableAnswer("no content in the answer")
    if isinstance(content, list):
        texts = []
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else type(part).__name__
            if kind == "refusal" and isinstance(part, dict):
                raise UnusableAnswer(f"the judge refused: {snippet(part.get('refusal', ''))}")
            if kind not in TEXT_PART_TYPES or not isinstance(part.get("text"), str):
                raise UnusableAnswer(f"content part of type {kind!r} is not text")
            texts.append(part["text"])
        content = "".join(texts)
    if not isinstance(content, str):
        raise UnusableAnswer(f"content of type {type(content).__name__} is not text")
    if not content.strip():
        raise UnusableAnswer("empty answer")
    return content


def read_answer(
    text: str, schema: Mapping[str, object] | None = None, *, complete: bool | None
) -> JudgeAnswer:
    """The label in ``text`` (see the module docstring); raises UnusableAnswer.

    ``complete``: True when the backend said the answer stopped by itself, None when it
    did not say. Only a complete answer may hold its JSON object inside other text.
    """
    schema = schema or DEFAULT_LABEL_SCHEMA
    stripped = text.strip()
    if not stripped:
        raise UnusableAnswer("empty answer")
    try:
        obj = _loads(_unfence(stripped))
    except UnusableAnswer:
        raise
    except ValueError:
        if complete is not True:
            raise UnusableAnswer(
                f"not a JSON object (and the answer may be incomplete): {snippet(text)}"
            ) from None
        obj = _embedded_object(text)
    return label_from(obj, schema)


def label_from(obj: object, schema: Mapping[str, object]) -> JudgeAnswer:
    """A JudgeAnswer from a decoded JSON value valid under ``schema``; raises UnusableAnswer."""
    problems = validate(obj, schema)
    if problems:
        raise UnusableAnswer(f"answer does not match the schema: {problems[0]}")
    assert isinstance(obj, dict)
    present, count = obj.get("present"), obj.get("count")
    if not isinstance(present, bool):
        raise UnusableAnswer(f'"present" must be a boolean, got {shown_value(present)}')
    if not is_integer(count) or count < 0:  # type: ignore[operator]
        raise UnusableAnswer(f'"count" must be an integer >= 0, got {shown_value(count)}')
    count = int(count)  # type: ignore[arg-type]
    if present != (count > 0):
        raise UnusableAnswer(f"contradictory answer: present {present} with count {count}")
    why = obj.get("justification", "")
    return JudgeAnswer(present, count, str(why).strip()[:1000])


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise UnusableAnswer(f"answer repeats key(s) {repeated}")
    return dict(pairs)


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constants)


def _loads(text: str) -> object:
    """Strict JSON (no NaN/Infinity, no repeated keys, no trailing text); ValueError if not."""
    value, end = _DECODER.raw_decode(text)
    if text[end:].strip():
        raise ValueError("trailing text after the JSON value")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _unfence(text: str) -> str:
    """The inside of one ```json ... ``` block spanning the whole text, else the text."""
    if text.startswith("```") and text.endswith("```") and len(text) > 6:
        inner = text[3:-3]
        first, _, rest = inner.partition("\n")
        return rest.strip() if first.strip().lower() in ("", "json") else text
    return text


def _embedded_object(text: str) -> object:
    """The one JSON object inside a complete answer's text; UnusableAnswer otherwise."""
    found: list[object] = []
    end = 0
    tried = 0
    start = text.find("{")
    while start >= 0 and tried < MAX_EMBEDDED_STARTS:
        tried += 1
        try:
            value, stop = _DECODER.raw_decode(text, start)
        except UnusableAnswer:
            raise
        except ValueError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            found.append(value)
            end = stop
        start = text.find("{", max(end, start + 1))
    distinct = [v for i, v in enumerate(found) if v not in found[:i]]
    if not distinct:
        raise UnusableAnswer(f"no JSON object in the answer: {snippet(text)}")
    if len(distinct) > 1:
        raise UnusableAnswer(f"{len(distinct)} different JSON objects in the answer")
    return distinct[0]
