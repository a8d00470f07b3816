"""The plan: the registered stages a command runs, in order, with their dependencies.

A stage depends on an earlier stage when it reads a column that stage adds (patterns such
as ``lex_*`` match by their fixed prefix) or names it in ``needs``. A command asks for
target stages (``grade``, ``lexical``, every table for ``report``); the plan is those
targets and every stage they depend on, in registration order.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass

from traceanalysis.engine.registry import Stage, get_stage, list_stages


def _glob(pattern: str) -> str:
    return re.sub(r"<[^>]*>", "*", pattern)  # behavior_<B>_count -> behavior_*_count


def columns_overlap(read: str, added: str) -> bool:
    """Whether the column pattern ``read`` can name a column the pattern ``added`` makes."""
    read, added = _glob(read), _glob(added)
    if fnmatch.fnmatchcase(added, read) or fnmatch.fnmatchcase(read, added):
        return True
    if "*" not in read or "*" not in added:
        return False
    a, b = read.split("*", 1)[0], added.split("*", 1)[0]
    return a.startswith(b) or b.startswith(a)


def matches(column: str, patterns: Sequence[str]) -> bool:
    """Whether ``column`` is named by one of ``patterns`` (globs; ``<X>`` is a wildcard)."""
    return any(fnmatch.fnmatchcase(column, _glob(p)) for p in patterns)


@dataclass(frozen=True)
class Plan:
    """Stages in run order and, for each, the names of the stages it depends on."""

    stages: tuple[Stage, ...]
    deps: dict[str, tuple[str, ...]]

    def names(self) -> list[str]:
        """The stage names in run order."""
        return [s.name for s in self.stages]

    def __contains__(self, name: object) -> bool:
        return name in self.deps

    def describe(self) -> list[dict[str, object]]:
        """One record per stage for ``python -m traceanalysis stages``."""
        return [
            {
                "stage": s.name,
                "kind": "table" if s.table else s.kind,
                "version": s.version,
                "depends on": ", ".join(self.deps[s.name]) or "-",
                "reads": ", ".join(s.reads) or "-",
                "adds": ", ".join(s.adds) or "-",
                "options": ", ".join(s.options) or "-",
                "source": "built-in" if s.builtin else s.func.__module__,
                "description": s.description,
            }
            for s in self.stages
        ]


def _depends(stage: Stage, earlier: Stage) -> bool:
    if earlier.name in stage.needs:
        return True
    return any(columns_overlap(r, a) for r in stage.reads for a in earlier.adds)


def build_plan(targets: Sequence[str] | None = None, *, skip: Sequence[str] = ()) -> Plan:
    """The plan for ``targets`` (None: every registered stage), minus the stages in
    ``skip`` (and those that depend on them). Unknown names raise KeyError with the
    closest known names."""
    for name in [*(targets or ()), *skip]:
        get_stage(name)
    every = [s for s in list_stages() if s.name not in set(skip)]
    deps: dict[str, tuple[str, ...]] = {}
    kept: list[Stage] = []
    for i, s in enumerate(every):
        if any(n not in {e.name for e in every[:i]} for n in s.needs):
            continue  # it needs a skipped stage
        deps[s.name] = tuple(e.name for e in every[:i] if e.name in deps and _depends(s, e))
        kept.append(s)
    if targets is None:
        return Plan(tuple(kept), deps)
    wanted: set[str] = set()
    todo = [t for t in targets if t in deps]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(deps[name])
    chosen = tuple(s for s in kept if s.name in wanted)
    return Plan(chosen, {s.name: deps[s.name] for s in chosen})
