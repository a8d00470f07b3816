"""One registry for named, versioned analysis stages.

Every analysis stage is a pure ``DataFrame -> DataFrame`` function: a batch of rows of
the samples table in, the same rows with new columns out. Registering it under a name
and a version lets the pipeline cache its output by (name, version, options, input hash)
and lets the same code run in-process, in a process pool or on Ray Data
(``map_batches``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

StageFunc = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Stage:
    """A registered stage: its name, version, the columns it reads and adds, and the function."""

    name: str
    version: str
    func: StageFunc
    reads: tuple[str, ...] = ()
    adds: tuple[str, ...] = ()
    description: str = ""
    options: dict[str, object] = field(default_factory=dict)

    def __call__(self, df: pd.DataFrame, **options: object) -> pd.DataFrame:
        return self.func(df, **options)


_REGISTRY: dict[str, Stage] = {}


def stage(
    name: str,
    version: str,
    *,
    reads: tuple[str, ...] = (),
    adds: tuple[str, ...] = (),
) -> Callable[[StageFunc], StageFunc]:
    """Register ``func`` as the stage ``name`` at ``version``; returns ``func`` unchanged.

    Bump the version whenever the stage's output for the same input changes: cached
    results of older versions are then ignored.
    """

    def register(func: StageFunc) -> StageFunc:
        doc = (func.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = Stage(
            name=name,
            version=version,
            func=func,
            reads=reads,
            adds=adds,
            description=doc[0] if doc else "",
        )
        func.stage_name = name  # type: ignore[attr-defined]
        func.stage_version = version  # type: ignore[attr-defined]
        return func

    return register


def get_stage(name: str) -> Stage:
    """Return the registered stage ``name``; raises KeyError listing the known names."""
    _load_builtin_stages()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown stage {name!r}; known: {sorted(_REGISTRY)}") from None


def list_stages() -> list[Stage]:
    """All registered stages, sorted by name."""
    _load_builtin_stages()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def _load_builtin_stages() -> None:
    # Importing the packages runs their @stage decorators.
    import importlib

    for module in ("traceanalysis.grading", "traceanalysis.lexical", "traceanalysis.behaviors"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:  # a package still being built
            if exc.name != module:
                raise
