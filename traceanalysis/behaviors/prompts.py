"""Versioned judge prompts (``behaviors/prompts/<version>.yaml``) and the answer parser.

The parser reads the structured answer ``{"justification", "present", "count"}``; when a
backend cannot enforce the JSON schema (or the model ignores it) it falls back to the
first JSON object in the text, then to ``<count>N</count>`` (Gandhi et al. 2025 style) and
``present: yes/no`` patterns. A text none of these can read is *unparseable* — never a
silent "absent".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from traceanalysis.behaviors.definitions import Behavior
from traceanalysis.cache import content_hash
from traceanalysis.errors import InputError

DEFAULT_PROMPT = "judge_v1"
TRUNCATION_MARK = "\n[... middle of the response omitted ...]\n"


@dataclass(frozen=True)
class JudgePrompt:
    """A judge prompt: version, system and user templates, JSON schema and a text hash."""

    version: str
    system: str
    user: str
    schema: dict[str, object]
    text_hash: str

    def messages(self, behavior: Behavior, response: str, max_chars: int) -> list[dict[str, str]]:
        """Chat messages asking about ``behavior`` in ``response`` (middle cut past ``max_chars``)."""
        if max_chars and len(response) > max_chars:
            half = max_chars // 2
            response = response[:half] + TRUNCATION_MARK + response[-half:]
        values = {
            "name": behavior.name,
            "title": behavior.title,
            "definition": behavior.definition,
            "positive_examples": "\n".join(f"- {x}" for x in behavior.positive_examples),
            "negative_examples": "\n".join(f"- {x}" for x in behavior.negative_examples),
            "response": response,
        }
        user = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), self.user)
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


@lru_cache(maxsize=8)
def load_prompt(name_or_path: str = DEFAULT_PROMPT) -> JudgePrompt:
    """Load a shipped prompt by version name (``judge_v1``) or any YAML prompt file by path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") and p.is_file():
        text, where = p.read_text(encoding="utf-8"), str(p)
    else:
        res = resources.files("traceanalysis") / "behaviors" / "prompts" / f"{name_or_path}.yaml"
        if not res.is_file():
            raise InputError(f"unknown judge prompt {name_or_path!r} (no such file or version)")
        text, where = res.read_text(encoding="utf-8"), str(res)
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not {"version", "system", "user"} <= data.keys():
        raise InputError("judge prompt needs keys version, system, user", file=where)
    return JudgePrompt(
        version=str(data["version"]),
        system=str(data["system"]),
        user=str(data["user"]),
        schema=dict(data.get("schema") or {}),
        text_hash=content_hash(data["system"], data["user"], data.get("schema"))[:16],
    )


@dataclass(frozen=True)
class JudgeAnswer:
    """A parsed judge answer: presence, count (0 when absent, >= 1 when present), why."""

    present: bool
    count: int
    justification: str


_TRUE = {"true", "yes", "1", "present", "y"}
_FALSE = {"false", "no", "0", "absent", "n", "none"}
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)
_OBJECT = re.compile(r"\{[^{}]*\}", re.DOTALL)
_COUNT_TAG = re.compile(r"<count>\s*(\d+)\s*</count>", re.IGNORECASE)
_PRESENT_KV = re.compile(r"\"?present\"?\s*[:=]\s*\"?(true|false|yes|no)\b", re.IGNORECASE)
_COUNT_KV = re.compile(r"\"?count\"?\s*[:=]\s*\"?(\d+)", re.IGNORECASE)


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        v = value.strip().lower()
        return True if v in _TRUE else False if v in _FALSE else None
    return None


def _as_count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _normalise(present: bool | None, count: int | None, why: str) -> JudgeAnswer | None:
    if present is None and count is None:
        return None
    if present is None:
        present = bool(count)
    # A present behaviour occurs at least once; an absent one zero times.
    count = max(count if count is not None else 1, 1) if present else 0
    return JudgeAnswer(present=present, count=count, justification=why.strip()[:1000])


def _from_object(obj: object) -> JudgeAnswer | None:
    if not isinstance(obj, dict):
        return None
    lowered = {str(k).strip().lower(): v for k, v in obj.items()}
    present = _as_bool(lowered.get("present"))
    count = _as_count(lowered.get("count"))
    return _normalise(present, count, str(lowered.get("justification") or ""))


def parse_answer(text: str | None) -> JudgeAnswer | None:
    """Parse a judge's reply; None when it cannot be read (the label is then unparseable)."""
    if not text or not text.strip():
        return None
    stripped = _FENCE.sub("", text.strip())
    try:
        answer = _from_object(json.loads(stripped))
        if answer is not None:
            return answer
    except (json.JSONDecodeError, ValueError):
        pass
    for m in _OBJECT.finditer(text):
        try:
            answer = _from_object(json.loads(m.group(0)))
        except (json.JSONDecodeError, ValueError):
            continue
        if answer is not None:
            return answer
    tag, present_kv, count_kv = (
        _COUNT_TAG.search(text),
        _PRESENT_KV.search(text),
        _COUNT_KV.search(text),
    )
    count = int(tag.group(1)) if tag else int(count_kv.group(1)) if count_kv else None
    present = _as_bool(present_kv.group(1)) if present_kv else None
    return _normalise(present, count, text)
