"""The one SQLite cache file shared by grading and the LLM judge.

Each subsystem keeps its own table in the same file, keyed by content hashes, so a rerun
costs nothing and a killed run resumes where it stopped. WAL mode lets a reader and a
writer work at once; every write is committed as it happens.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import platformdirs

ENV_VAR = "TRACEANALYSIS_CACHE"


def default_cache_path() -> Path:
    """The cache file: ``$TRACEANALYSIS_CACHE`` if set, else the user cache folder."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return Path(platformdirs.user_cache_dir("traceanalysis")) / "cache.sqlite"


def connect(path: str | os.PathLike[str] | None = None) -> sqlite3.Connection:
    """Open (creating if needed) the cache file with WAL journaling and a busy timeout."""
    p = Path(path) if path is not None else default_cache_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(p, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def content_hash(*parts: object) -> str:
    """A stable sha256 hex digest of ``parts`` (strings as UTF-8, anything else as JSON)."""
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, str) else json.dumps(part, sort_keys=True, default=str)
        h.update(data.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()
