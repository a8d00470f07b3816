"""``--role RUN=ROLE``: checking the roles asked for and applying them to the runs found."""

from __future__ import annotations

import dataclasses
import difflib

from traceanalysis.errors import InputError
from traceanalysis.schema import ROLES, RunInfo


def did_you_mean(word: str, known: list[str]) -> str:
    """The closest of ``known`` as a "did you mean" suffix for a message, else ""."""
    close = difflib.get_close_matches(word, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_roles(roles: dict[str, str]) -> None:
    """Raise InputError for a role that is not one of :data:`schema.ROLES`."""
    for run, role in roles.items():
        if role not in ROLES:
            raise InputError(
                f"--role {run}={role}: unknown role {role!r} (known: {', '.join(ROLES)})"
                + did_you_mean(role, list(ROLES))
            )


def apply_roles(runs: dict[str, RunInfo], roles: dict[str, str]) -> None:
    """Set each named run's role (over run.json and guessing); unknown runs are an error."""
    for run, role in roles.items():
        if run not in runs:
            known = sorted(runs)
            raise InputError(
                f"--role {run}={role}: no run named {run!r} (runs: {', '.join(known)})"
                + did_you_mean(run, known)
            )
        runs[run] = dataclasses.replace(runs[run], role=role, role_guessed=False)
        runs[run].extra["role_source"] = "--role"
