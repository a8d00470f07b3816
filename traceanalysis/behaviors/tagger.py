"""The sentence-level rule tagger (stage ``behaviors``).

A sentence shows behaviour B when one of B's cues matches inside it (and no exclusion
overlaps the match). Per response: ``behavior_B_count`` = number of sentences tagged B,
``behavior_B_present`` = count > 0, and ``behavior_spans`` = JSON list of
``[start, end, B]`` character spans of the tagged sentences (for highlighting).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from importlib import resources

import pandas as pd

from traceanalysis.behaviors.definitions import Behavior, load_behaviors
from traceanalysis.behaviors.sentences import split_sentences_many
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


def count_column(name: str) -> str:
    """``behavior_<name>_count``."""
    return f"behavior_{name}_count"


def present_column(name: str) -> str:
    """``behavior_<name>_present``."""
    return f"behavior_{name}_present"


def tag_text_spans(
    text: str, sentence_spans: Sequence[tuple[int, int]], behaviors: Sequence[Behavior]
) -> list[tuple[int, int, str]]:
    """``[(start, end, behaviour)]`` for every (sentence, behaviour) pair that matches."""
    starts = [s for s, _ in sentence_spans]
    lowered = text.lower()
    tagged: list[tuple[int, int, str]] = []
    for b in behaviors:
        hit: set[int] = set()
        for _m_start, m_end in b.cue_spans(text, lowered):
            # The sentence holding the match's last character (matches may start at the
            # previous sentence's punctuation for sentence-initial cues).
            k = bisect.bisect_right(starts, m_end - 1) - 1
            if k >= 0 and sentence_spans[k][0] <= m_end - 1 < sentence_spans[k][1]:
                hit.add(k)
        tagged.extend((sentence_spans[k][0], sentence_spans[k][1], b.name) for k in hit)
    tagged.sort()
    return tagged


def tag_texts(
    texts: Sequence[str], behaviors: Sequence[Behavior] | None = None
) -> list[list[tuple[int, int, str]]]:
    """Tagged sentence spans for each text (see :func:`tag_text_spans`)."""
    behaviors = tuple(behaviors or load_behaviors())
    out: list[list[tuple[int, int, str]]] = []
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start : start + _CHUNK]
        for text, spans in zip(chunk, split_sentences_many(chunk), strict=True):
            out.append(tag_text_spans(text, spans, behaviors))
    return out


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
    for b in behaviors:
        counts = [sum(1 for _, _, name in spans if name == b.name) for spans in tagged]
        out[count_column(b.name)] = pd.array(counts, dtype="int64")
        out[present_column(b.name)] = pd.array([c > 0 for c in counts], dtype="bool")
    out["behavior_spans"] = pd.array(
        [json.dumps([list(s) for s in spans]) for spans in tagged], dtype="string"
    )
    out.attrs["behaviors"] = {
        "tagger_version": STAGE_VERSION,
        "column": column,
        "definitions": {b.name: b.version for b in behaviors},
    }
    return out
