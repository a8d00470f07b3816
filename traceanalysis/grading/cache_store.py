"""The grading table in the shared SQLite cache file (:mod:`traceanalysis.cache`).

One row per graded key (normalised answer or final text, gold, grader version, options).
Rows are committed in small batches as verdicts arrive, so a killed run keeps what it
finished. A cached ``timeout`` is reused only if it was reached under a deadline at least
as long as the current one; a longer deadline retries it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable

from traceanalysis.cache import connect
from traceanalysis.grading.verifier import Outcome

_SCHEMA = """
CREATE TABLE IF NOT EXISTS grade_cache (
    key TEXT PRIMARY KEY,
    extracted TEXT,
    status TEXT NOT NULL,
    correct INTEGER,
    deadline REAL,
    created REAL NOT NULL
)
"""


class GradeCache:
    """Read and write grading verdicts; writes are committed every ``batch`` rows or second."""

    def __init__(self, path: str | os.PathLike[str] | None = None, batch: int = 64):
        self.conn: sqlite3.Connection = connect(path)
        self.conn.execute(_SCHEMA)
        self.conn.commit()
        self.batch = batch
        self._pending: list[tuple[object, ...]] = []
        self._last_commit = time.monotonic()

    def lookup(self, keys: Iterable[str], deadline: float) -> dict[str, Outcome]:
        """Cached outcomes for ``keys``; timeouts reached under a shorter deadline are skipped."""
        keys = list(keys)
        found: dict[str, Outcome] = {}
        for start in range(0, len(keys), 900):  # SQLite's bound-variable limit
            chunk = keys[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT key, extracted, status, correct, deadline FROM grade_cache "
                f"WHERE key IN ({marks})",
                chunk,
            )
            for key, extracted, status, correct, cached_deadline in rows:
                if status == "timeout" and (cached_deadline or 0.0) < deadline:
                    continue
                found[key] = Outcome(
                    key, extracted, status, None if correct is None else bool(correct)
                )
        return found

    def add(self, outcome: Outcome, deadline: float) -> None:
        """Queue one verdict; commits when the batch is full or a second has passed."""
        correct = None if outcome.correct is None else int(outcome.correct)
        self._pending.append(
            (outcome.key, outcome.extracted, outcome.status, correct, deadline, time.time())
        )
        if len(self._pending) >= self.batch or time.monotonic() - self._last_commit > 1.0:
            self.flush()

    def flush(self) -> None:
        """Commit every queued verdict."""
        if self._pending:
            self.conn.executemany(
                "INSERT OR REPLACE INTO grade_cache VALUES (?, ?, ?, ?, ?, ?)", self._pending
            )
            self.conn.commit()
            self._pending.clear()
        self._last_commit = time.monotonic()

    def close(self) -> None:
        """Flush and close the connection."""
        self.flush()
        self.conn.close()
