"""Query parameters of ``/api/samples`` checked and turned into a parameterised WHERE clause.

Column names in the SQL come only from the table's own schema (behaviour and lexicon names
are looked up, never pasted); every value the user gives travels as a DuckDB parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_QUERY = 500


class BadRequest(ValueError):
    """A query parameter that cannot be used (answered with HTTP 400 and this message)."""


@dataclass(frozen=True)
class Facets:
    """What the table holds: the values a filter may take, and which columns exist."""

    runs: tuple[str, ...]
    roles: tuple[str, ...]
    statuses: tuple[str, ...]
    bins: tuple[str, ...]
    bin_column: str | None
    behaviors: tuple[str, ...]  # names B of behavior_B_present columns
    lexicons: tuple[str, ...]  # names L of L_present columns (not behaviours)
    has_step: bool
    columns: tuple[str, ...] = field(default=())


@dataclass
class Where:
    """A WHERE clause built from pieces, each with its parameters."""

    parts: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, sql: str, *params: Any) -> None:
        """Add one condition ``sql`` (with ``?`` placeholders) and its parameters."""
        self.parts.append(sql)
        self.params.extend(params)

    def sql(self) -> str:
        """``WHERE a AND b`` or the empty string."""
        return (" WHERE " + " AND ".join(self.parts)) if self.parts else ""


@dataclass(frozen=True)
class Query:
    """A checked /api/samples request."""

    where: Where
    search: str | None
    offset: int
    limit: int
    count: bool = True  # False: a new search's page may come before its total (null)


def quote(name: str) -> str:
    """A column name as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _values(params: Mapping[str, Sequence[str]], key: str) -> list[str]:
    """Every value of a repeatable parameter (``run=a&run=b`` or ``run=a,b`` is not split)."""
    return [v for v in params.get(key, []) if v != ""]


def _one(params: Mapping[str, Sequence[str]], key: str) -> str | None:
    values = _values(params, key)
    if len(values) > 1:
        raise BadRequest(f"{key}: give it once, got {len(values)} values")
    return values[0] if values else None


def _int(params: Mapping[str, Sequence[str]], key: str, default: int, lo: int, hi: int) -> int:
    text = _one(params, key)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{key}: expected an integer, got {text!r}") from None
    if not lo <= value <= hi:
        raise BadRequest(f"{key}: must be between {lo} and {hi}, got {value}")
    return value


def _choices(
    params: Mapping[str, Sequence[str]], key: str, allowed: Sequence[str], what: str
) -> list[str]:
    values = _values(params, key)
    for value in values:
        if value not in allowed:
            shown = ", ".join(allowed[:20]) + (" ..." if len(allowed) > 20 else "")
            raise BadRequest(f"{key}: unknown {what} {value!r}; known: {shown or 'none'}")
    return values


def _in(where: Where, column: str, values: list[str]) -> None:
    if values:
        where.add(f"{quote(column)} IN ({', '.join('?' * len(values))})", *values)


KNOWN = {
    "run", "role", "correct", "grade_status", "difficulty", "problem", "behavior", "lexicon",
    "step", "step_min", "step_max", "q", "offset", "limit", "count",
}  # fmt: skip


def parse(params: Mapping[str, Sequence[str]], facets: Facets) -> Query:
    """Check every parameter of a /api/samples request against ``facets``; BadRequest if not."""
    unknown = sorted(set(params) - KNOWN)
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]!r}; known: {', '.join(sorted(KNOWN))}")
    where = Where()
    _in(where, "run", _choices(params, "run", facets.runs, "run"))
    _in(where, "role", _choices(params, "role", facets.roles, "role"))
    _in(where, "grade_status", _choices(params, "grade_status", facets.statuses, "status"))
    bins = _choices(params, "difficulty", facets.bins, "difficulty bin")
    if bins and facets.bin_column:
        _in(where, facets.bin_column, bins)
    correct = _one(params, "correct")
    if correct is not None:
        if correct not in ("true", "false", "null"):
            raise BadRequest(f"correct: expected true, false or null, got {correct!r}")
        if "correct" not in facets.columns:
            raise BadRequest("correct: this table has no correct column (nothing graded)")
        where.add("correct IS NULL" if correct == "null" else f"correct = {correct.upper()}")
    problem = _one(params, "problem")
    if problem is not None:
        where.add("problem_id = ?", problem)
    for name in _choices(params, "behavior", facets.behaviors, "behaviour"):
        where.add(f"{quote(f'behavior_{name}_present')} = TRUE")
    for name in _choices(params, "lexicon", facets.lexicons, "lexicon"):
        where.add(f"{quote(f'{name}_present')} = TRUE")
    big = 2**62
    steps = {k: _one(params, k) for k in ("step", "step_min", "step_max")}
    if any(v is not None for v in steps.values()) and not facets.has_step:
        raise BadRequest("step: this table has no training step column")
    if steps["step"] is not None:
        where.add("step = ?", _int(params, "step", 0, -big, big))
    if steps["step_min"] is not None:
        where.add("step >= ?", _int(params, "step_min", 0, -big, big))
    if steps["step_max"] is not None:
        where.add("step <= ?", _int(params, "step_max", 0, -big, big))
    search = _one(params, "q")
    if search is not None and len(search) > MAX_QUERY:
        raise BadRequest(f"q: at most {MAX_QUERY} characters")
    offset = _int(params, "offset", 0, 0, 2**62)
    limit = _int(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    count = _one(params, "count") or "true"
    if count not in ("true", "false"):
        raise BadRequest(f"count: expected true or false, got {count!r}")
    return Query(where, search or None, offset, limit, count == "true")
