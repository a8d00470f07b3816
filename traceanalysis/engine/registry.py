"""One registry of named, versioned stages: what the plan is made of.

Every step of the analysis is a registered stage: a pure function of the samples table.

- ``kind="rows"``: a batch of rows in, the same rows with the ``adds`` columns out; each
  row's output depends on that row and the options only, so the executor may run the
  batches anywhere (this process, worker processes, Ray Data ``map_batches``).
- ``kind="corpus"``: a reduce over every row's (text-free) features: a table, a dict of
  tables, or a value other stages ``need`` (e.g. the reference run).

A stage's version is one mechanism everywhere (:mod:`traceanalysis.engine.versioning`): the
hash of its source, the declared label included. Outside modules register stages and
tables with the same decorators (``traceanalysis.stage`` / ``traceanalysis.table``).
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

StageFunc = Callable[..., Any]
Kind = Literal["source", "rows", "corpus"]

# The packages whose import registers the built-in stages, in plan order.
BUILTIN_MODULES = (
    "traceanalysis.io.stages",
    "traceanalysis.grading.stages",
    "traceanalysis.metrics.stages",
    "traceanalysis.lexical.stages",
    "traceanalysis.behaviors.stages",
    "traceanalysis.score.stages",
    "traceanalysis.audit_stages",
    "traceanalysis.metrics.dynamics_stages",
    "traceanalysis.report.stages",
)


@dataclass(frozen=True)
class Stage:
    """A registered stage: name, declared version label, kind, columns, options, function.

    ``reads``/``adds`` may hold glob patterns (``lex_*``) for column families whose names
    depend on the data (one column per lexicon). ``needs`` names stages whose value the
    function receives as a keyword argument of the same name; ``options`` names the run
    options it receives. ``combine`` (rows stages): the function returns ``(frame,
    partial)`` and ``combine(partials)`` gives the stage's value. ``executor="own"``: the
    stage runs its own workers (grading's deadline pool, a judge's HTTP calls), in this
    process. ``table``: the value is written to ``tables/`` (CSV + LaTeX). ``runtime``:
    run options the function receives that do not change its output (``workers``,
    ``cache``, ``quiet``), so they stay out of the cache key. ``key(options)``: what of the
    options goes into the cache key (e.g. a lexicon folder's content hash, not its path);
    default: the options themselves. ``keep(value)`` False: the output is not stored (a
    judge run with failed labels is asked again next time) and downstream stages key on
    the output's own values. ``phase="report"``: run when the report folder is written
    (figures), after the analysis.
    """

    name: str
    label: str
    func: StageFunc
    kind: Kind = "rows"
    reads: tuple[str, ...] = ()
    adds: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    combine: Callable[[list[Any]], Any] | None = None
    executor: Literal["shared", "own"] = "shared"
    table: bool = False
    batch_rows: int | None = None
    runtime: tuple[str, ...] = ()
    key: Callable[[dict[str, Any]], Any] | None = None
    keep: Callable[[Any], bool] | None = None
    phase: Literal["analysis", "report"] = "analysis"
    builtin: bool = True
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """``label+hash``: the declared label and the hash of the stage's source."""
        from traceanalysis.engine.versioning import source_hash

        return f"{self.label}+{source_hash(self.func.__module__)[:10]}"

    def __call__(self, df: pd.DataFrame, **options: Any) -> Any:
        return self.func(df, **options)


class StageNameClash(ValueError):
    """Two functions registered under one stage name (e.g. a plugin reusing a built-in's)."""


_REGISTRY: dict[str, Stage] = {}
_LOADED: list[bool] = []


def stage(
    name: str,
    version: str = "1",
    *,
    reads: tuple[str, ...] | list[str] = (),
    adds: tuple[str, ...] | list[str] = (),
    kind: Kind = "rows",
    options: tuple[str, ...] | list[str] = (),
    needs: tuple[str, ...] | list[str] = (),
    combine: Callable[[list[Any]], Any] | None = None,
    executor: Literal["shared", "own"] = "shared",
    batch_rows: int | None = None,
    table: bool = False,
    runtime: tuple[str, ...] | list[str] = (),
    key: Callable[[dict[str, Any]], Any] | None = None,
    keep: Callable[[Any], bool] | None = None,
    phase: Literal["analysis", "report"] = "analysis",
) -> Callable[[StageFunc], StageFunc]:
    """Register ``func`` as the stage ``name``; returns ``func`` unchanged.

    ``version`` is a label that goes into the stage's version together with the hash of
    its source, so editing the code invalidates cached output by itself. A name already
    registered by another function is an error (two stages, one name).
    """
    if kind not in ("source", "rows", "corpus"):
        raise ValueError(f"stage {name!r}: kind must be 'rows' or 'corpus', got {kind!r}")
    if executor not in ("shared", "own"):
        raise ValueError(f"stage {name!r}: executor must be 'shared' or 'own'")

    def register(func: StageFunc) -> StageFunc:
        doc = (func.__doc__ or "").strip().splitlines()
        old = _REGISTRY.get(name)
        if old is not None and _qualname(old.func) != _qualname(func):
            raise StageNameClash(
                f"stage {name!r} is registered twice: {_qualname(old.func)} and {_qualname(func)}"
            )
        _REGISTRY[name] = Stage(
            name=name,
            label=str(version),
            func=func,
            kind=kind,
            reads=tuple(reads),
            adds=tuple(adds),
            options=tuple(options),
            needs=tuple(needs),
            combine=combine,
            executor=executor,
            table=table,
            batch_rows=batch_rows,
            runtime=tuple(runtime),
            key=key,
            keep=keep,
            phase=phase,
            builtin=func.__module__.startswith("traceanalysis."),
            description=doc[0] if doc else "",
        )
        func.stage_name = name  # type: ignore[attr-defined]
        return func

    return register


def table(
    name: str,
    version: str = "1",
    *,
    reads: tuple[str, ...] | list[str] = ("*",),
    needs: tuple[str, ...] | list[str] = (),
    options: tuple[str, ...] | list[str] = (),
) -> Callable[[StageFunc], StageFunc]:
    """Register a table: a corpus stage whose DataFrame (or dict of DataFrames) goes to
    ``tables/`` as CSV and LaTeX. The function gets the text-free samples table."""
    return stage(
        name, version, reads=reads, kind="corpus", needs=needs, options=options, table=True
    )


def _qualname(func: StageFunc) -> str:
    return f"{func.__module__}.{getattr(func, '__qualname__', func)}"


def get_stage(name: str) -> Stage:
    """The registered stage ``name``; KeyError with the closest names when unknown."""
    load_builtin_stages()
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown stage {name!r}{hint} (known: {', '.join(_REGISTRY)})") from None


def list_stages() -> list[Stage]:
    """Every registered stage in plan order: the built-in stages module by module in the
    order of :data:`BUILTIN_MODULES` (whatever order they were imported in), then outside
    ones; within a module, in registration order."""
    load_builtin_stages()
    rank = {m: i for i, m in enumerate(BUILTIN_MODULES)}
    order = list(_REGISTRY.values())
    return sorted(order, key=lambda s: (rank.get(s.func.__module__, len(rank)), order.index(s)))


def load_builtin_stages() -> None:
    """Import the modules that register the built-in stages (once)."""
    if _LOADED:
        return
    _LOADED.append(True)
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
