"""Which run is the reference that difficulty bins and deltas are measured against."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from traceanalysis.errors import InputError
from traceanalysis.schema import RunInfo


def choose_reference(
    runs: Mapping[str, RunInfo] | Iterable[RunInfo], explicit: str | None = None
) -> str:
    """The reference run's name.

    Order of precedence: ``explicit`` (must name a run, else InputError), a reference
    named in a run's ``run.json`` that exists, the first run whose role is ``base``, the
    first run.
    """
    infos = list(runs.values()) if isinstance(runs, Mapping) else list(runs)
    names = [info.name for info in infos]
    if not names:
        raise InputError("no runs to choose a reference from")
    if explicit is not None:
        if explicit not in names:
            raise InputError(f"--reference {explicit!r} is not a run; runs: {', '.join(names)}")
        return explicit
    for info in infos:
        if info.reference and info.reference in names:
            return info.reference
    for info in infos:
        if info.role == "base":
            return info.name
    return names[0]
