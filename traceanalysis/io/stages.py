"""The plan's source stage: a runs folder -> the samples table as one Parquet file.

Loading keeps only the problems every run has (:func:`align_problems`), so runs are
compared on the same problems; what was dropped is recorded in the attrs. The stage's key
is the content of the input files (following symlinks, see ``--follow-links``) and the
folder's current path, so a copy of the runs elsewhere records its own paths.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from traceanalysis.engine.fingerprint import file_fingerprint
from traceanalysis.engine.registry import stage
from traceanalysis.io.stream import stream_load

BATCH_ROWS = 8192  # rows per row group: the per-row stages' batch


def _load_key(options: dict[str, Any]) -> dict[str, Any]:
    runs = Path(options["runs"])
    return {
        **{k: v for k, v in options.items() if k != "runs"},
        "path": str(runs),  # paths are recorded as given: a copy elsewhere loads again
        "resolved": str(runs.resolve()),
        "content": file_fingerprint(runs, follow_links=bool(options.get("follow_links"))),
    }


@stage(
    "load",
    "6",
    kind="source",
    adds=("*",),
    options=("runs", "columns", "roles", "source_metric", "follow_links"),
    runtime=("quiet",),
    key=_load_key,
)
def load_samples(
    out: Path,
    *,
    runs: str | Path,
    columns: dict[str, str] | None = None,
    roles: dict[str, str] | None = None,
    source_metric: str | None = None,
    follow_links: bool = False,
    quiet: bool = True,
) -> dict[str, Any]:
    """Read the runs folder ``runs`` into the Parquet file ``out`` (the samples table, in
    row groups of BATCH_ROWS, problems aligned across runs); returns the table's attrs
    (runs, rejections, load notes, ``dropped``). Streamed: one input file and one row
    group in memory at a time (:func:`~traceanalysis.io.stream.stream_load`)."""
    return stream_load(
        Path(runs),
        out,
        columns,
        progress=not quiet,
        roles=roles,
        source_metric=source_metric,
        batch_rows=BATCH_ROWS,
    )
