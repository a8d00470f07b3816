"""The sentence-level rule tagger (stage ``behaviors``).

A sentence shows behaviour B when one of B's cues matches inside it (and no exclusion
overlaps the match). Per response: ``behavior_B_count`` = number of sentences tagged B,
``behavior_B_present`` = count > 0, and ``behavior_spans`` = JSON list of
``[start, end, B]`` character spans of the tagged sentences (for highlighting).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from importlib import resources

import numpy as np
import pandas as pd

from traceanalysis.behaviors.cuescan import cue_spans
from traceanalysis.behaviors.definitions import Behavior, load_behaviors
from traceanalysis.behaviors.sentences import sentences_at_many
from traceanalysis.cache import content_hash
from traceanalysis.stages import stage

TAGGER_VERSION = "1.1"  # bump when splitting or matching changes (stage cache key)


def _definitions_hash() -> str:
    folder = resources.files("traceanalysis") / "lexicons" / "behaviors"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    return content_hash(*(f.read_text(encoding="utf-8") for f in files))[:8]


# The stage version changes with the shipped definition files, so editing a cue list
# invalidates cached tagger output.
STAGE_VERSION = f"{TAGGER_VERSION}+{_definitions_hash()}"
_CHUNK = 2048
_PARALLEL_MIN_TEXTS = 5000


def count_column(name: str) -> str:
    """``behavior_<name>_count``."""
    return f"behavior_{name}_count"


def present_column(name: str) -> str:
    """``behavior_<name>_present``."""
    return f"behavior_{name}_present"


def _cue_ends(text: str, behaviors: Sequence[Behavior]) -> list[list[int]] | None:
    """Per behaviour, the last character of each cue match; ``None`` when nothing matches."""
    lowered = text.lower()
    ends = [[m_end - 1 for _, m_end in cue_spans(b, text, lowered)] for b in behaviors]
    return ends if any(ends) else None


def _tag_chunk(
    chunk: Sequence[str], behaviors: tuple[Behavior, ...]
) -> list[list[tuple[int, int, str]]]:
    out: list[list[tuple[int, int, str]]] = [[] for _ in chunk]
    hits = [(i, _cue_ends(t, behaviors)) for i, t in enumerate(chunk)]
    hits = [(i, ends) for i, ends in hits if ends is not None]
    located = sentences_at_many(
        [chunk[i] for i, _ in hits], [[p for e in ends for p in e] for _, ends in hits]
    )
    for (i, ends), where in zip(hits, located, strict=True):
        tagged: list[tuple[int, int, str]] = []
        for b, ps in zip(behaviors, ends, strict=True):
            spans = {where.get(p) for p in ps}
            spans.discard(None)
            tagged.extend((s, e, b.name) for s, e in spans)  # type: ignore[misc]
        tagged.sort()
        out[i] = tagged
    return out


def tag_texts(
    texts: Sequence[str],
    behaviors: Sequence[Behavior] | None = None,
    *,
    workers: int | None = None,
) -> list[list[tuple[int, int, str]]]:
    """``[(start, end, behaviour)]`` for every (sentence, behaviour) pair that matches.

    A sentence is tagged B when it holds the last character of a cue match of B (matches
    may start at the previous sentence's punctuation for sentence-initial cues). Cues are
    matched on the whole text first; only sentences holding a match are then located.
    ``workers`` processes share the chunks (default: 2 from 5,000 texts on when there are
    2 CPUs, else 1; forked, so POSIX only); the result is the same, in input order.
    """
    behaviors = tuple(behaviors or load_behaviors())
    if workers is None:
        enough = len(texts) >= _PARALLEL_MIN_TEXTS and (os.cpu_count() or 1) >= 2
        workers = 2 if enough else 1
    chunks = [texts[s : s + _CHUNK] for s in range(0, len(texts), _CHUNK)]
    forking = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or len(chunks) < 2 or not forking:
        return [spans for chunk in chunks for spans in _tag_chunk(chunk, behaviors)]
    # fork, not spawn: spawn re-runs the caller's __main__ in each worker (a script without
    # a main guard would run twice more); the forked workers only run re and spaCy code.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        parts = pool.map(_tag_chunk, chunks, [behaviors] * len(chunks))
        return [spans for part in parts for spans in part]


@stage(
    "behaviors",
    STAGE_VERSION,
    reads=("response",),
    adds=("behavior_<B>_count", "behavior_<B>_present", "behavior_spans"),
)
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
    behaviors = tuple(behaviors or load_behaviors())
    texts = ["" if pd.isna(t) else str(t) for t in df[column].tolist()]
    tagged = tag_texts(texts, behaviors)
    out = df.copy()
    counts = np.zeros((len(behaviors), len(texts)), dtype="int64")
    column_of = {b.name: k for k, b in enumerate(behaviors)}
    for row, spans in enumerate(tagged):
        for _, _, name in spans:
            counts[column_of[name], row] += 1
    for k, b in enumerate(behaviors):
        out[count_column(b.name)] = pd.array(counts[k], dtype="int64")
        out[present_column(b.name)] = pd.array(counts[k] > 0, dtype="bool")
    out["behavior_spans"] = pd.array(
        [json.dumps([list(s) for s in spans]) if spans else "[]" for spans in tagged],
        dtype="string",
    )
    out.attrs["behaviors"] = {
        "tagger_version": STAGE_VERSION,
        "column": column,
        "definitions": {b.name: b.version for b in behaviors},
    }
    return out
