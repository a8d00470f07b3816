"""Prompt templates: versioned YAML files under ``traceanalysis/generate/templates/``.

Each file holds ``name``, ``version``, ``description``, ``source``, ``stop`` (stop strings
that end a response) and ``text`` with a ``{prompt}`` placeholder (plain replacement, so
LaTeX braces need no escaping). ``chat: true`` renders through the tokenizer's own chat
template instead. A path to a YAML file of the same shape works as a template too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from traceanalysis.errors import InputError

TEMPLATE_DIR = Path(__file__).parent / "templates"
PLACEHOLDER = "{prompt}"


@dataclass(frozen=True)
class PromptTemplate:
    """One prompt template as read from its file."""

    name: str
    version: int
    text: str
    stop: tuple[str, ...] = ()
    chat: bool = False
    description: str = ""
    source: str = ""
    sha256: str = ""

    def render(self, prompt: str, tokenizer: Any = None) -> str:
        """The text the model sees for ``prompt`` (the tokenizer is needed for ``chat``)."""
        if not self.chat:
            return self.text.replace(PLACEHOLDER, prompt)
        if tokenizer is None or not getattr(tokenizer, "chat_template", None):
            raise InputError(
                "template 'chat' needs a tokenizer with a chat template; this model has none "
                "(use --template raw, qwen-boxed or r1-zero)"
            )
        messages = [{"role": "user", "content": self.text.replace(PLACEHOLDER, prompt)}]
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def describe(self) -> dict[str, object]:
        """What run.json records about the template."""
        return {
            "name": self.name,
            "version": self.version,
            "sha256": self.sha256,
            "chat": self.chat,
            "stop": list(self.stop),
            "text": self.text,
            "source": self.source,
        }


def available_templates() -> list[str]:
    """Names of the bundled templates."""
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.yaml"))


def load_template(name_or_path: str) -> PromptTemplate:
    """Load a bundled template by name, or a template YAML file by path."""
    path = Path(name_or_path)
    if not (path.suffix in (".yaml", ".yml") and path.is_file()):
        path = TEMPLATE_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            raise InputError(
                f"unknown template {name_or_path!r}; expected one of "
                f"{', '.join(available_templates())} or a path to a template .yaml file"
            )
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML ({exc})", file=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise InputError("expected a mapping with a 'text' field", file=str(path))
    if PLACEHOLDER not in data["text"]:
        raise InputError(f"'text' must contain the placeholder {PLACEHOLDER}", file=str(path))
    stop = data.get("stop") or []
    if not isinstance(stop, list) or not all(isinstance(s, str) and s for s in stop):
        raise InputError("'stop' must be a list of non-empty strings", file=str(path))
    return PromptTemplate(
        name=str(data.get("name", path.stem)),
        version=int(data.get("version", 1)),
        text=data["text"],
        stop=tuple(stop),
        chat=bool(data.get("chat", False)),
        description=str(data.get("description", "")),
        source=str(data.get("source", "")),
        sha256=hashlib.sha256(raw).hexdigest(),
    )
