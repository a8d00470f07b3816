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
(``n > 1``) become several samples.
"""

from __future__ import annotations

import re

import pandas as pd

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


def expand(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Rejection]]:
    """One row per choice of each successful request."""
    rows: list[dict] = []
    rejections: list[Rejection] = []
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
        body = get_path(record, "response.body") or {}
        choices = as_list(body.get("choices") if isinstance(body, dict) else None)
        if not choices:
            rejections.append(Rejection(file, line, "response.body has no choices"))
            continue
        run, problem, sample = parse_custom_id(custom_id)
        for choice in choices:
            text = get_path(choice, "message.content")
            if text is None:
                text = get_path(choice, "text")
            rows.append(
                {
                    "run": run,
                    "model": body.get("model"),
                    "problem_id": problem,
                    "sample_idx": sample if len(choices) == 1 else None,
                    "_auto_idx": sample is None or len(choices) > 1,
                    "response": text,
                    "reasoning": get_path(choice, "message.reasoning_content"),
                    "finish_reason": get_path(choice, "finish_reason"),
                    "source_line": line,
                }
            )
    columns = ["run", "model", "problem_id", "sample_idx", "_auto_idx", "response"]
    columns += ["reasoning", "finish_reason", "source_line"]
    return pd.DataFrame(rows, columns=columns), rejections
