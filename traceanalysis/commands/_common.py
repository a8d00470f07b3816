"""Arguments and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from tqdm import tqdm

from traceanalysis.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")


def add_runs_arguments(parser: argparse.ArgumentParser) -> None:
    """RUNS positional, ``--columns`` mapping, ``--role RUN=ROLE`` and ``--quiet``."""
    parser.add_argument("runs", metavar="RUNS", help="a runs folder, one run folder or one file")
    parser.add_argument(
        "--columns",
        default=None,
        help="column mapping for unknown formats, e.g. problem_id=idx,response=output,gold=gt",
    )
    parser.add_argument(
        "--role",
        action="append",
        default=None,
        metavar="RUN=ROLE",
        help="set a run's role (base, rl, distilled, other) over run.json and guessing; "
        "repeatable or comma-separated, e.g. --role qwen-math=base,qwen-zero=rl",
    )
    parser.add_argument(
        "--source-metric",
        default=None,
        metavar="NAME",
        help="the input's own metric that gives source_correct (lm-eval, lighteval, "
        "inspect_ai), e.g. exact_match,flexible-extract; default: the first correctness metric",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars or chatter")


def parse_roles(values: list[str] | None) -> dict[str, str] | None:
    """Parse ``--role`` values (``RUN=ROLE``, repeatable, comma-separated) into a dict.

    Run names and roles are checked by ``load_runs``; a run named twice with two
    different roles is an InputError.
    """
    if not values:
        return None
    roles: dict[str, str] = {}
    for value in values:
        for part in value.split(","):
            run, sep, role = part.partition("=")
            run, role = run.strip(), role.strip().lower()  # RL, Base: the same roles
            if not sep or not run or not role:
                raise InputError(f"--role: expected RUN=ROLE, got {part!r}")
            if roles.get(run, role) != role:
                raise InputError(f"--role: run {run!r} given two roles ({roles[run]}, {role})")
            roles[run] = role
    return roles


def add_cache_argument(parser: argparse.ArgumentParser) -> None:
    """``--cache PATH`` for the SQLite cache file."""
    parser.add_argument(
        "--cache", default=None, help="SQLite cache file (default: user cache folder)"
    )


def parse_columns(text: str | None) -> dict[str, str] | None:
    """Parse ``problem_id=idx,response=output`` (``io.mapping.parse_columns``: escapes,
    repeated targets) into ``{"problem_id": "idx", ...}``."""
    from traceanalysis.io.mapping import parse_columns as parse

    return parse(text)


def load_runs_from_args(args: argparse.Namespace) -> pd.DataFrame:
    """``load_runs`` with the common flags: RUNS, ``--columns``, ``--role``, ``--quiet``."""
    from traceanalysis.io import load_runs

    return load_runs(
        args.runs,
        parse_columns(args.columns),
        progress=not args.quiet,
        roles=parse_roles(args.role),
        source_metric=getattr(args, "source_metric", None),
    )


def progress(items: Iterable[T], *, quiet: bool, **kwargs: object) -> Iterator[T]:
    """Wrap ``items`` in a tqdm progress bar unless ``quiet``."""
    return iter(tqdm(items, disable=quiet, **kwargs))  # type: ignore[call-overload]
