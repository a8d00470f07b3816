"""The sentence-level rule tagger (stage ``behaviors``).

A sentence shows behaviour B when one of B's cues matches inside it (and no exclusion
overlaps the match). Per response: ``behavior_B_count`` = number of sentences tagged B,
``behavior_B_present`` = count > 0, and ``behavior_spans`` = JSON list of
``[start, end, B]`` character spans of the tagged sentences (for highlighting).

The stage reads the text column chunk by chunk (never a Python copy of the whole column)
and builds its output per chunk: the counts as integer arrays and the spans as JSON text,
so memory grows by about the size of its output.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from traceanalysis.behaviors.cuescan import all_cue_spans
from traceanalysis.behaviors.definitions import Behavior, load_behaviors
from traceanalysis.behaviors.sentences import sentences_at_many
from traceanalysis.cache import content_hash

TAGGER_VERSION = "1.1"  # bump when splitting or matching changes (stage cache key)


def _definitions_hash() -> str:
    folder = resources.files("traceanalysis") / "lexicons" / "behaviors"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    return content_hash(*(f.read_text(encoding="utf-8") for f in files))[:8]


# The stage version changes with the shipped definition files, so editing a cue list
# invalidates cached tagger output.
STAGE_VERSION = f"{TAGGER_VERSION}+{_definitions_hash()}"
_CHUNK = 512  # texts per chunk: bounds the memory of the per-text intermediates
# Rows per Arrow chunk of the spans column: a multiple of 1024 (pyarrow's Parquet write
# batch), so the Parquet bytes are those of a one-piece column.
_ARROW_ROWS = 1024

Spans = list[tuple[int, int, str]]


def count_column(name: str) -> str:
    """``behavior_<name>_count``."""
    return f"behavior_{name}_count"


def present_column(name: str) -> str:
    """``behavior_<name>_present``."""
    return f"behavior_{name}_present"


@contextmanager
def _collector_paused() -> Iterator[None]:
    # Tagging allocates millions of short-lived tuples and match objects and creates no
    # cycles; the cyclic collector would otherwise rescan the caller's whole heap (and,
    # in forked workers, touch and copy its pages) over and over.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _cue_ends(text: str, behaviors: Sequence[Behavior]) -> list[list[int]] | None:
    """Per behaviour, the last character of each cue match; ``None`` when nothing matches."""
    lowered = text.lower()
    ends = [[m_end - 1 for _, m_end in spans] for spans in all_cue_spans(behaviors, text, lowered)]
    return ends if any(ends) else None


def _tag_chunk(chunk: Sequence[str], behaviors: tuple[Behavior, ...]) -> list[Spans]:
    out: list[Spans] = [[] for _ in chunk]
    hits = [(i, _cue_ends(t, behaviors)) for i, t in enumerate(chunk)]
    hits = [(i, ends) for i, ends in hits if ends is not None]
    located = sentences_at_many(
        [chunk[i] for i, _ in hits], [[p for e in ends for p in e] for _, ends in hits]
    )
    for (i, ends), where in zip(hits, located, strict=True):
        tagged: Spans = []
        for b, ps in zip(behaviors, ends, strict=True):
            spans = {where.get(p) for p in ps}
            spans.discard(None)
            tagged.extend((s, e, b.name) for s, e in spans)  # type: ignore[misc]
        tagged.sort()
        out[i] = tagged
    return out


def _chunk_texts(source: Any, start: int, end: int) -> list[str]:
    if isinstance(source, pd.Series):  # a column: missing text counts as no behaviour
        return ["" if pd.isna(t) else str(t) for t in source.iloc[start:end].tolist()]
    return list(source[start:end])


def _tag_part(
    start: int, end: int, behaviors: tuple[Behavior, ...], source: Any = None
) -> list[Spans]:
    """Tags of texts start..end of ``source``."""
    return _tag_chunk(_chunk_texts(source, start, end), behaviors)


def _encode_part(
    start: int, end: int, behaviors: tuple[Behavior, ...], source: Any = None
) -> tuple[np.ndarray, Any]:
    """Counts (behaviours x texts) and the ``behavior_spans`` JSON (an Arrow array) of
    texts start..end."""
    tagged = _tag_part(start, end, behaviors, source)
    counts = np.zeros((len(behaviors), len(tagged)), dtype="int64")
    row_of = {b.name: k for k, b in enumerate(behaviors)}
    quoted = {b.name: json.dumps(b.name) for b in behaviors}
    encoded = []
    for col, spans in enumerate(tagged):
        for *_, name in spans:
            counts[row_of[name], col] += 1
        # the same text as json.dumps([list(s) for s in spans]), without the lists
        items = ", ".join(f"[{s}, {e}, {quoted[name]}]" for s, e, name in spans)
        encoded.append(f"[{items}]")
    import pyarrow as pa

    # Arrow, not a list of str: what comes back from a worker is one buffer, unpickled
    # straight into Arrow memory.
    return counts, pa.array(encoded, type=pa.large_string())


def _run_parts(
    source: Any, n: int, work: Callable[..., Any], behaviors: tuple[Behavior, ...]
) -> Iterator[Any]:
    """``work(start, end, behaviors, source)`` for each chunk of ``source``, in order (in
    this process: the plan's executor runs the stage's batches in parallel)."""
    with _collector_paused():
        for start in range(0, n, _CHUNK):
            yield work(start, min(start + _CHUNK, n), behaviors, source)


def tag_texts(texts: Sequence[str], behaviors: Sequence[Behavior] | None = None) -> list[Spans]:
    """``[(start, end, behaviour)]`` for every (sentence, behaviour) pair that matches.

    A sentence is tagged B when it holds the last character of a cue match of B (matches
    may start at the previous sentence's punctuation for sentence-initial cues). Cues are
    matched on the whole text first; only sentences holding a match are then located.
    """
    behaviors = tuple(behaviors or load_behaviors())
    parts = _run_parts(texts, len(texts), _tag_part, behaviors)
    return [spans for part in parts for spans in part]


def tag_behaviors(
    df: pd.DataFrame,
    *,
    column: str = "response",
    behaviors: Sequence[Behavior] | None = None,
) -> pd.DataFrame:
    """Rule-tag cognitive behaviours per sentence; adds count/presence columns and spans.

    ``column`` names the text to tag (default the full ``response``); missing text counts
    as no behaviour. ``df.attrs["behaviors"]`` records ``{name: version}`` and the tagger
    version.
    """
    import pyarrow as pa

    behaviors = tuple(behaviors or load_behaviors())
    source = df[column]
    counts = [np.zeros((len(behaviors), 0), dtype="int64")]
    spans = []  # Arrow arrays of _ARROW_ROWS rows: no Python list of the whole column
    pending: list[Any] = []  # chunks not yet joined into a full Arrow chunk
    for part_counts, encoded in _run_parts(source, len(source), _encode_part, behaviors):
        counts.append(part_counts)
        pending.append(encoded)
        while sum(map(len, pending)) >= _ARROW_ROWS:
            joined = pa.concat_arrays(pending)
            spans.append(joined.slice(0, _ARROW_ROWS))
            pending = [joined.slice(_ARROW_ROWS)] if len(joined) > _ARROW_ROWS else []
    if pending:
        spans.append(pa.concat_arrays(pending))
    all_counts = np.concatenate(counts, axis=1)
    out = df.copy()
    for k, b in enumerate(behaviors):
        out[count_column(b.name)] = pd.array(all_counts[k], dtype="int64")
        out[present_column(b.name)] = pd.array(all_counts[k] > 0, dtype="bool")
    out["behavior_spans"] = pd.array(
        pa.chunked_array(spans, type=pa.large_string()), dtype="string"
    )
    out.attrs["behaviors"] = {
        "tagger_version": STAGE_VERSION,
        "column": column,
        "definitions": {b.name: b.version for b in behaviors},
    }
    return out
