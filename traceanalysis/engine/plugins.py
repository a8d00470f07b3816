"""Outside stages: modules that register stages and tables with the package's decorators.

A plugin is any importable module whose functions carry ``@traceanalysis.stage(...)`` or
``@traceanalysis.table(...)``; importing it registers them, and the plan then runs them
like the built-in ones (their columns go to samples.parquet, their tables to tables/ and
the report's "Extra analyses" section). Plugins come from ``--plugin MODULE`` (a module
name, or a path to a ``.py`` file) and from the entry-point group ``traceanalysis.stages``
of installed distributions (``[project.entry-points."traceanalysis.stages"]``,
``name = "package.module"``). An import that fails is an error naming the plugin.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

from traceanalysis.engine.registry import StageNameClash
from traceanalysis.errors import InputError

GROUP = "traceanalysis.stages"


def _import(spec: str) -> str:
    """Import the plugin ``spec`` (module name or ``.py`` path); returns its module name."""
    path = Path(spec)
    if spec.endswith(".py"):
        if not path.is_file():
            raise InputError("--plugin: no such file", file=spec)
        folder = str(path.resolve().parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)  # spawned workers get sys.path: they import it too
        spec = path.stem
    try:
        importlib.import_module(spec)
    except StageNameClash as exc:
        raise InputError(f"--plugin {spec}: {exc}; rename the plugin's stage") from None
    except ModuleNotFoundError as exc:
        if exc.name is not None and spec.startswith(exc.name):
            raise InputError(f"--plugin: no module named {spec!r} (is it on PYTHONPATH?)") from None
        raise
    return spec


def load_plugins(modules: Sequence[str] = ()) -> list[str]:
    """Import ``modules`` and every module of the ``traceanalysis.stages`` entry points;
    returns the names imported (each registers its stages as it is imported)."""
    names = [_import(m) for m in modules]
    for ep in entry_points(group=GROUP):
        ep.load()
        names.append(ep.module)
    return names
