"""inspect_ai evaluation logs: ``.json`` and ``.eval`` (a zip archive).

A ``.json`` log is one object ``{"version", "status", "eval": {"model", "task", ...},
"plan", "results", "stats", "samples": [...]}``. An ``.eval`` log is a zip holding
``header.json`` (the same object without samples; ``_journal/start.json`` while a run is
still going) and one ``samples/<id>_epoch_<n>.json`` per sample. Read here with ``zipfile``
and ``json`` — no dependency on inspect_ai.

Per sample: ``<task>/<id>`` -> problem_id (the task from ``eval.task``: sample ids restart
in every task and one folder often holds the logs of several tasks; ``source_problem_id``
keeps ``id``), ``epoch`` (1-based) -> sample_idx = epoch - 1, ``output.completion`` ->
response (reasoning content parts -> reasoning), ``target`` -> gold (``gold_field``
``target``), ``input`` -> prompt (a multiple-choice sample's ``choices`` appended as
``A) ...`` lines), ``output.choices[0].stop_reason`` -> finish_reason
(``max_tokens``/``model_length`` become ``length``).

Scores: every scorer's value is kept in ``source_scores`` (``{"match": "C", "f1": 0.4}``;
a scorer with a dict value contributes ``scorer.key`` entries). ``source_correct`` comes
from one scorer chosen per log: ``--source-metric NAME``, else the first scorer whose
values are inspect's CORRECT/INCORRECT letters (``C``, ``I``, ``P``, ``N``) or booleans (and
no numbers), else the first whose name is a correctness metric (``source_metrics``) with
0/1 values. ``C`` is correct, ``I`` and ``N`` (no answer) are not; ``P`` (partial) and
other values are no label (null, counted).
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa

from traceanalysis.errors import InputError
from traceanalysis.io.source_metrics import (
    choose_metric,
    is_correctness_metric,
    is_number,
    missing_metric_note,
    plain,
    scores_json,
)
from traceanalysis.io.util import as_list, get_path, message_text, with_options
from traceanalysis.schema import Rejection

NAME = "inspect_ai"
_SAMPLE_NAME = re.compile(r"^samples/.+\.json$")
_STOP_AS_LENGTH = {"max_tokens", "model_length"}
_ZSTD = 93  # the zip compression method number of Zstandard
# inspect_ai's CORRECT, INCORRECT, PARTIAL, NOANSWER; P is no label (0.5 in its metrics).
_LETTERS = {"C", "I", "P", "N"}
_LETTER_LABELS = {"C": True, "I": False, "N": False}


def is_log(obj: object) -> bool:
    """An inspect_ai log object has ``eval`` (with ``model``) and ``version``."""
    return isinstance(obj, Mapping) and isinstance(obj.get("eval"), Mapping) and "version" in obj


def is_eval_zip(path: Path) -> bool:
    """A zip archive with ``header.json`` or ``_journal/start.json``."""
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, NotImplementedError, OSError):  # a damaged archive
        return False
    return "header.json" in names or "_journal/start.json" in names


def _member_bytes(archive: zipfile.ZipFile, name: str) -> bytes:
    """The uncompressed bytes of one archive member, Zstandard included.

    Recent inspect_ai writes ``.eval`` members with Zstandard (zip method 93), which
    Python's ``zipfile`` decodes only from Python 3.14: such a member is read raw from
    the archive and decoded with pyarrow's zstd codec, its CRC checked.
    """
    info = archive.getinfo(name)
    if info.compress_type != _ZSTD or archive.filename is None:
        return archive.read(name)
    with open(archive.filename, "rb") as handle:
        handle.seek(info.header_offset)
        local = handle.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"{name}: bad local file header")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        handle.seek(info.header_offset + 30 + name_len + extra_len)
        raw = handle.read(info.compress_size)
    try:
        data = pa.decompress(raw, decompressed_size=info.file_size, codec="zstd", asbytes=True)
    except (pa.ArrowException, ValueError, OSError) as exc:  # pyarrow: OSError on bad data
        raise NotImplementedError(
            f"{name}: Zstandard data that cannot be decoded ({exc})"
        ) from None
    if zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"{name}: CRC check failed")
    return data


def read_eval_zip(path: Path) -> tuple[dict, list[tuple[str, object]], list[Rejection]]:
    """``(header, [(member name, sample object), ...], rejections)`` from an ``.eval`` zip."""
    samples: list[tuple[str, object]] = []
    rejections: list[Rejection] = []
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            head_name = "header.json" if "header.json" in names else "_journal/start.json"
            header = json.loads(_member_bytes(archive, head_name))
            for name in sorted(n for n in names if _SAMPLE_NAME.match(n)):
                try:
                    samples.append((name, json.loads(_member_bytes(archive, name))))
                except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
                    rejections.append(Rejection(f"{path}!{name}", None, f"not valid JSON ({exc})"))
    except (
        zipfile.BadZipFile,
        KeyError,
        json.JSONDecodeError,
        RecursionError,
        OSError,
        EOFError,
        zlib.error,
    ) as exc:
        raise InputError(
            f"not a readable inspect_ai .eval archive ({exc})", file=str(path)
        ) from None
    except NotImplementedError as exc:  # zipfile: a compression method it cannot decode
        raise InputError(
            f"cannot decompress this inspect_ai .eval archive ({exc})",
            file=str(path),
        ) from None
    return header, samples, rejections


def _flat_scores(scores: object) -> dict[str, object]:
    """``{scorer: value}`` of one sample; a dict value gives ``scorer.key`` entries."""
    if not isinstance(scores, Mapping):
        return {}
    flat: dict[str, object] = {}
    for name, score in scores.items():
        value = score.get("value") if isinstance(score, Mapping) else score
        if isinstance(value, Mapping):
            for key, inner in value.items():
                flat[f"{name}.{key}"] = plain(inner)
        elif isinstance(value, (str, bool, int, float)) or is_number(value):
            flat[str(name)] = plain(value)
    return flat


def _is_letter(value: object) -> bool:
    return isinstance(value, bool) or (isinstance(value, str) and value.upper() in _LETTERS)


def choose_scorer(per_sample: list[dict[str, object]], requested: str | None) -> str | None:
    """The scorer whose values become ``source_correct`` for one log (see the module doc)."""
    names = list(dict.fromkeys(n for scores in per_sample for n in scores))
    if requested:
        return choose_metric(names, requested)

    def values(name: str) -> list[object]:
        return [s[name] for s in per_sample if s.get(name) is not None]

    for name in names:  # letters; an odd word among them is no label, not another scorer
        found = values(name)
        if any(_is_letter(v) for v in found) and not any(is_number(v) for v in found):
            return name
    for name in names:
        if is_correctness_metric(name) and all(is_number(v) for v in values(name)):
            return name
    return None


def _label(value: object) -> object:
    """C -> True; I, N -> False; anything else raw (coercion nulls what is no label)."""
    if isinstance(value, str) and value.upper() in _LETTER_LABELS:
        return _LETTER_LABELS[value.upper()]
    return value


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


def _problem_id(task: object, sample_id: object) -> object:
    if sample_id is None or not isinstance(task, str) or not task:
        return sample_id
    return f"{task}/{plain(sample_id)}"


def samples_frame(
    samples: list[tuple[str, object]],
    header: Mapping,
    file: str,
    source_metric: str | None = None,
) -> tuple[pd.DataFrame, list[Rejection]]:
    """Rows for each ``(where, sample)``; ``where`` is a list index or zip member name.

    Each row's ``source_file`` names the sample: ``log.json!samples[3]`` or
    ``log.eval!samples/p2_epoch_2.json`` (``source_line`` stays null: a log is no table).
    ``attrs["notes"]`` says when ``source_metric`` names no scorer of the log.
    """
    model = get_path(header, "eval.model")
    task = get_path(header, "eval.task")
    rows: list[dict] = []
    rejections: list[Rejection] = []
    kept: list[tuple[Mapping, str]] = []
    for where, sample in samples:
        src = f"{file}!samples[{where}]" if isinstance(where, int) else f"{file}!{where}"
        if not isinstance(sample, Mapping):
            rejections.append(Rejection(src, None, "sample is not a JSON object"))
        elif sample.get("error"):
            message = get_path(sample, "error.message", sample.get("error"))
            rejections.append(Rejection(src, None, f"sample failed: {str(message)[:200]}"))
        else:
            kept.append((sample, src))
    scores = [_flat_scores(sample.get("scores")) for sample, _ in kept]
    chosen = choose_scorer(scores, source_metric)
    for (sample, src), flat in zip(kept, scores, strict=True):
        output = sample.get("output") if isinstance(sample.get("output"), Mapping) else {}
        response, reasoning, stop = _completion(output)
        epoch = sample.get("epoch", 1)
        target = as_list(sample.get("target"))
        label = _label(flat.get(chosen)) if chosen else None
        sample_id = sample.get("id")
        rows.append(
            {
                "model": output.get("model") or model,
                "problem_id": _problem_id(task, sample_id),
                "source_problem_id": plain(sample_id),
                "sample_idx": epoch - 1 if isinstance(epoch, int) else epoch,
                "prompt": with_options(message_text(sample.get("input")), sample.get("choices")),
                "response": response,
                "reasoning": reasoning,
                "gold": target[0] if len(target) == 1 else (target or None),
                "gold_field": "target" if target else None,
                "finish_reason": stop,
                "source_correct": label,
                "source_metric": chosen if label is not None else None,
                "source_scores": scores_json(flat),
                "source_line": None,
                "source_file": src,
            }
        )
    columns = ["model", "problem_id", "source_problem_id", "sample_idx", "prompt", "response"]
    columns += ["reasoning", "gold", "gold_field", "finish_reason", "source_correct"]
    columns += ["source_metric", "source_scores", "source_line", "source_file"]
    frame = pd.DataFrame(rows, columns=columns)
    if source_metric and chosen is None:
        names = [n for flat in scores for n in flat]
        frame.attrs["notes"] = [missing_metric_note(source_metric, names)]
    return frame, rejections


def read_log(
    path: Path, parsed: Mapping | None = None, source_metric: str | None = None
) -> tuple[pd.DataFrame, list[Rejection]]:
    """Read a ``.json`` or ``.eval`` inspect_ai log into raw rows.

    ``parsed`` is the ``.json`` log's object when the caller has already parsed the file;
    ``source_metric`` names the scorer that gives ``source_correct``.
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
    frame, more = samples_frame(samples, header, str(path), source_metric)
    return frame, rejections + more
