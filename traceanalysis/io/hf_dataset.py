"""Hugging Face datasets saved on disk (``Dataset.save_to_disk``) and ``.arrow`` files.

The rows are read with ``datasets.load_from_disk`` (or ``Dataset.from_file`` for a single
Arrow file) and then detected like any other table: native columns, a foreign layout, or
a ``--columns`` mapping. A ``DatasetDict`` contributes every split; each row's
``source_file`` names the split (``path[test]``) and ``source_line`` its 0-based row.
Data files meant for ``load_dataset`` (JSONL/parquet/CSV) need nothing special: they are
read directly by the format readers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa

from traceanalysis.errors import InputError

NAME = "hf_dataset"


def is_dataset_dir(path: Path) -> bool:
    """A folder written by ``save_to_disk`` (``state.json`` or ``dataset_dict.json``)."""
    return path.is_dir() and (
        (path / "dataset_dict.json").is_file()
        or ((path / "state.json").is_file() and (path / "dataset_info.json").is_file())
    )


def read_dataset(path: Path) -> pd.DataFrame:
    """All rows as a DataFrame with ``source_file`` and ``source_line`` columns."""
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import datasets

    try:
        if path.is_file():
            loaded: object = datasets.Dataset.from_file(str(path))
        else:
            loaded = datasets.load_from_disk(str(path))
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        # datasets raises these for a missing, truncated or foreign folder/file
        raise InputError(f"not a readable Hugging Face dataset ({exc})", file=str(path)) from None
    if isinstance(loaded, datasets.DatasetDict):
        parts = [(f"{path}[{split}]", ds) for split, ds in loaded.items()]
    else:
        parts = [(str(path), loaded)]
    frames = []
    for name, ds in parts:
        frame = ds.to_pandas()
        frame["source_file"] = name
        frame["source_line"] = range(len(frame))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
