"""Validating the loaded table without copying its response text.

``schema.validate_samples`` selects the surviving rows of the whole table, so on a large
corpus the text would be copied while the original is still alive. Here the rules stay
those of ``validate_samples``: it runs on a frame whose ``response`` is a two-valued
stand-in (missing / present: an empty or blank response is a response) and the real text
is re-attached to the rows it kept, without a copy when no row was rejected.
``blank_text`` finds the empty and whitespace-only responses without a stripped copy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from traceanalysis.schema import Rejection, validate_samples

_ROW = "_validation_row"


def blank_text(series: pd.Series) -> np.ndarray:
    """True where ``series`` is missing or only whitespace: ``fillna("").str.strip().eq("")``.

    Arrow-backed text is checked one chunk at a time with the kernel pandas' ``str.strip``
    uses (``utf8_trim_whitespace``), so at most one chunk's stripped copy exists at once.
    """
    values = series.array
    chunked = getattr(values, "_pa_array", None)
    if not isinstance(chunked, pa.ChunkedArray) or not pa.types.is_large_string(chunked.type):
        return series.fillna("").str.strip().eq("").to_numpy(dtype=bool)
    parts = [
        pc.fill_null(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(chunk)), 0), True)
        for chunk in chunked.iterchunks()
    ]
    if not parts:
        return np.zeros(len(series), dtype=bool)
    return np.concatenate([p.to_numpy(zero_copy_only=False) for p in parts]).astype(bool)


def validate_keeping_text(table: pd.DataFrame) -> tuple[pd.DataFrame, list[Rejection]]:
    """``schema.validate_samples(table)``, computed without copying ``response``.

    Same valid rows (in order, index reset, core columns first) and the same rejections.
    """
    if "response" not in table.columns:
        return validate_samples(table)
    text = table["response"].astype("string")
    stand_in = np.where(text.isna().to_numpy(), None, "x").astype(object)
    proxy = table.assign(response=pd.array(stand_in, dtype="string"))
    proxy[_ROW] = np.arange(len(table), dtype="int64")
    valid, invalid = validate_samples(proxy)
    rows = valid.pop(_ROW).to_numpy()
    if len(rows) == len(text):  # nothing rejected: the same text, no copy
        kept = text.reset_index(drop=True)
    else:
        kept = text.take(rows).reset_index(drop=True)
    valid["response"] = kept
    return valid, invalid
