"""The grading table in the shared SQLite cache file (:mod:`traceanalysis.cache`).

One row per graded key (normalised answer or final text, gold, grader version, options).
Rows are committed in small batches as verdicts arrive, so a killed run keeps what it
finished. A cached ``timeout`` is reused only if it was reached under a deadline at least
as long as the current one; a longer deadline retries it.

Only what math-verify returned is stored (``ok`` with a verdict, ``parse_error`` when it
could not read the answer or the gold) and honest timeouts (``correct`` null); a crash
or a dead worker is never written, and a row that is not one of these is never read
back. Keys include ``GRADER_VERSION``, so rows written by older graders (version 1 could
cache a broken worker's ``parse_error``) are never matched.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable

from traceanalysis.cache import connect, create_table, default_cache_path, guarded
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


def storable(outcome: Outcome) -> bool:
    """Whether ``outcome`` is a verdict math-verify returned, or an honest timeout."""
    if not outcome.verified:
        return False
    if outcome.status == "ok":
        return outcome.correct is not None
    if outcome.status == "parse_error":
        return True  # math-verify read nothing: False for the answer, null for the gold
    return outcome.status == "timeout" and outcome.correct is None


class GradeCache:
    """Read and write grading verdicts; writes are committed every ``batch`` rows or second."""

    def __init__(self, path: str | os.PathLike[str] | None = None, batch: int = 64):
        self.path = os.fspath(path) if path is not None else str(default_cache_path())
        self.conn: sqlite3.Connection = connect(self.path)
        create_table(self.conn, self.path, _SCHEMA)
        self.batch = batch
        self._pending: list[tuple[object, ...]] = []
        self._last_commit = time.monotonic()

    @guarded
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
                outcome = Outcome(
                    key, extracted, status, None if correct is None else bool(correct)
                )
                if storable(outcome):  # anything else was not written by this grader
                    found[key] = outcome
        return found

    def add(self, outcome: Outcome, deadline: float) -> None:
        """Queue one verdict; commits when the batch is full or a second has passed.

        Outcomes that are not verdicts (:func:`storable`) are not written."""
        if not storable(outcome):
            return
        correct = None if outcome.correct is None else int(outcome.correct)
        self._pending.append(
            (outcome.key, outcome.extracted, outcome.status, correct, deadline, time.time())
        )
        if len(self._pending) >= self.batch or time.monotonic() - self._last_commit > 1.0:
            self.flush()

    @guarded
    def flush(self) -> None:
        """Commit every queued verdict."""
        if self._pending:
            self.conn.executemany(
                "INSERT OR REPLACE INTO grade_cache VALUES (?, ?, ?, ?, ?, ?)", self._pending
            )
            self.conn.commit()
            self._pending.clear()
        self._last_commit = time.monotonic()

    @guarded
    def close(self) -> None:
        """Flush and close the connection."""
        self.flush()
        self.conn.close()
