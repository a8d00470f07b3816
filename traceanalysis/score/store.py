"""The NLL cache: one table ``score_nll`` in the project's SQLite cache file.

A row per scored (model fingerprint, backend, dtype, template, prompt text, response): the
key is the sha256 of those parts, so a changed model folder, template or text is scored
again and nothing else is. Each batch is committed as it finishes: a run killed with
``kill -9`` keeps every finished batch and the next run skips them.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from traceanalysis.cache import connect, content_hash, create_table, default_cache_path

KEY_VERSION = "score-nll/1"
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS score_nll ("
    "key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, nll REAL, n_tokens INTEGER NOT NULL, "
    "created REAL NOT NULL)"
)
_CHUNK = 500  # keys per SELECT ... IN (...)


def row_key(
    fingerprint: str, backend: str, dtype: str, template: str, prompt: str, response: str
) -> str:
    """The cache key of one scored row (see the module docstring)."""
    return content_hash(KEY_VERSION, fingerprint, backend, dtype, template, prompt, response)


class NllStore:
    """Read and write cached NLLs (one connection, WAL, commit per batch)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.conn: sqlite3.Connection = connect(self.path)
        create_table(self.conn, self.path, SCHEMA)

    def get(self, keys: Sequence[str]) -> dict[str, tuple[float | None, int]]:
        """key -> (nll, n_tokens) for the keys already stored (nll None: did not fit)."""
        found: dict[str, tuple[float | None, int]] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), _CHUNK):
            part = unique[i : i + _CHUNK]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT key, nll, n_tokens FROM score_nll WHERE key IN ({marks})", part
            )
            found.update((k, (nll, int(n))) for k, nll, n in rows)
        return found

    def put(self, fingerprint: str, rows: Iterable[tuple[str, float | None, int]]) -> None:
        """Store (key, nll, n_tokens) rows and commit."""
        now = time.time()
        self.conn.executemany(
            "INSERT OR REPLACE INTO score_nll (key, fingerprint, nll, n_tokens, created) "
            "VALUES (?, ?, ?, ?, ?)",
            [(k, fingerprint, nll, int(n), now) for k, nll, n in rows],
        )
        self.conn.commit()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()
