"""The pipeline's stage cache: each stage's output stored under a key of its inputs.

A stage's key hashes its name, version and options together with the keys of the stages
whose output it reads (and, for loading, the content hashes of the input files). Changing
one option therefore changes the keys of that stage and of the stages downstream of it
only; everything else is read back. Entries live in a ``stages/`` folder beside the
SQLite cache file, written atomically (tmp file + rename) so a killed run never leaves a
half-written entry, and every entry carries the sha256 of its content, checked on each
read: a damaged or truncated entry is a miss (recomputed and rewritten) and leaves a
sentence in :attr:`StageCache.notes` naming the file.

- values (:meth:`StageCache.put`/``get``): ``NAME-KEY.pkl``, a one-line header
  (``TASTAGE1 <sha256> <size>``) then the pickle. Arrow-backed columns are pickled chunk
  by chunk (pandas' own pickling joins the chunks first: a copy of the whole text column).
- files (``put_file``/``get_file``): ``NAME-KEY.file``, the same header then the bytes.
- folders (``put_files``/``get_files``): ``NAME-KEY.dir/`` holding ``files/`` and
  ``manifest.json`` (size and sha256 of each file).

A hit sets the entry's modification time to now, so ``cache prune --older-than DAYS``
removes what was not used (read or written) for DAYS.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import IO, Any

import pandas as pd

from traceanalysis.cache import content_hash, default_cache_path
from traceanalysis.engine.fingerprint import file_fingerprint  # noqa: F401 (re-exported)

_MISSING = object()
MAGIC = b"TASTAGE1"
HEADER_SIZE = len(MAGIC) + 1 + 64 + 1 + 16 + 1  # magic, sha256 hex, size (16 digits), \n
MANIFEST = "manifest.json"


def stage_cache_dir(sqlite_path: str | os.PathLike[str] | None = None) -> Path:
    """The ``stages/`` folder next to the SQLite cache file (default or ``sqlite_path``)."""
    base = Path(sqlite_path) if sqlite_path is not None else default_cache_path()
    return base.parent / "stages"


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


class _HashingWriter:
    """A file wrapper that hashes and counts what is written through it."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: Any) -> int:
        self.sha.update(data)
        self.size += memoryview(data).nbytes
        return self.fh.write(data)


def _header(sha: str, size: int) -> bytes:
    return MAGIC + b" " + sha.encode() + b" " + b"%016d" % size + b"\n"


def _write_sealed(path: Path, fill: Any) -> None:
    """Write ``path`` atomically: the header, then what ``fill(writer)`` writes."""
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(b"\0" * HEADER_SIZE)
            writer = _HashingWriter(fh)
            fill(writer)
            fh.seek(0)
            fh.write(_header(writer.sha.hexdigest(), writer.size))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def file_sha256(path: Path, *, skip: int = 0) -> tuple[str, int]:
    """sha256 hex digest and length of ``path``'s bytes after the first ``skip``."""
    with open(path, "rb") as fh:
        fh.seek(skip)
        sha = hashlib.file_digest(fh, "sha256")
        return sha.hexdigest(), fh.tell() - skip


def check_sealed(path: Path) -> str | None:
    """None when the entry ``path`` matches its header, else what is wrong with it."""
    with open(path, "rb") as fh:
        head = fh.read(HEADER_SIZE)
    if len(head) < HEADER_SIZE or not head.startswith(MAGIC + b" ") or not head[74:90].isdigit():
        return "its header is missing or damaged"
    want_sha, want_size = head[9:73].decode("ascii", "replace"), int(head[74:90])
    sha, size = file_sha256(path, skip=HEADER_SIZE)
    if size != want_size:
        return f"it holds {size:,} bytes, not the {want_size:,} of its header"
    if sha != want_sha:
        return "its content does not match its checksum"
    return None


def _touch(path: Path) -> None:
    try:
        os.utime(path)  # "last used" for prune --older-than
    except OSError:
        pass  # a read-only cache is still readable


