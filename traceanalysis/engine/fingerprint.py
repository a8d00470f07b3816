"""Fingerprints of input files: what the load stage's cache key hashes.

A fingerprint lists (relative path, size, sha256 of the content) of every non-hidden file
under a runs folder. Symlinked run folders and files are followed, so data edited behind
a link changes the fingerprint (and the report is recomputed). A link whose target
leaves the runs folder is refused unless ``follow_links=True`` (the ``--follow-links``
flag): the report would otherwise depend on files the user did not point it at. A link
back to a folder being walked (a cycle) is not entered again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath

from traceanalysis.errors import InputError

Entry = tuple[str, int, str]


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _outside(link: Path, root: Path, follow_links: bool) -> None:
    """Raise InputError when the symlink ``link`` resolves outside ``root``."""
    target = link.resolve()
    if follow_links or target == root or target.is_relative_to(root):
        return
    raise InputError(
        f"symlink to {target}, outside the runs folder {root}; pass --follow-links to read it",
        file=str(link),
    )


def _dir_id(path: str) -> tuple[int, int]:
    st = os.stat(path)  # follows links: the folder itself
    return st.st_dev, st.st_ino


def _walk(root: Path, follow_links: bool) -> list[tuple[str, Path]]:
    """(relative posix path, path) of every non-hidden file under ``root``, links followed."""
    real_root = root.resolve()
    found: list[tuple[str, Path]] = []
    ancestors: dict[str, frozenset[tuple[int, int]]] = {str(root): frozenset({_dir_id(root)})}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        above = ancestors.pop(dirpath)
        kept = []
        for name in sorted(dirnames):
            child = Path(dirpath, name)
            if name.startswith("."):
                continue
            if child.is_symlink():
                _outside(child, real_root, follow_links)
            ident = _dir_id(str(child))
            if ident in above:
                continue  # a link back to a folder being walked: a cycle
            ancestors[str(child)] = above | {ident}
            kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            if name.startswith("."):
                continue
            path = Path(dirpath, name)
            if path.is_symlink():
                _outside(path, real_root, follow_links)
            found.append((path.relative_to(root).as_posix(), path))
    return found


def file_fingerprint(path: Path, *, follow_links: bool = False) -> list[Entry]:
    """(relative path, size, sha256) of every non-hidden file under ``path``, sorted.

    ``path`` may itself be a link (to a folder or a file). Links inside it are followed;
    one whose target is outside ``path`` raises :class:`InputError` unless
    ``follow_links``. A broken link is listed with size -1 and its target as the hash
    (fixing the link changes the fingerprint).
    """
    path = Path(path)
    if not path.is_dir():
        if not path.exists():
            raise InputError("no such file or folder", file=str(path))
        return [(path.name, path.stat().st_size, _sha256(path))]
    out: list[Entry] = []
    for rel, f in _walk(path, follow_links):
        if not f.exists():
            out.append((rel, -1, f"broken link to {os.readlink(f)}"))
            continue
        out.append((rel, f.stat().st_size, _sha256(f)))
    # sorted as paths (part by part), the order earlier fingerprints used
    return sorted(out, key=lambda e: PurePosixPath(e[0]).parts)
