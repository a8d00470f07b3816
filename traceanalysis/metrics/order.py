"""One display order for runs everywhere: base, rl, distilled, other (DESIGN.md).

Within a role, runs keep the order they are given in (the loader's order of the runs
folder), so the same runs appear in the same order in every table, figure and CLI output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from traceanalysis.schema import ROLES, RunInfo


def _role_rank(role: object) -> int:
    return ROLES.index(str(role)) if str(role) in ROLES else len(ROLES)


def role_order(
    runs: Iterable[RunInfo | str] | pd.DataFrame, roles: Mapping[str, str] | None = None
) -> list[str]:
    """Run names in display order: by role (base, rl, distilled, other, then unknown roles),
    stable within a role (the order given; for a DataFrame, order of first appearance).

    ``runs`` is a list of :class:`RunInfo`, a list of names with ``roles`` (name -> role),
    or a table with a ``run`` column (and a ``role`` column, else ``roles``/attrs).
    """
    if isinstance(runs, pd.DataFrame):
        names = [str(r) for r in pd.unique(runs["run"].astype(str))]
        found = dict(roles or {})
        if "role" in runs.columns:
            pairs = runs[["run", "role"]].drop_duplicates("run")
            found |= {str(a): str(b) for a, b in zip(pairs["run"], pairs["role"], strict=True)}
        for name, info in dict(runs.attrs.get("runs") or {}).items():
            role = getattr(info, "role", None) or (
                info.get("role") if isinstance(info, dict) else None
            )
            found.setdefault(str(name), str(role))
        return sorted(names, key=lambda n: _role_rank(found.get(n)))
    items = list(runs)
    names = [i.name if isinstance(i, RunInfo) else str(i) for i in items]
    found = {i.name: i.role for i in items if isinstance(i, RunInfo)} | dict(roles or {})
    unique = list(dict.fromkeys(names))
    return sorted(unique, key=lambda n: _role_rank(found.get(n)))


def in_role_order(table: pd.DataFrame, order: list[str], column: str = "run") -> pd.DataFrame:
    """``table`` with its rows sorted by ``order`` of ``column`` (stable: rows of one run keep
    their order; runs not in ``order`` go last in their order of appearance)."""
    if table is None or column not in table.columns or table.empty:
        return table
    rank = {name: i for i, name in enumerate(order)}
    values = table[column].astype(str)
    extra = {n: len(rank) + i for i, n in enumerate(pd.unique(values[~values.isin(rank)]))}
    keys = values.map(lambda v: rank.get(v, extra.get(v, len(rank))))
    out = table.iloc[keys.to_numpy().argsort(kind="stable")].reset_index(drop=True)
    out.attrs = table.attrs
    return out


def run_infos(df: pd.DataFrame) -> list[RunInfo]:
    """The runs of the samples table in display order (base, rl, distilled, other; stable
    within a role), from ``df.attrs["runs"]`` (a RunInfo guessed from the name if absent)."""
    known = df.attrs.get("runs", {})
    names = [str(r) for r in pd.unique(df["run"])]
    infos = [known.get(n) or RunInfo(name=n) for n in names]
    infos = [RunInfo(**i) if isinstance(i, dict) else i for i in infos]
    return sorted(infos, key=lambda i: _role_rank(i.role))


def comparison_pairs(runs: list[RunInfo], reference: str | None) -> list[tuple[str, str]]:
    """(a, b) pairs to compare, a against b, the seed papers' comparisons first."""
    by_role: dict[str, list[str]] = {}
    for r in runs:
        by_role.setdefault(r.role, []).append(r.name)
    pairs: list[tuple[str, str]] = []
    if all(by_role.get(k) for k in ("base", "rl", "distilled")):
        pairs += [(rl, by_role["base"][0]) for rl in by_role["rl"]]
        pairs += [(d, by_role["rl"][0]) for d in by_role["distilled"]]
    if reference is not None:
        pairs += [(r.name, reference) for r in runs if r.name != reference]
    unique: list[tuple[str, str]] = []
    for a, b in pairs:
        if (a, b) not in unique and (b, a) not in unique:
            unique.append((a, b))
    return unique
