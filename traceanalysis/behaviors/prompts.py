"""Versioned judge prompts (``behaviors/prompts/<version>.yaml``).

A prompt's ``schema`` (JSON Schema) is both what the API backend asks the model to follow
and what every answer is validated against (:mod:`traceanalysis.behaviors.judge_answer`);
a prompt without one gets :data:`~traceanalysis.behaviors.judge_answer.DEFAULT_LABEL_SCHEMA`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from traceanalysis.behaviors.definitions import Behavior
from traceanalysis.behaviors.judge_schema import DEFAULT_LABEL_SCHEMA, check_label_schema
from traceanalysis.cache import content_hash
from traceanalysis.errors import InputError

DEFAULT_PROMPT = "judge_v1"
TRUNCATION_MARK = "\n[... middle of the response omitted ...]\n"


@dataclass(frozen=True)
class JudgePrompt:
    """A judge prompt: version, system and user templates, answer JSON schema and a text hash."""

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
    schema = dict(data.get("schema") or DEFAULT_LABEL_SCHEMA)
    check_label_schema(schema, where)
    return JudgePrompt(
        version=str(data["version"]),
        system=str(data["system"]),
        user=str(data["user"]),
        schema=schema,
        text_hash=content_hash(data["system"], data["user"], data.get("schema"))[:16],
    )
