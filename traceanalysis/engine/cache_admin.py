"""What is in the caches, and removing what was not used: ``cache info|prune``.

The stage cache's entries (files and folders in ``stages/`` beside the SQLite file) carry
their last use as their modification time (a hit touches them), so ``prune --older-than
DAYS`` removes what no run read or wrote for DAYS. The SQLite file (grading verdicts,
judge labels, reference-model scores) is only removed whole, on request (``--sqlite``):
its rows are cheap to keep and expensive to recompute.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from traceanalysis.cache import check_file, default_cache_path, sqlite_errors
from traceanalysis.engine.cache import stage_cache_dir

DAY = 86400.0


@dataclass
class EntryInfo:
    """One stage-cache entry: its stage, size in bytes and days since last use."""

    path: Path
    stage: str
    size: int
    age_days: float


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def stage_entries(sqlite_path: str | Path | None = None) -> list[EntryInfo]:
    """Every entry of the stage cache beside ``sqlite_path`` (default cache), oldest first."""
    root = stage_cache_dir(sqlite_path)
    if not root.is_dir():
        return []
    now = time.time()
    out = [
        EntryInfo(p, p.name.rsplit("-", 1)[0], _size(p), (now - p.stat().st_mtime) / DAY)
        for p in root.iterdir()
        if ".tmp" not in p.name
    ]
    return sorted(out, key=lambda e: -e.age_days)


def sqlite_tables(sqlite_path: str | Path | None = None) -> dict[str, int]:
    """Rows per table of the SQLite cache file (empty when it does not exist)."""
    path = Path(sqlite_path) if sqlite_path is not None else default_cache_path()
    if not path.is_file():
        return {}
    check_file(path)
    with sqlite_errors(path):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        finally:
            conn.close()


def prune(
    sqlite_path: str | Path | None = None, *, older_than: float | None = None, sqlite: bool = False
) -> tuple[int, int]:
    """Remove stage-cache entries unused for ``older_than`` days (None: every entry) and,
    with ``sqlite``, the SQLite file; returns (entries removed, bytes freed)."""
    removed, freed = 0, 0
    for entry in stage_entries(sqlite_path):
        if older_than is not None and entry.age_days < older_than:
            continue
        if entry.path.is_dir():
            shutil.rmtree(entry.path)
        else:
            entry.path.unlink(missing_ok=True)
        removed, freed = removed + 1, freed + entry.size
    if sqlite:
        path = Path(sqlite_path) if sqlite_path is not None else default_cache_path()
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if p.exists():
                freed += p.stat().st_size
                p.unlink()
    return removed, freed
