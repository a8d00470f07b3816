"""One registry of graders: ``math``, ``text``, ``choice``, ``source`` and any plugin's.

In the style of lm-evaluation-harness's registries: a grader registers itself with the
:func:`grader` decorator; the built-in ones are *lazy* entries (a module path) imported
only when first asked for, so ``import traceanalysis`` never loads math-verify for a run
graded by text match. An unknown name raises :class:`UnknownGrader` naming the closest
known names.

A grader is a function ``func(df, **options) -> df`` that adds ``extracted`` (string),
``correct`` (boolean) and ``grade_status`` (one of :data:`traceanalysis.schema.GRADE_STATUSES`)
and sets ``out.attrs["grading"]`` with the fields of :func:`grading_attrs`. It declares
the options it uses as keyword parameters (``workers``, ``timeout``, ``strict_sets``,
``cache_path``, ``progress``); :func:`call_grader` passes only those.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from traceanalysis.errors import TraceAnalysisError

GraderFunc = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Grader:
    """A registered grader: its name, version (part of the grade stage's version) and function."""

    name: str
    version: str
    func: GraderFunc
    description: str = ""


class UnknownGrader(TraceAnalysisError, ValueError):
    """A grader name that is not registered (the message suggests the closest names)."""


_REGISTRY: dict[str, Grader] = {}
# Built-in graders, imported on first use: name -> module whose import registers it.
_LAZY: dict[str, str] = {
    "math": "traceanalysis.grading.math_grade",
    "text": "traceanalysis.grading.text_grader",
    "choice": "traceanalysis.grading.choice_grader",
    "source": "traceanalysis.grading.source_grader",
}


def grader(name: str, *, version: str) -> Callable[[GraderFunc], GraderFunc]:
    """Register ``func`` as the grader ``name`` at ``version``; returns ``func`` unchanged.

    Bump ``version`` whenever the grader's output for the same input changes: the grade
    stage's version includes it, so cached grades are recomputed.
    """

    def register(func: GraderFunc) -> GraderFunc:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"grader {name!r} is already registered")
        doc = (func.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = Grader(name, version, func, doc[0] if doc else "")
        return func

    return register


def grader_names() -> list[str]:
    """Every known grader name (built-in and registered), sorted."""
    return sorted(set(_LAZY) | set(_REGISTRY))


def get_grader(name: str) -> Grader:
    """The grader ``name``, importing a built-in one on first use.

    Raises :class:`UnknownGrader` (``did you mean ...?``) for a name nobody registered.
    """
    if name not in _REGISTRY and name in _LAZY:
        importlib.import_module(_LAZY[name])
    try:
        return _REGISTRY[name]
    except KeyError:
        known = grader_names()
        close = difflib.get_close_matches(name, known, n=2, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownGrader(f"unknown grader {name!r}{hint} (known: {', '.join(known)})") from None


def call_grader(name: str, df: pd.DataFrame, **options: object) -> pd.DataFrame:
    """Run grader ``name`` on ``df`` with the options its function accepts (others dropped)."""
    entry = get_grader(name)
    params = inspect.signature(entry.func).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        accepted = options
    else:
        accepted = {k: v for k, v in options.items() if k in params}
    return entry.func(df, **accepted)


def grading_attrs(
    name: str, version: str, *, n_responses: int, n_unique: int, **fields: object
) -> dict[str, object]:
    """The ``attrs["grading"]`` every grader reports; math-only fields default to 0 / None.

    Fields: ``grader``, ``grader_version``, ``strict_sets``, ``timeout_s``, ``cache``,
    ``n_responses``, ``n_unique`` (distinct (answer, gold) pairs judged), ``n_cached``,
    ``n_verified``, ``n_timeout``, ``n_killed``, ``worker_cpu_s``.
    """
    attrs: dict[str, object] = {
        "grader": name,
        "grader_version": version,
        "strict_sets": None,
        "timeout_s": None,
        "cache": None,
        "n_responses": n_responses,
        "n_unique": n_unique,
        "n_cached": 0,
        "n_verified": 0,
        "n_timeout": 0,
        "n_killed": 0,
        "worker_cpu_s": 0.0,
    }
    attrs.update(fields)
    return attrs
