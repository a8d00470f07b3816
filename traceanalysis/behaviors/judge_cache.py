"""Judge labels in the shared SQLite cache file (table ``judge_labels``).

A label's key is a hash of the judge identity, prompt version and text hash, the answer
rules' version, the behaviour and what the prompt shows of it, the generation parameters
and the response hash. Every valid label is committed as it arrives, so a killed run
loses nothing it finished. Only valid labels (``ok``) are stored; failed calls and
answers that are not labels are not, so a rerun asks again. (A cache written by an older
version may hold ``unparseable`` rows; they are never read back as labels.)
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from traceanalysis.cache import connect, create_table, default_cache_path, guarded

_SCHEMA = """
CREATE TABLE IF NOT EXISTS judge_labels (
    key TEXT PRIMARY KEY,
    judge_id TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    behavior TEXT NOT NULL,
    response_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    present INTEGER,
    count INTEGER,
    justification TEXT,
    raw TEXT,
    created REAL NOT NULL
)
"""
_CHUNK = 900  # below SQLite's default limit of host parameters


@dataclass(frozen=True)
class CachedLabel:
    """One judge label: status (``ok`` when stored), presence, count and justification."""

    status: str
    present: bool | None
    count: int | None
    justification: str


class JudgeCache:
    """Read and write judge labels; one connection, autocommitting each write."""

    def __init__(self, path: str | Path | None = None):
        self.path = str(path) if path is not None else str(default_cache_path())
        self.conn: sqlite3.Connection = connect(self.path)
        create_table(self.conn, self.path, _SCHEMA)

    @guarded
    def get_many(self, keys: Iterable[str]) -> dict[str, CachedLabel]:
        """The stored labels for those of ``keys`` that are present."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, CachedLabel] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT key, status, present, count, justification FROM judge_labels "
                f"WHERE key IN ({marks})",
                chunk,
            )
            for key, status, present, count, why in rows:
                found[key] = CachedLabel(
                    status, None if present is None else bool(present), count, why or ""
                )
        return found

    @guarded
    def put(
        self,
        key: str,
        *,
        judge_id: str,
        prompt_version: str,
        behavior: str,
        response_hash: str,
        status: str,
        present: bool | None,
        count: int | None,
        justification: str,
        raw: str,
    ) -> None:
        """Store one label and commit at once."""
        self.conn.execute(
            "INSERT OR REPLACE INTO judge_labels VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                key,
                judge_id,
                prompt_version,
                behavior,
                response_hash,
                status,
                None if present is None else int(present),
                count,
                justification,
                raw,
                time.time(),
            ),
        )
        self.conn.commit()

    @guarded
    def count(self, judge_id: str | None = None) -> int:
        """Number of stored labels (for one judge when ``judge_id`` is given)."""
        if judge_id is None:
            return self.conn.execute("SELECT COUNT(*) FROM judge_labels").fetchone()[0]
        sql = "SELECT COUNT(*) FROM judge_labels WHERE judge_id = ?"
        return self.conn.execute(sql, (judge_id,)).fetchone()[0]

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()
