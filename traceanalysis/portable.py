"""Paths that stay valid on another machine: absolute paths written relative to the
current folder, for everything a report or a run folder records (manifest.json, run.json,
samples). A path relative to the folder a command ran in is as reproducible as the
command itself, and names no user, home folder or machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def portable_path(path: str | os.PathLike[str]) -> str:
    """An absolute path relative to the current folder (POSIX slashes); a relative path
    unchanged. ``/home/me/work/runs/a`` from ``/home/me/work`` is ``runs/a``; a path
    outside the current folder gets ``..`` steps."""
    text = os.fspath(path)
    if not os.path.isabs(text):
        return text
    try:
        return Path(os.path.relpath(text)).as_posix()
    except ValueError:  # another drive (Windows): no relative form
        return text


def portable(value: Any) -> Any:
    """``value`` with its absolute paths relative to the current folder: a string that is
    an absolute path (without white space), an ``--opt=/abs/path`` argument, any text
    naming a path under the current folder (a message, a path with spaces: the folder's
    prefix is cut), and the same inside dicts, lists and tuples; other values unchanged."""
    if isinstance(value, dict):
        return {k: portable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [portable(v) for v in value]
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or "/" not in value and "\\" not in value:
        return value
    if os.path.isabs(value) and not any(c.isspace() for c in value):
        return portable_path(value)
    head, eq, tail = value.partition("=")
    if eq and head.startswith("-") and os.path.isabs(tail) and not any(c.isspace() for c in tail):
        return f"{head}={portable_path(tail)}"
    here = os.path.join(os.getcwd(), "")
    return value.replace(here, "") if here in value else value
