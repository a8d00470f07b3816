"""The pipeline's stage cache: each stage's output stored under a key of its inputs.

A stage's key hashes its name, version and options together with the keys of the stages
whose output it reads (and, for loading, the content hashes of the input files). Changing
one option therefore changes the keys of that stage and of the stages downstream of it
only; everything else is read back. Entries are pickle files (they keep dtypes and
``attrs`` exactly) in a ``stages/`` folder beside the SQLite cache file, written
atomically so a killed run never leaves a half-written entry. Arrow-backed columns are
pickled chunk by chunk (pandas' own pickling joins the chunks first: a copy of the whole
text column while it is written).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

import pandas as pd

from traceanalysis.cache import content_hash, default_cache_path

_MISSING = object()


def stage_cache_dir(sqlite_path: str | os.PathLike[str] | None = None) -> Path:
    """The ``stages/`` folder next to the SQLite cache file (default or ``sqlite_path``)."""
    base = Path(sqlite_path) if sqlite_path is not None else default_cache_path()
    return base.parent / "stages"


def file_fingerprint(path: Path) -> list[tuple[str, int, str]]:
    """(relative path, size, sha256) of every non-hidden file under ``path``, sorted."""
    path = Path(path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    out = []
    for f in files:
        rel = f.name if f == path else f.relative_to(path).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts):
            continue
        h = hashlib.sha256()
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                h.update(block)
        out.append((rel, f.stat().st_size, h.hexdigest()))
    return out


def _arrow_string_array(chunked: object, dtype: object) -> pd.api.extensions.ExtensionArray:
    return pd.arrays.ArrowStringArray(chunked, dtype=dtype)


def _arrow_array(chunked: object) -> pd.api.extensions.ExtensionArray:
    return pd.arrays.ArrowExtensionArray(chunked)


class _Pickler(pickle.Pickler):
    """Pickles Arrow-backed pandas arrays as their chunked Arrow data, without joining it."""

    def reducer_override(self, obj: object) -> object:
        chunked = getattr(obj, "_pa_array", None)
        if chunked is None:
            return NotImplemented
        if isinstance(obj, pd.arrays.ArrowStringArray):
            return _arrow_string_array, (chunked, obj.dtype)
        if type(obj) is pd.arrays.ArrowExtensionArray:
            return _arrow_array, (chunked,)
        return NotImplemented


class StageCache:
    """Get and put stage outputs by key; ``enabled=False`` makes every lookup a miss."""

    MISSING = _MISSING

    def __init__(self, root: Path, *, enabled: bool = True) -> None:
        self.root = Path(root)
        self.enabled = enabled
        self.hits: dict[str, bool] = {}

    @staticmethod
    def key(name: str, version: str, options: dict[str, object], *deps: str) -> str:
        """The cache key of stage ``name``: version, options and upstream keys hashed."""
        return content_hash(name, version, options, *deps)

    def _path(self, name: str, key: str) -> Path:
        return self.root / f"{name}-{key[:24]}.pkl"

    def get(self, name: str, key: str) -> object:
        """The stored value, or :attr:`MISSING` when absent, disabled or unreadable."""
        path = self._path(name, key)
        if not self.enabled or not path.is_file():
            return _MISSING
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return _MISSING  # a stale or damaged entry is recomputed and overwritten

    def put(self, name: str, key: str, value: object) -> None:
        """Store ``value`` under (name, key), atomically."""
        if not self.enabled:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        path = self._path(name, key)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as fh:
            _Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        os.replace(tmp, path)

    def cached(self, name: str, key: str, compute, keep=None):  # noqa: ANN001, ANN201 - any callable
        """Return the stored value for (name, key), else ``compute()`` stored and returned.

        ``keep(value)`` False leaves a computed value unstored (e.g. a judge stage whose
        labels partly failed, so the next run tries again). Records in
        ``self.hits[name]`` whether it came from the cache.
        """
        value = self.get(name, key)
        self.hits[name] = value is not _MISSING
        if value is _MISSING:
            value = compute()
            if keep is None or keep(value):
                self.put(name, key, value)
        return value


MISSING = _MISSING
