"""File names made from user-controlled names (run names, table and figure names).

A run name comes from a folder, a file stem, ``run.json`` or an OpenAI Batch ``custom_id``
such as ``Qwen/Qwen2.5-Math-7B::p0::0``; used as it is in a file name, a ``/`` would open a
folder that does not exist and ``..``, ``:`` or control characters misbehave on some
systems. :func:`safe_stem` keeps a name that is already safe unchanged (so the usual file
names, ``transitions_rlvr.csv``, stay as they are) and otherwise replaces every run of
unsafe characters by ``_`` and appends a short hash of the original name, so two names
that differ only in unsafe characters still get different files.
"""

from __future__ import annotations

import hashlib
import re

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._-]+")
MAX_STEM = 120  # characters before the hash; file systems allow 255 bytes per name
HASH_CHARS = 8


def name_hash(name: str) -> str:
    """The first HASH_CHARS hex digits of the SHA-256 of ``name`` (UTF-8)."""
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]


def is_safe_stem(name: str) -> bool:
    """True when ``name`` can be used as a file name as it is: ASCII letters, digits,
    ``.``, ``_`` and ``-`` only, starting with a letter or digit, at most MAX_STEM long."""
    return len(name) <= MAX_STEM and _SAFE.fullmatch(name) is not None


def safe_stem(name: str) -> str:
    """A file-name-safe stem for ``name``: ``name`` itself when :func:`is_safe_stem`,
    else its safe characters (unsafe runs as ``_``, cut to MAX_STEM) + ``-`` + a hash
    of the whole name. ``safe_stem("Qwen/Qwen2.5-Math-7B::p0::0")`` is
    ``"Qwen_Qwen2.5-Math-7B_p0_0-<8 hex digits>"``."""
    name = str(name)
    if is_safe_stem(name):
        return name
    readable = _UNSAFE_RUN.sub("_", name).strip("._-")[:MAX_STEM] or "name"
    return f"{readable}-{name_hash(name)}"


def safe_filename(name: str, suffix: str) -> str:
    """``safe_stem(name) + suffix`` (``suffix`` with its dot, e.g. ``".csv"``)."""
    return safe_stem(name) + suffix
