"""``--columns`` mapping: any table whose columns can be named for the samples table.

``problem_id=idx,response=output,gold=gt`` names the source of each samples-table column.
A source is a column name or a dotted path into nested records: ``response=output.text``,
``response=choices.0.text`` (a number indexes a list), ``response=samples.text`` (a path
through a list of objects gives the list of their values). A backslash escapes a dot or a
comma that is part of a name: ``score=metrics.acc\\.norm`` reads the key ``acc.norm``,
``response=responses.0\\.7`` the temperature key ``"0.7"``; ``\\\\`` is a backslash.

When a row's ``response`` is a list (AQuA self-consistency: 30 responses per row), the row
becomes one row per element and ``sample_idx`` is the position; the per-sample targets
(``source_correct``/``correct``/``score``, ``finish_reason``, ``reasoning``, ``truncated``,
``sample_idx``) follow the responses when they are lists of the same length, else every
sample gets the row's value. A JSON file holding one object keyed by problem
(``{"0": {...}, "1": {...}}``) is read with the key as the ``@key`` source, which is the
problem id unless ``problem_id`` is mapped. Without a ``problem_id`` mapping (and no key),
responses are grouped by ``prompt`` and the problem id is a hash of the prompt text.

A path that matches nothing in the file is an error naming the path, the file and the
keys found where it failed (with the closest one); a repeated target is an error.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from traceanalysis.errors import InputError
from traceanalysis.io import native
from traceanalysis.io.source_metrics import is_number, plain, scores_json
from traceanalysis.io.util import as_list, split_escaped, text_id
from traceanalysis.schema import CORE_COLUMNS, Rejection

NAME = "mapped"
KEY = "@key"  # the key of a JSON object keyed by problem
ALLOWED = set(CORE_COLUMNS) - {"role", "source_file", "source_line"} | {"correct", "score"}
_LABELS = ("source_correct", "correct", "score")
_PER_SAMPLE = {"sample_idx", "reasoning", "finish_reason", "truncated", "source_correct"}
_LISTS = (list, tuple, np.ndarray)


def _split_pairs(text: str) -> list[str]:
    """Split on commas not escaped as ``\\,``; other escapes stay for the path parser."""
    parts, current, i = [], [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current.append("," if text[i + 1] == "," else text[i : i + 2])
            i += 2
            continue
        if text[i] == ",":
            parts.append("".join(current))
            current = []
        else:
            current.append(text[i])
        i += 1
    parts.append("".join(current))
    return parts


def parse_columns(text: str | None) -> dict[str, str] | None:
    """Parse ``problem_id=idx,response=output`` into ``{"problem_id": "idx", ...}``.

    ``\\,`` is a comma inside a source name; ``\\.`` (a dot inside a key) is kept for the
    path. Raises InputError for a pair without ``=`` and for a target given twice
    (``correct``, ``score`` and ``source_correct`` are one target).
    """
    if not text or not text.strip():
        return None
    mapping: dict[str, str] = {}
    for part in _split_pairs(text):
        ours, sep, theirs = part.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or not ours or not theirs:
            raise InputError(f"--columns: expected NAME=SOURCE pairs, got {part!r}")
        same = [t for t in mapping if t == ours or {t, ours} <= set(_LABELS)]
        if same:
            raise InputError(
                f"--columns: {ours!r} is given twice ({same[0]}={mapping[same[0]]}, "
                f"{ours}={theirs}); name one source per column"
            )
        mapping[ours] = theirs
    return mapping


def check_mapping(columns: dict[str, str]) -> None:
    """Raise InputError when a mapping names a target that is not a samples-table column."""
    unknown = sorted(set(columns) - ALLOWED)
    if unknown:
        raise InputError(
            f"--columns: unknown target column(s) {', '.join(unknown)}; "
            f"expected some of {', '.join(sorted(ALLOWED))}"
        )


class _Miss:
    """A path step that found no such key: where, and the keys that were there."""

    def __init__(self, where: str, step: str, keys: list[str], kind: str | None = None) -> None:
        self.where, self.step, self.keys, self.kind = where, step, keys, kind


def _is_null(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _holds_nothing(value: Any) -> bool:
    """Null, or an empty list (whose elements cannot confirm a path either)."""
    return _is_null(value) or (isinstance(value, _LISTS) and len(value) == 0)


def _walk(value: Any, parts: list[str], done: list[str]) -> Any:
    """``value`` followed along ``parts``; a :class:`_Miss` when a key is absent."""
    for i, part in enumerate(parts):
        if _is_null(value):
            return None
        where = ".".join(done + parts[:i]) or "(top)"
        if isinstance(value, Mapping):
            if part not in value:
                return _Miss(where, part, [str(k) for k in value])
            value = value[part]
        elif isinstance(value, _LISTS):
            if part.isdigit():
                index = int(part)
                value = value[index] if index < len(value) else None
                continue
            items = [_walk(v, parts[i:], done + parts[:i]) for v in as_list(value)]
            misses = [x for x in items if isinstance(x, _Miss)]
            if misses and len(misses) == len(items):
                return misses[0]
            return [None if isinstance(x, _Miss) else x for x in items]
        else:
            return _Miss(where, part, [], type(value).__name__)
    return value


def _no_column(theirs: str, frame: pd.DataFrame, file: str) -> InputError:
    names = [str(c) for c in frame.columns if c not in ("source_line", "source_file")]
    close = difflib.get_close_matches(split_escaped(theirs, ".")[0], names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return InputError(
        f"--columns: no column {theirs!r} (found: {', '.join(names[:20])}){hint}", file=file
    )


def _path_error(theirs: str, miss: _Miss, file: str) -> InputError:
    if miss.kind is not None:
        detail = f"{miss.where!r} holds a {miss.kind}, not an object with key {miss.step!r}"
    else:
        shown = ", ".join(miss.keys[:20]) or "none"
        close = difflib.get_close_matches(miss.step, miss.keys, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        detail = f"no key {miss.step!r} under {miss.where!r} (keys there: {shown}){hint}"
    return InputError(f"--columns: path {theirs!r} matches nothing: {detail}", file=file)


def resolve(frame: pd.DataFrame, theirs: str, file: str) -> list[Any]:
    """The values of source ``theirs`` (a column or an escaped dotted path), one per row.

    Raises InputError naming the path, the file and the keys there when the path matches
    nothing in any row; rows where only some step is absent get None.
    """
    if theirs in frame.columns:  # a column whose name holds a dot, as written
        return frame[theirs].tolist()
    parts = split_escaped(theirs, ".")
    if parts[0] not in frame.columns:
        raise _no_column(theirs, frame, file)
    values = [_walk(v, parts[1:], parts[:1]) for v in frame[parts[0]].tolist()]
    misses = [v for v in values if isinstance(v, _Miss)]
    if misses and all(isinstance(v, _Miss) or _holds_nothing(v) for v in values):
        raise _path_error(theirs, misses[0], file)
    return [None if isinstance(v, _Miss) else v for v in values]


def apply_mapping(frame: pd.DataFrame, columns: dict[str, str], file: str) -> pd.DataFrame:
    """The mapped columns (labels under ``source_correct``) plus the native ones not mapped.

    Raises InputError naming the file when a mapped source does not exist.
    """
    check_mapping(columns)
    keep = [c for c in native.PASSTHROUGH + ("answer",) if c in frame.columns and c not in columns]
    if not any(t in columns for t in _LABELS):
        keep += [c for c in native.LABEL_COLUMNS if c in frame.columns]
    out = frame[keep + [c for c in ("source_line", "source_file", KEY) if c in frame.columns]]
    out = out.copy()
    for ours, theirs in columns.items():
        target = "source_correct" if ours in _LABELS else ours
        values = frame[KEY].tolist() if theirs == KEY and KEY in frame.columns else None
        out[target] = pd.Series(
            values if values is not None else resolve(frame, theirs, file),
            index=frame.index,
            dtype=object,
        )
    return out


def _explode(
    mapped: pd.DataFrame, file: str, response_source: str
) -> tuple[pd.DataFrame, list[Rejection]]:
    """One row per element of a list-valued ``response`` (see the module doc).

    When any row holds a list, a row holding one response is a list of one (its
    ``sample_idx`` is the mapped one, else 0); a row with an empty list is rejected.
    """
    if not any(isinstance(v, _LISTS) for v in mapped["response"].tolist()):
        return mapped, []
    rows: list[dict] = []
    rejections: list[Rejection] = []
    per_sample = [c for c in mapped.columns if c in _PER_SAMPLE]
    for record in mapped.to_dict("records"):
        value = record["response"]
        if not isinstance(value, _LISTS):
            rows.append(dict(record, sample_idx=record.get("sample_idx", 0)))
            continue
        responses = as_list(value)
        if not responses:
            reason = f"{response_source!r} holds no responses"
            rejections.append(Rejection(file, record.get("source_line"), reason))
            continue
        for i, response in enumerate(responses):
            row = dict(record, response=response, sample_idx=i)
            for column in per_sample:
                given = record[column]
                if isinstance(given, _LISTS) and len(given) == len(responses):
                    row[column] = plain(as_list(given)[i])
            rows.append(row)
    columns = list(dict.fromkeys([*mapped.columns, "sample_idx"]))
    return pd.DataFrame(rows, columns=columns), rejections


def _scores(value: Any, name: str) -> str | None:
    value = plain(value)
    if is_number(value) or isinstance(value, str):
        return scores_json({name: value})
    return None


def expand(
    frame: pd.DataFrame, file: str, columns: dict[str, str]
) -> tuple[pd.DataFrame, list[Rejection]]:
    """Map by ``columns``, one row per response, then read the result as native rows."""
    mapped = apply_mapping(frame, columns, file)
    if "response" not in columns and "response" not in mapped.columns:
        raise InputError("--columns must map response", file=file)
    if "problem_id" not in mapped.columns and KEY in mapped.columns:
        mapped["problem_id"] = mapped[KEY]
    if "problem_id" not in mapped.columns:
        if "prompt" not in mapped.columns:
            raise InputError(
                "--columns must map problem_id (or prompt, to group responses by prompt)",
                file=file,
            )
        mapped["problem_id"] = [text_id(p) for p in mapped["prompt"].tolist()]
    else:
        mapped["source_problem_id"] = mapped["problem_id"]
    mapped, rejections = _explode(mapped, file, columns.get("response", "response"))
    out, more = native.expand(mapped, file)
    if "source_problem_id" in mapped.columns:
        out["source_problem_id"] = mapped["source_problem_id"].map(plain)
    label = next((columns[t] for t in _LABELS if t in columns), None)
    if label is not None:
        values = mapped["source_correct"].tolist()
        out["source_metric"] = [None if _is_null(v) else label for v in values]
        out["source_scores"] = [_scores(v, label) for v in values]
    for target in ("gold_field", "source_metric", "source_scores"):
        if target in mapped.columns and target in columns:
            out[target] = mapped[target]
    if "gold" in columns and "gold_field" not in columns:
        out["gold_field"] = columns["gold"]
    elif "gold" not in columns and "answer" in mapped.columns and "gold" not in mapped.columns:
        out["gold_field"] = "answer"
    return out, rejections + more
