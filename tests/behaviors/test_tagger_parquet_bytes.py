"""The tagger's chunked spans column writes the same Parquet bytes as a one-piece column."""

from __future__ import annotations

import io
import random

import pandas as pd
import pyarrow as pa

from traceanalysis.behaviors.tagger import tag_behaviors

SENTENCES = [
    "Wait, let me check this again.",
    "So the answer is {n}.",
    "Alternatively, we could try a different approach.",
    "Let me verify: {n} + 1 = {m}.",
    "Hmm, maybe I made a mistake here.",
    "First, we need to find the roots.",
    "Working backwards from the goal, we need x = {n}.",
    "The sum is {m}.",
]


def _texts(n: int) -> list[str]:
    rng = random.Random(7)
    return [
        " ".join(
            rng.choice(SENTENCES).format(n=rng.randint(0, 99), m=rng.randint(0, 99))
            for _ in range(rng.randint(5, 60))
        )
        for _ in range(n)
    ]


def _parquet(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


def test_spans_column_in_chunks_writes_one_piece_bytes():
    df = pd.DataFrame({"response": pd.array(_texts(2600), dtype="string")})
    tagged = tag_behaviors(df)
    spans = tagged["behavior_spans"]
    chunks = spans.array.__arrow_array__().chunks
    assert len(chunks) > 1  # the tagger's chunks are kept, not joined
    # pyarrow's writer checks page limits every 1024 rows of a chunk: other chunk sizes
    # (512) move page boundaries on long span lists and change the bytes.
    assert all(len(c) % 1024 == 0 for c in chunks[:-1]), [len(c) for c in chunks]
    whole = pa.chunked_array([pa.array(spans.tolist(), type=pa.large_string())])
    one_piece = tagged.assign(behavior_spans=pd.array(whole, dtype=spans.dtype))
    assert _parquet(tagged) == _parquet(one_piece)
