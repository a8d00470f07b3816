"""The one SQLite cache file shared by grading and the LLM judge.

Each subsystem keeps its own table in the same file, keyed by content hashes, so a rerun
costs nothing and a killed run resumes where it stopped. WAL mode lets a reader and a
writer work at once; every write is committed as it happens.

A damaged file (not a database, truncated, malformed) is a :class:`CacheError`: one line
naming the file and how to rebuild it, never a traceback. Several processes may create
the same new file at once: the switch to WAL (which SQLite answers with "database is
locked" without waiting) is retried, and every connection waits for locks (busy timeout).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from traceanalysis.errors import InputError

ENV_VAR = "TRACEANALYSIS_CACHE"
BUSY_SECONDS = 30.0  # how long a connection waits for another process's lock
_HEADER = b"SQLite format 3\x00"
_CORRUPT = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}  # sqlite3 exceptions' sqlite_errorname
F = TypeVar("F", bound=Callable[..., Any])


class CacheError(InputError):
    """A cache file that cannot be used (damaged SQLite file); the message says how to rebuild."""


def default_cache_path() -> Path:
    """The cache file: ``$TRACEANALYSIS_CACHE`` if set, else the user cache folder."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return Path(platformdirs.user_cache_dir("traceanalysis")) / "cache.sqlite"


def damaged(path: str | os.PathLike[str], reason: str) -> CacheError:
    """The one-line error for a damaged SQLite cache file at ``path``."""
    return CacheError(
        f"the cache file is damaged ({reason}); delete it to rebuild it (grading verdicts, "
        f"judge labels and reference-model scores are computed again): rm {path}*",
        file=str(path),
    )


def is_corrupt(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` says the database file is damaged (not a lock or a bad query)."""
    return getattr(exc, "sqlite_errorname", "") in _CORRUPT


@contextmanager
def sqlite_errors(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn SQLite's "damaged file" errors inside the block into a :class:`CacheError`."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if is_corrupt(exc):
            raise damaged(path, str(exc)) from None
        raise


def guarded(method: F) -> F:
    """Decorate a method of an object with ``self.path``: damaged-file errors -> CacheError."""

    @wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with sqlite_errors(self.path):
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def check_file(path: Path) -> None:
    """Raise :class:`CacheError` when ``path`` exists but is not a whole SQLite file.

    Reads only the 100-byte header: the magic string, and the page count times the page
    size against the file's length (a truncated file is shorter). The length is checked
    only while no write-ahead log is in use (a checkpoint may be extending the file).
    """
    if not path.is_file() or path.stat().st_size == 0:
        return  # SQLite creates the database in an empty file
    with open(path, "rb") as fh:
        head = fh.read(100)
    if not head.startswith(_HEADER):
        raise damaged(path, "not an SQLite database")
    if len(head) < 100:
        raise damaged(path, f"truncated to {len(head)} bytes")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    wal = Path(f"{path}-wal")
    in_use = wal.is_file() and wal.stat().st_size > 0
    # the header's page count is valid when its change counter matches (bytes 24 and 92)
    valid = head[24:28] == head[92:96] and pages > 0
    size = path.stat().st_size
    if valid and not in_use and size < pages * page_size:
        raise damaged(path, f"truncated: {size:,} of {pages * page_size:,} bytes")


def _with_retry(conn: sqlite3.Connection, sql: str) -> object:
    """Run ``sql``, retrying while another process holds the lock (up to BUSY_SECONDS)."""
    deadline = time.monotonic() + BUSY_SECONDS
    delay = 0.01
    while True:
        try:
            return conn.execute(sql).fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def connect(path: str | os.PathLike[str] | None = None) -> sqlite3.Connection:
    """Open (creating if needed) the cache file with WAL journaling and a busy timeout.

    A damaged file raises :class:`CacheError`. Safe when several processes create the
    same new file at once.
    """
    p = Path(path) if path is not None else default_cache_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    check_file(p)
    conn = sqlite3.connect(p, timeout=BUSY_SECONDS)
    try:
        with sqlite_errors(p):
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
            # journal_mode=WAL needs a lock SQLite does not wait for: retried by hand
            _with_retry(conn, "PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the schema
    except BaseException:
        conn.close()
        raise
    return conn


def create_table(conn: sqlite3.Connection, path: str | os.PathLike[str], schema: str) -> None:
    """``CREATE TABLE IF NOT EXISTS`` (``schema``) and commit, retried while locked."""
    with sqlite_errors(path):
        _with_retry(conn, schema)
        conn.commit()


def content_hash(*parts: object) -> str:
    """A stable sha256 hex digest of ``parts`` (strings as UTF-8, anything else as JSON)."""
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, str) else json.dumps(part, sort_keys=True, default=str)
        h.update(data.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()
