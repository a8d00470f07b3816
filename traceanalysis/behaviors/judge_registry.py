"""One registry of judge backends: ``openai``, ``hf`` and any plugin's.

Like the graders' registry (:mod:`traceanalysis.grading.registry`): a backend registers
itself under a prefix with :func:`judge_backend`, and ``--judge PREFIX:SPEC`` picks it.
The built-in backends are *lazy* entries (module and class name), imported only when
first asked for, so ``--judge openai:...`` never imports torch. An unknown prefix raises
:class:`UnknownJudgeBackend` naming the closest known ones.

A backend is a class (or any callable) ``factory(config, prompt)`` whose object has
``judge_id`` (a string naming everything that decides its answers: it is part of every
label's cache key), ``calls`` (requests made so far), ``describe()`` (a dict for the
manifest) and ``run(requests, on_result)``, which calls ``on_result(request, result)``
once per request with a :class:`~traceanalysis.behaviors.judge_types.JudgeResult`.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from traceanalysis.errors import InputError

Factory = TypeVar("Factory", bound=Callable[..., Any])

# Built-in backends, imported on first use: prefix -> (module, attribute).
_LAZY: dict[str, tuple[str, str]] = {
    "openai": ("traceanalysis.behaviors.judge_openai", "OpenAIJudge"),
    "hf": ("traceanalysis.behaviors.judge_hf", "HFJudge"),
}
# What a backend object must have (judge.py reads each of them).
REQUIRED = ("judge_id", "calls", "describe", "run")


@dataclass(frozen=True)
class JudgeBackend:
    """A registered backend: its prefix, factory, declared version and whether it ships
    with the package (a plugin's version goes into the judge's identity and label keys)."""

    prefix: str
    factory: Callable[..., Any]
    version: str | None = None
    builtin: bool = False


class UnknownJudgeBackend(InputError):
    """A ``--judge`` prefix that no backend registered (the message suggests the closest)."""


_REGISTRY: dict[str, JudgeBackend] = {}


def judge_backend(prefix: str, *, version: str = "1") -> Callable[[Factory], Factory]:
    """Register ``factory`` (a class or callable of ``(config, prompt)``) as the judge
    backend ``prefix``; returns it unchanged. ``--judge PREFIX:SPEC`` then uses it, with
    ``SPEC`` as ``config.target``.

    Bump ``version`` whenever the backend's answers for the same request change: it is
    part of the judge's identity and of every label's cache key, so old labels are not
    reused. (``judge_id`` is too: put the model or endpoint in it.)
    """
    if not prefix or not prefix.isidentifier() or prefix == "none":
        raise ValueError(f"judge backend prefix {prefix!r}: must be a name other than 'none'")

    def register(factory: Factory) -> Factory:
        old = _REGISTRY.get(prefix)
        if prefix in _LAZY or (old is not None and old.factory is not factory):
            raise ValueError(f"judge backend {prefix!r} is already registered")
        _REGISTRY[prefix] = JudgeBackend(prefix, factory, str(version), builtin=False)
        return factory

    return register


def backend_names() -> list[str]:
    """Every known backend prefix (built-in and registered), sorted."""
    return sorted(set(_LAZY) | set(_REGISTRY))


def get_backend(prefix: str) -> JudgeBackend:
    """The backend registered as ``prefix``, importing a built-in one on first use.

    Raises :class:`UnknownJudgeBackend` (``did you mean ...?``) for an unknown prefix.
    """
    if prefix not in _REGISTRY and prefix in _LAZY:
        module, name = _LAZY[prefix]
        factory = getattr(importlib.import_module(module), name)
        _REGISTRY[prefix] = JudgeBackend(prefix, factory, None, builtin=True)
    try:
        return _REGISTRY[prefix]
    except KeyError:
        known = backend_names()
        close = difflib.get_close_matches(prefix, known, n=2, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownJudgeBackend(
            f"--judge: unknown judge backend {prefix!r}{hint} (known: {', '.join(known)}; "
            "a plugin adds one with @judge_backend)"
        ) from None


def parse_judge_spec(spec: str, *, allow_none: bool = False) -> tuple[str, str]:
    """Split ``PREFIX:SPEC`` (``openai:MODEL``, ``hf:PATH``, a plugin's) into ``(prefix,
    target)``; InputError when there is no prefix or target, UnknownJudgeBackend when the
    prefix is not registered. ``allow_none``: the message mentions ``none`` (``report``)."""
    prefix, sep, target = spec.partition(":")
    if not sep or not prefix or not target:
        others = sorted(set(backend_names()) - {"openai", "hf"})
        extra = f" (or {', '.join(f'{p}:SPEC' for p in others)})" if others else ""
        none = "none, " if allow_none else ""
        raise InputError(f"--judge: expected {none}openai:MODEL or hf:PATH{extra}, got {spec!r}")
    get_backend(prefix)
    return prefix, target


def make_backend_object(config: Any, prompt: Any) -> Any:
    """The backend object for ``config.judge``; InputError if a plugin's object lacks one
    of :data:`REQUIRED` (caught here, not mid-run)."""
    entry = get_backend(config.backend)
    backend = entry.factory(config, prompt)
    missing = [name for name in REQUIRED if not hasattr(backend, name)]
    if missing:
        where = getattr(entry.factory, "__module__", "?")
        lacks = ", ".join(missing)
        raise InputError(
            f"judge backend {entry.prefix!r} ({where}) gives an object without {lacks}"
        )
    return backend
