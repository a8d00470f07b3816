"""OpenAI Batch API output JSONL (``/v1/chat/completions`` or ``/v1/completions``).

One line per request::

    {"id": "batch_req_...", "custom_id": "qwen-base/42/3",
     "response": {"status_code": 200, "body": {"model": "...",
        "choices": [{"message": {"content": "..."}, "finish_reason": "stop"}]}},
     "error": null}

``custom_id`` carries ``run/problem/sample``: separated by ``/``, ``::``, ``|`` or ``__``
(three or more parts: first = run, last = sample, the middle = problem id; two parts:
problem and sample). The run part names the run only for bare files in a runs folder;
inside a run folder the folder names it. A ``custom_id`` without a numeric sample part is
the problem id and samples are numbered in file order. Failed requests (``error`` set or
status code other than 200) are rejected with the error message. Several ``choices``
(``n > 1``) become several samples. A ``/v1/responses`` body gives the ``output_text`` of
its message items as the response and its reasoning summaries as ``reasoning``.

The output holds no prompt: it is read from the batch *input* file (the uploaded
requests) in the same folder, by ``custom_id`` (:mod:`traceanalysis.io.openai_batch_input`);
without one the prompt stays null and the run's problems can be matched to other runs'
only by id.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from traceanalysis.io.openai_batch_input import prompts_beside
from traceanalysis.io.util import as_list, get_path
from traceanalysis.schema import Rejection

NAME = "openai_batch"
_SEPARATORS = ("::", "/", "|", "__")
_INT = re.compile(r"^\d+$")


def sniff(columns: set[str], first: dict) -> bool:
    """``custom_id`` with a ``response`` object (that has a ``body``) or an ``error``."""
    response = first.get("response")
    return "custom_id" in columns and (isinstance(response, dict) or "error" in columns)


def parse_custom_id(custom_id: str) -> tuple[str | None, str, int | None]:
    """``(run, problem_id, sample_idx)`` from a custom id (see the module docstring)."""
    for sep in _SEPARATORS:
        parts = custom_id.split(sep)
        if len(parts) >= 2 and _INT.match(parts[-1]):
            if len(parts) == 2:
                return None, parts[0], int(parts[-1])
            return parts[0], sep.join(parts[1:-1]), int(parts[-1])
    return None, custom_id, None


Choice = tuple[object, object, object]  # (response, reasoning, finish_reason)


def _choices(body: dict) -> list[Choice]:
    """``/v1/chat/completions`` (``message.content``) or ``/v1/completions`` (``text``)."""
    out = []
    for choice in as_list(body.get("choices")):
        text = get_path(choice, "message.content")
        out.append(
            (
                get_path(choice, "text") if text is None else text,
                get_path(choice, "message.reasoning_content"),
                get_path(choice, "finish_reason"),
            )
        )
    return out


def _responses_output(body: dict) -> list[Choice]:
    """``/v1/responses``: ``output_text`` parts of the message items, reasoning summaries.

    A response cut at ``max_output_tokens`` (status ``incomplete``) finishes by ``length``.
    """
    items = [i for i in as_list(body.get("output")) if isinstance(i, dict)]
    texts = [
        str(part.get("text", ""))
        for item in items
        if item.get("type") == "message"
        for part in as_list(item.get("content"))
        if isinstance(part, dict) and part.get("type") == "output_text"
    ]
    thoughts = [
        str(part.get("text", ""))
        for item in items
        if item.get("type") == "reasoning"
        for part in as_list(item.get("summary"))
        if isinstance(part, dict)
    ]
    if not items:
        return []
    cut = get_path(body, "incomplete_details.reason") == "max_output_tokens"
    status = body.get("status")
    finish = "length" if cut else ("stop" if status == "completed" else status)
    return [("".join(texts), "\n".join(thoughts) or None, finish)]


def expand(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Rejection]]:
    """One row per choice of each successful request."""
    rows: list[dict] = []
    rejections: list[Rejection] = []
    prompts = prompts_beside(Path(file)) or {}
    for record in frame.to_dict("records"):
        line = record["source_line"]
        custom_id = record.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            rejections.append(Rejection(file, line, "missing required field 'custom_id'"))
            continue
        status = get_path(record, "response.status_code")
        error = record.get("error") or get_path(record, "response.body.error")
        if error or (status is not None and status != 200):
            message = get_path(error, "message", error) if error else f"status {status}"
            rejections.append(Rejection(file, line, f"request failed: {str(message)[:200]}"))
            continue
        body = get_path(record, "response.body")
        body = body if isinstance(body, dict) else {}
        choices = _responses_output(body) if "output" in body else _choices(body)
        if not choices:
            rejections.append(Rejection(file, line, "response.body has no choices or output"))
            continue
        run, problem, sample = parse_custom_id(custom_id)
        for text, reasoning, finish in choices:
            rows.append(
                {
                    "run": run,
                    "model": body.get("model"),
                    "problem_id": problem,
                    "sample_idx": sample if len(choices) == 1 else None,
                    "_auto_idx": sample is None or len(choices) > 1,
                    "prompt": prompts.get(custom_id),
                    "response": text,
                    "reasoning": reasoning,
                    "finish_reason": finish,
                    "source_line": line,
                }
            )
    columns = ["run", "model", "problem_id", "sample_idx", "_auto_idx", "prompt", "response"]
    columns += ["reasoning", "finish_reason", "source_line"]
    return pd.DataFrame(rows, columns=columns), rejections
