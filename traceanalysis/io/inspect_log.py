"""inspect_ai evaluation logs: ``.json`` and ``.eval`` (a zip archive).

A ``.json`` log is one object ``{"version", "status", "eval": {"model", "task", ...},
"plan", "results", "stats", "samples": [...]}``. An ``.eval`` log is a zip holding
``header.json`` (the same object without samples; ``_journal/start.json`` while a run is
still going) and one ``samples/<id>_epoch_<n>.json`` per sample. Read here with ``zipfile``
and ``json`` — no dependency on inspect_ai.

Per sample: ``id`` -> problem_id, ``epoch`` (1-based) -> sample_idx = epoch - 1,
``output.completion`` -> response (reasoning content parts -> reasoning), ``target`` ->
gold, ``input`` -> prompt, ``output.choices[0].stop_reason`` -> finish_reason
(``max_tokens``/``model_length`` become ``length``), the first scorer's value ->
source_correct (``C`` or 1 is correct; ``I``, ``P``, ``N`` or 0 is not).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from traceanalysis.errors import InputError
from traceanalysis.io.util import as_list, get_path, message_text
from traceanalysis.schema import Rejection

NAME = "inspect_ai"
_SAMPLE_NAME = re.compile(r"^samples/.+\.json$")
_STOP_AS_LENGTH = {"max_tokens", "model_length"}


def is_log(obj: object) -> bool:
    """An inspect_ai log object has ``eval`` (with ``model``) and ``version``."""
    return isinstance(obj, Mapping) and isinstance(obj.get("eval"), Mapping) and "version" in obj


def is_eval_zip(path: Path) -> bool:
    """A zip archive with ``header.json`` or ``_journal/start.json``."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    return "header.json" in names or "_journal/start.json" in names


def read_eval_zip(path: Path) -> tuple[dict, list[tuple[str, object]], list[Rejection]]:
    """``(header, [(member name, sample object), ...], rejections)`` from an ``.eval`` zip."""
    samples: list[tuple[str, object]] = []
    rejections: list[Rejection] = []
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            head_name = "header.json" if "header.json" in names else "_journal/start.json"
            header = json.loads(archive.read(head_name))
            for name in sorted(n for n in names if _SAMPLE_NAME.match(n)):
                try:
                    samples.append((name, json.loads(archive.read(name))))
                except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
                    rejections.append(Rejection(f"{path}!{name}", None, f"not valid JSON ({exc})"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, RecursionError, OSError) as exc:
        raise InputError(
            f"not a readable inspect_ai .eval archive ({exc})", file=str(path)
        ) from None
    return header, samples, rejections


def _score(scores: object) -> object:
    if not isinstance(scores, Mapping) or not scores:
        return None
    first = next(iter(scores.values()))
    value = first.get("value") if isinstance(first, Mapping) else first
    if isinstance(value, str):  # another scorer's own words: no label, the row still loads
        return {"C": True, "I": False, "P": False, "N": False}.get(value.upper())
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value >= 1
    return None


def _completion(output: Mapping) -> tuple[object, object, object]:
    """(response, reasoning, stop_reason) from a sample's ``output``."""
    choice = get_path(output, "choices.0") or {}
    content = get_path(choice, "message.content")
    reasoning = None
    if isinstance(content, list):
        parts = [p for p in content if isinstance(p, Mapping)]
        thoughts = [str(p.get("reasoning", "")) for p in parts if p.get("type") == "reasoning"]
        reasoning = "\n".join(thoughts) or None
        content = "".join(str(p.get("text", "")) for p in parts if p.get("type") == "text")
    response = output.get("completion") or content
    stop = choice.get("stop_reason") if isinstance(choice, Mapping) else None
    return response, reasoning, "length" if stop in _STOP_AS_LENGTH else stop


def samples_frame(
    samples: list[tuple[str, object]], model: object, file: str
) -> tuple[pd.DataFrame, list[Rejection]]:
    """Rows for each ``(where, sample)``; ``where`` is a list index or zip member name.

    Each row's ``source_file`` names the sample: ``log.json!samples[3]`` or
    ``log.eval!samples/p2_epoch_2.json`` (``source_line`` stays null: a log is no table).
    """
    rows: list[dict] = []
    rejections: list[Rejection] = []
    for where, sample in samples:
        line = None
        src = f"{file}!samples[{where}]" if isinstance(where, int) else f"{file}!{where}"
        if not isinstance(sample, Mapping):
            rejections.append(Rejection(src, line, "sample is not a JSON object"))
            continue
        if sample.get("error"):
            message = get_path(sample, "error.message", sample.get("error"))
            rejections.append(Rejection(src, line, f"sample failed: {str(message)[:200]}"))
            continue
        output = sample.get("output") if isinstance(sample.get("output"), Mapping) else {}
        response, reasoning, stop = _completion(output)
        epoch = sample.get("epoch", 1)
        target = as_list(sample.get("target"))
        rows.append(
            {
                "model": output.get("model") or model,
                "problem_id": sample.get("id"),
                "sample_idx": epoch - 1 if isinstance(epoch, int) else epoch,
                "prompt": message_text(sample.get("input")),
                "response": response,
                "reasoning": reasoning,
                "gold": target[0] if len(target) == 1 else (target or None),
                "finish_reason": stop,
                "source_correct": _score(sample.get("scores")),
                "source_line": line,
                "source_file": src,
            }
        )
    columns = ["model", "problem_id", "sample_idx", "prompt", "response", "reasoning", "gold"]
    columns += ["finish_reason", "source_correct", "source_line", "source_file"]
    return pd.DataFrame(rows, columns=columns), rejections


def read_log(path: Path, parsed: Mapping | None = None) -> tuple[pd.DataFrame, list[Rejection]]:
    """Read a ``.json`` or ``.eval`` inspect_ai log into raw rows.

    ``parsed`` is the ``.json`` log's object when the caller has already parsed the file.
    """
    if parsed is not None:
        header, samples, rejections = parsed, list(enumerate(as_list(parsed.get("samples")))), []
    elif path.suffix == ".eval" or zipfile.is_zipfile(path):
        header, samples, rejections = read_eval_zip(path)
    else:
        try:
            header = json.loads(path.read_bytes())
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise InputError(f"not valid JSON ({exc})", file=str(path)) from None
        samples = list(enumerate(as_list(header.get("samples"))))
        rejections = []
    model = get_path(header, "eval.model")
    frame, more = samples_frame(samples, model, str(path))
    return frame, rejections + more