class StageCache:
    """Get and put stage outputs by key; ``enabled=False`` makes every lookup a miss.

    ``notes`` collects one sentence per damaged entry found (and recomputed), for the
    report's data section.
    """

    MISSING = _MISSING

    def __init__(self, root: Path, *, enabled: bool = True) -> None:
        self.root = Path(root)
        self.enabled = enabled
        self.hits: dict[str, bool] = {}
        self.notes: list[str] = []

    @staticmethod
    def key(name: str, version: str, options: dict[str, object], *deps: str) -> str:
        """The cache key of stage ``name``: version, options and upstream keys hashed."""
        return content_hash(name, version, options, *deps)

    def _path(self, name: str, key: str, suffix: str = ".pkl") -> Path:
        return self.root / f"{name}-{key[:24]}{suffix}"

    def _damaged(self, path: Path, why: str) -> None:
        self.notes.append(
            f"Stage cache entry {path} was damaged ({why}); it was discarded and computed again."
        )
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def _verified(self, path: Path, *, legacy: bool = False) -> bool:
        """Whether the sealed entry ``path`` exists and is whole (a bad one is noted).

        ``legacy``: a file starting as a bare pickle was written by an older version,
        without a checksum: a plain miss (recomputed and overwritten), not damage."""
        if not self.enabled or not path.is_file():
            return False
        with open(path, "rb") as fh:
            first = fh.read(1)
        if legacy and first == b"\x80":
            return False
        why = check_sealed(path)
        if why is not None:
            self._damaged(path, why)
            return False
        return True

    def get(self, name: str, key: str) -> object:
        """The stored value, or :attr:`MISSING` when absent, disabled, damaged or stale."""
        path = self._path(name, key)
        if not self._verified(path, legacy=True):
            return _MISSING
        try:
            with open(path, "rb") as fh:
                fh.seek(HEADER_SIZE)
                value = pickle.load(fh)
        except (AttributeError, ImportError):
            return _MISSING  # whole, but of classes that moved: recomputed and overwritten
        _touch(path)
        return value

    def put(self, name: str, key: str, value: object) -> None:
        """Store ``value`` under (name, key), atomically, with its checksum."""
        if not self.enabled:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        _write_sealed(
            self._path(name, key),
            lambda out: _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value),
        )

    def put_file(self, name: str, key: str, source: Path) -> None:
        """Store a copy of the file ``source`` under (name, key), with its checksum."""
        if not self.enabled:
            return
        self.root.mkdir(parents=True, exist_ok=True)

        def fill(out: _HashingWriter) -> None:
            with open(source, "rb") as src:
                for block in iter(lambda: src.read(1 << 22), b""):
                    out.write(block)

        _write_sealed(self._path(name, key, ".file"), fill)

    def get_file(self, name: str, key: str, dest: Path) -> bool:
        """Copy the file stored under (name, key) to ``dest``; False (a miss) when absent,
        disabled or damaged."""
        path = self._path(name, key, ".file")
        if not self._verified(path):
            return False
        tmp = Path(dest).with_name(f"{Path(dest).name}.tmp{os.getpid()}")
        with open(path, "rb") as src, open(tmp, "wb") as out:
            src.seek(HEADER_SIZE)
            shutil.copyfileobj(src, out, 1 << 22)
        os.replace(tmp, dest)
        _touch(path)
        return True

    def put_files(self, name: str, key: str, folder: Path) -> None:
        """Store a copy of every file under ``folder`` (name, key), with a manifest of
        their sizes and sha256; atomically."""
        if not self.enabled:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        store = self._path(name, key, ".dir")
        tmp = store.with_name(f"{store.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(folder, tmp / "files")
        files = {}
        for f in sorted(p for p in (tmp / "files").rglob("*") if p.is_file()):
            sha, size = file_sha256(f)
            files[f.relative_to(tmp / "files").as_posix()] = {"size": size, "sha256": sha}
        (tmp / MANIFEST).write_text(json.dumps({"version": 1, "files": files}, indent=1))
        shutil.rmtree(store, ignore_errors=True)  # a damaged or older copy
        try:
            os.replace(tmp, store)
        except OSError:  # another process stored the same entry in between
            shutil.rmtree(tmp, ignore_errors=True)

    def get_files(self, name: str, key: str, dest: Path) -> bool:
        """Copy the files stored under (name, key) into ``dest`` after checking each one
        against the manifest; False (a miss, nothing copied) when absent, disabled or
        damaged."""
        store = self._path(name, key, ".dir")
        if not self.enabled or not store.is_dir():
            return False
        why = None
        try:
            files = json.loads((store / MANIFEST).read_text())["files"]
        except (OSError, ValueError, KeyError, TypeError):
            files, why = {}, f"its {MANIFEST} is missing or unreadable"
        for rel, meta in files.items():
            f = store / "files" / rel
            if not f.is_file():
                why = f"{rel} is missing"
            elif file_sha256(f) != (meta.get("sha256"), meta.get("size")):
                why = f"{rel} does not match its checksum"
            if why:
                break
        if why is not None:
            self._damaged(store, why)
            return False
        dest = Path(dest)
        for rel in files:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(store / "files" / rel, dest / rel)
        _touch(store)
        return True

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
