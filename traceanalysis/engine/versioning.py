"""A stage's version: the hash of its source (one mechanism for every stage).

The hash covers the module that defines the stage function and every module of the
package it imports, transitively (found by reading the ``import`` statements and the
module names of lazy registry entries, without importing anything), plus the data files those packages ship (lexicon YAML, behaviour
definitions, prompts). Editing a reader, a grader, a table function or a word list thus
changes the version of every stage that uses it, and their cached output is recomputed.
The runtime itself (``traceanalysis.engine``) is left out: it moves data, it does not
change it. A module outside the package (a plugin) is hashed with what it imports of the
package.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import re
from pathlib import Path

_PACKAGE = "traceanalysis"
_RUNTIME = "traceanalysis.engine"
_LAZY = re.compile(r"traceanalysis(\.[a-z_][a-z0-9_]*)+")
_DATA_SUFFIXES = (".yaml", ".yml", ".txt", ".jinja", ".j2", ".json")


@functools.cache
def _origin(module: str) -> Path | None:
    """The source file of ``module`` without importing it (None: not a source module)."""
    head, _, rest = module.partition(".")
    if head == _PACKAGE:
        base = (
            Path(__file__).resolve().parents[1].joinpath(*rest.split("."))
            if rest
            else (Path(__file__).resolve().parents[1])
        )
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return path
        return None
    try:  # a plugin module outside the package: its spec, found without running it
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


@functools.cache
def _imported(module: str, path: Path) -> frozenset[str]:
    """The package's modules that ``module`` (source at ``path``) imports."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # a lazy registry entry ("traceanalysis.x.y"), except the top-level package's
            # curated exports: every module imports it (as the parent of its own package),
            # and following them would tie every stage's version to nearly every module
            if module != _PACKAGE and _LAZY.fullmatch(node.value):
                found.add(node.value)
    return frozenset(m for m in found if m == _PACKAGE or m.startswith(_PACKAGE + "."))


def _closure(module: str) -> dict[str, Path]:
    seen: dict[str, Path] = {}
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen or name == _RUNTIME or name.startswith(_RUNTIME + "."):
            continue
        path = _origin(name)
        if path is None:
            continue
        seen[name] = path
        todo.extend(_imported(name, path))
        parent = name.rpartition(".")[0]
        if parent.startswith(_PACKAGE):
            todo.append(parent)  # importing a.b.c runs a/b/__init__.py too
    return seen


def _data_files(paths: dict[str, Path]) -> list[Path]:
    folders = {p.parent for p in paths.values() if p.name == "__init__.py"}
    files: set[Path] = set()
    for folder in folders:
        for sub in folder.iterdir():
            if sub.is_dir() and not (sub / "__init__.py").exists():
                files.update(f for f in sub.rglob("*") if f.suffix in _DATA_SUFFIXES)
            elif sub.suffix in _DATA_SUFFIXES:
                files.add(sub)
    return sorted(files)


@functools.cache
def source_hash(module: str) -> str:
    """sha256 of ``module``'s source, the package modules it imports (transitively) and
    the data files of those packages."""
    paths = _closure(module)
    digest = hashlib.sha256()
    for name in sorted(paths):
        digest.update(name.encode() + b"\0" + paths[name].read_bytes() + b"\0")
    for data in _data_files(paths):
        digest.update(data.as_posix().rsplit("/traceanalysis/", 1)[-1].encode() + b"\0")
        digest.update(data.read_bytes() + b"\0")
    return digest.hexdigest()


def clear_version_cache() -> None:
    """Forget the computed hashes (after a module's source changed in this process)."""
    source_hash.cache_clear()
    _origin.cache_clear()
    _imported.cache_clear()
