"""The ``[view]`` extra: a missing Starlette, uvicorn or DuckDB fails with the install command."""

from __future__ import annotations

import importlib
from types import ModuleType

from traceanalysis.errors import InputError

INSTALL = 'pip install -e ".[view]"'
PACKAGES = ("starlette", "uvicorn", "duckdb")


def require(name: str) -> ModuleType:
    """Import ``name`` (one of :data:`PACKAGES` or a submodule), or fail with the install line."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] not in PACKAGES:
            raise  # a dependency of an installed package is broken: show that, not the hint
        raise InputError(
            f"view needs {exc.name.split('.')[0]}, which is not installed: {INSTALL} "
            '(or pip install "traceanalysis[view]")'
        ) from None


def check() -> None:
    """Fail early, before any analysis, when one of the extra's packages is missing."""
    for name in PACKAGES:
        require(name)
