"""OpenAI Batch *input* files: the requests, read for the prompts the output file lacks.

An input file has one request per line (the file uploaded with ``purpose="batch"``)::

    {"custom_id": "qwen-base/42/3", "method": "POST", "url": "/v1/chat/completions",
     "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "..."}]}}

The output file names each request only by ``custom_id``, so the prompt of a response is
the request with the same ``custom_id`` in an input file in the same folder. The prompt is
``body.messages`` as text (``/v1/chat/completions``), ``body.prompt``
(``/v1/completions``) or ``body.instructions`` + ``body.input`` (``/v1/responses``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from traceanalysis.io.jsonl import iter_jsonl, sniff_jsonl
from traceanalysis.io.util import as_list, message_text

SKIPPED = "OpenAI Batch input file (requests): read for the prompts of the output beside it"
_SUFFIXES = {".jsonl", ".ndjson", ".json"}


def is_request(record: object) -> bool:
    """A Batch API request line: ``custom_id`` and a ``body`` object, with ``url`` or
    ``method``, and no ``response`` (that would be an output line)."""
    return (
        isinstance(record, dict)
        and "custom_id" in record
        and isinstance(record.get("body"), dict)
        and bool({"url", "method"} & record.keys())
        and "response" not in record
    )


def is_input_file(head: list[dict]) -> bool:
    """The first records of a file are Batch API requests."""
    return bool(head) and all(is_request(r) for r in head)


def request_prompt(body: dict) -> str | None:
    """The prompt text of one request body (None when it holds none)."""
    if "messages" in body:
        text = message_text(as_list(body.get("messages")))
    elif "input" in body:  # /v1/responses: a string or a list of messages
        given = body.get("input")
        text = given if isinstance(given, str) else message_text(as_list(given))
        if isinstance(body.get("instructions"), str) and isinstance(text, str):
            text = f"system: {body['instructions']}\n\nuser: {text}"
    else:
        prompt = body.get("prompt")
        text = prompt[0] if isinstance(prompt, list) and len(prompt) == 1 else prompt
    return text if isinstance(text, str) and text.strip() else None


@lru_cache(maxsize=64)
def _read_requests(path: str, mtime_ns: int, size: int) -> dict[str, str | None]:
    """custom_id -> prompt of one input file (cached while the file is unchanged)."""
    records, _ = iter_jsonl(Path(path))
    out: dict[str, str | None] = {}
    for _, record in records:
        if is_request(record) and isinstance(record["custom_id"], str):
            out.setdefault(record["custom_id"], request_prompt(record["body"]))
    return out


def _common_prefix(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))


def prompts_beside(output: Path) -> dict[str, str] | None:
    """custom_id -> prompt from the Batch input files in ``output``'s folder.

    None when the folder holds no input file. Where several input files hold a custom_id
    with different prompts, the file whose name shares the longest start with the output
    file's name decides; a tie leaves that custom_id without a prompt.
    """
    files = []
    for path in sorted(output.parent.iterdir()):
        if path == output or path.suffix.lower() not in _SUFFIXES or not path.is_file():
            continue
        if is_input_file(sniff_jsonl(path, max_records=3)):
            stat = path.stat()
            files.append((path.stem, _read_requests(str(path), stat.st_mtime_ns, stat.st_size)))
    if not files:
        return None
    files.sort(key=lambda f: -_common_prefix(f[0], output.stem))
    out: dict[str, str] = {}
    ambiguous: set[str] = set()
    for rank, (stem, requests) in enumerate(files):
        affinity = _common_prefix(stem, output.stem)
        for custom_id, prompt in requests.items():
            if prompt is None or custom_id in ambiguous:
                continue
            if custom_id not in out:
                out[custom_id] = prompt
                continue
            if out[custom_id] != prompt and _tied(files, rank, affinity, output.stem, custom_id):
                ambiguous.add(custom_id)
                del out[custom_id]
    return out


def _tied(files: list, rank: int, affinity: int, stem: str, custom_id: str) -> bool:
    """An earlier file of the same name affinity already gave this custom_id a prompt."""
    return any(
        custom_id in requests and _common_prefix(other, stem) == affinity
        for other, requests in files[:rank]
    )
