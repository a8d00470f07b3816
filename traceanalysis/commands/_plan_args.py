"""The flags every plan-based command shares (``report``, ``grade``, ``lexical``,
``behaviors``, ``judge``) and the :class:`~traceanalysis.pipeline.ReportOptions` they make.

One name per concept: ``--workers`` (worker processes), ``--grade-timeout`` (CPU seconds
per answer), ``--cache`` (the SQLite file; the stage cache sits beside it), ``--out``
(the output folder). Every command runs the same plan through the stage cache, so a
``grade`` followed by a ``report`` grades once.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from traceanalysis.commands._common import add_cache_argument, parse_columns, parse_roles
from traceanalysis.errors import InputError

if TYPE_CHECKING:
    from traceanalysis.pipeline import ReportOptions


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a number above 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """``--cache``, ``--no-stage-cache``, ``--executor``, ``--workers``, ``--follow-links``,
    ``--plugin``."""
    add_cache_argument(parser)
    add = parser.add_argument
    add("--no-stage-cache", action="store_true", help="recompute every stage")
    add("--executor", choices=("local", "ray"), default="local",
        help="where per-row stages run: local (this machine's cores) or ray (Ray Data; "
        'pip install -e ".[ray]")')  # fmt: skip
    add("--workers", type=positive_int, default=None,
        help="worker processes (default: every available core)")  # fmt: skip
    add("--follow-links", action="store_true",
        help="read symlinks that point outside the runs folder")  # fmt: skip
    add("--plugin", action="append", default=None, metavar="MODULE",
        help="import MODULE (its @traceanalysis.stage / @traceanalysis.table functions join "
        "the plan); repeatable")  # fmt: skip


def add_grading_arguments(parser: argparse.ArgumentParser) -> None:
    """``--grader``, ``--grade-timeout``, ``--strict-sets``, ``--reference``, ``--k``,
    ``--seed``."""
    from traceanalysis.commands.grade import add_grader_argument, add_k_argument

    add_grader_argument(parser)
    add = parser.add_argument
    add("--grade-timeout", type=positive_float, default=5.0,
        help="CPU seconds of math-verify per unique answer; past it the answer is "
        "'unverified', never wrong")  # fmt: skip
    add("--strict-sets", action="store_true", help='"find all" answers must give the whole set')
    add("--reference", default=None, help="run whose success rates define difficulty bins")
    add("--step", action="append", default=None, metavar="RUN=N",
        help="the training step of a checkpoint run (training dynamics), over run.json; "
        "repeatable or comma-separated")  # fmt: skip
    add("--seed", type=int, default=0, help="seed of bootstrap CIs and example choice")
    add_k_argument(parser)


def add_lexical_arguments(parser: argparse.ArgumentParser) -> None:
    """``--lexicons``, ``--tokenizer``, ``--part``."""
    add = parser.add_argument
    add("--lexicons", default=None, help="folder of extra lexicon YAML files (default: shipped)")
    add("--tokenizer", default=None,
        help="reference tokenizer: a tiktoken name (default cl100k_base) or a path to a "
        "Hugging Face tokenizer")  # fmt: skip
    add("--part", choices=("all", "reasoning", "final"), default="all",
        help="count in the whole response, the <think> reasoning, or the final part")  # fmt: skip


def check_out(path: str | Path | None) -> None:
    """Refuse an ``--out`` that exists and is not a folder, before any analysis runs."""
    if path is not None and Path(path).exists() and not Path(path).is_dir():
        raise InputError("--out: exists and is not a folder", file=str(path))


def report_options(args: argparse.Namespace, **overrides: object) -> ReportOptions:
    """The :class:`ReportOptions` of a plan-based command's parsed arguments (flags a
    command does not have keep their defaults); ``overrides`` win."""
    from traceanalysis.commands.grade import grader_spec, parse_k_argument
    from traceanalysis.grading.selection import check_spec
    from traceanalysis.metrics.dynamics import parse_steps
    from traceanalysis.pipeline import ReportOptions

    def get(name: str, default: object = None) -> object:
        return getattr(args, name, default)

    from traceanalysis.engine.plugins import load_plugins

    load_plugins(list(get("plugin") or []))  # a plugin may register a grader
    grader = grader_spec(get("grader"))
    check_spec(grader)  # a misspelt grader fails before loading
    fields: dict[str, object] = {
        "reference": get("reference"),
        "lexicons": get("lexicons"),
        "tokenizer": get("tokenizer"),
        "lexical_part": get("part", "all"),
        "cache": get("cache"),
        "columns": parse_columns(get("columns")),
        "roles": parse_roles(get("role")),
        "source_metric": get("source_metric"),
        "quiet": bool(get("quiet", False)),
        "workers": get("workers"),
        "grade_timeout": get("grade_timeout", 5.0),
        "strict_sets": bool(get("strict_sets", False)),
        "grader": grader,
        "seed": get("seed", 0),
        "ks": parse_k_argument(get("k")),
        "stage_cache": not get("no_stage_cache", False),
        "executor": get("executor", "local"),
        "follow_links": bool(get("follow_links", False)),
        "plugins": list(get("plugin") or []),
        "score_model": get("score_model"),
        "score_name": get("score_name"),
        "score_batch_size": get("score_batch_size", 16),
        "steps": parse_steps(get("step")),
    }
    fields.update(overrides)
    return ReportOptions(**fields)  # type: ignore[arg-type]
