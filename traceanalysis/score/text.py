"""What ``score`` feeds the model: the prompt as the run asked it, then the response.

- A run made by ``generate`` (run.json ``format`` ``traceanalysis-native/...`` with a
  ``template``) is scored with its prompt formatted by that template: the template text
  with ``{prompt}`` replaced, or, for a chat template, the scoring tokenizer's own chat
  template with the prompt as one user turn (generation prompt added). Any other run is
  scored on its raw prompt.
- The prompt text is tokenised with the tokenizer's defaults (its special tokens, e.g. a
  BOS, included), except a chat-rendered prompt, which already holds them as text (as
  ``generate`` tokenises it: no second BOS).
- The response is tokenised on its own without special tokens and appended; the NLL sums
  over those response tokens only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from traceanalysis.generate.templates import PLACEHOLDER

RAW = {"name": "raw", "chat": False, "text": PLACEHOLDER, "sha256": ""}


@dataclass(frozen=True)
class PromptFormat:
    """How one run's prompts are formatted: the template's identity, text and chat flag."""

    name: str
    text: str = PLACEHOLDER
    chat: bool = False
    sha256: str = ""

    @property
    def ident(self) -> str:
        """The template's identity in cache keys and notes."""
        return f"{self.name}@{self.sha256[:16]}" if self.sha256 else self.name


def run_formats(runs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Run name -> the template recorded in its run.json by ``generate`` (``RAW`` otherwise).

    ``runs`` is the samples table's ``attrs["runs"]`` (name -> RunInfo or its dict).
    """
    out: dict[str, dict[str, Any]] = {}
    for name, info in (runs or {}).items():
        extra = info.get("extra", {}) if isinstance(info, dict) else getattr(info, "extra", {})
        template = (extra or {}).get("template")
        native = str((extra or {}).get("format", "")).startswith("traceanalysis-native")
        if native and isinstance(template, dict) and isinstance(template.get("text"), str):
            out[str(name)] = {
                "name": str(template.get("name", "template")),
                "chat": bool(template.get("chat", False)),
                "text": template["text"],
                "sha256": str(template.get("sha256", "")),
            }
        else:
            out[str(name)] = dict(RAW)
    return out


def as_format(record: dict[str, Any] | None) -> PromptFormat:
    """A :class:`PromptFormat` from one record of :func:`run_formats` (None: raw)."""
    record = record or RAW
    return PromptFormat(
        name=str(record["name"]),
        text=str(record["text"]),
        chat=bool(record["chat"]),
        sha256=str(record.get("sha256", "")),
    )


def has_chat_template(tokenizer: Any) -> bool:
    """Whether ``tokenizer`` carries a chat template."""
    return bool(getattr(tokenizer, "chat_template", None))


def is_missing(value: object) -> bool:
    """None or a pandas missing value (NaN / NA: a string column's null)."""
    return value is None or bool(pd.isna(value)) if not isinstance(value, str) else False


def render(fmt: PromptFormat, prompt: str | None, tokenizer: Any) -> tuple[str, bool]:
    """(prompt text, add special tokens when tokenising it) for one row.

    A chat template on a tokenizer without one falls back to the template's text (the
    stage's notes say so).
    """
    prompt = "" if is_missing(prompt) else str(prompt)
    body = fmt.text.replace(PLACEHOLDER, prompt)
    if fmt.chat and has_chat_template(tokenizer):
        messages = [{"role": "user", "content": body}]
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return str(text), False
    return body, True


def start_token(tokenizer: Any) -> int | None:
    """The token that conditions a response with an empty prompt: BOS, else EOS."""
    for tid in (tokenizer.bos_token_id, tokenizer.eos_token_id):
        if tid is not None:
            return int(tid)
    return None


def encode_pairs(
    tokenizer: Any, items: list[tuple[str, bool, str]]
) -> list[tuple[list[int], list[int]]]:
    """(prompt ids, response ids) for each (prompt text, add special tokens, response), as
    described in the module docstring; tokenised in batches.

    An empty prompt is one start token (BOS or EOS) so the first response token is
    predicted from something; with neither, the prompt stays empty and the first response
    token is not scored (it is dropped from the response ids).
    """
    prompts: list[list[int]] = [[] for _ in items]
    for flag in (True, False):
        where = [i for i, (_, special, _) in enumerate(items) if special is flag]
        if where:
            ids = tokenizer([items[i][0] for i in where], add_special_tokens=flag)["input_ids"]
            for i, row in zip(where, ids, strict=True):
                prompts[i] = list(row)
    responses = [[] for _ in items]
    if items:
        ids = tokenizer([r for _, _, r in items], add_special_tokens=False)["input_ids"]
        responses = [list(row) for row in ids]
    start = start_token(tokenizer)
    out = []
    for prompt_ids, response_ids in zip(prompts, responses, strict=True):
        if not prompt_ids:
            if start is not None:
                prompt_ids = [start]
            else:
                response_ids = response_ids[1:]
        out.append((prompt_ids, response_ids))
    return out
