"""The bookkeeping behind problem matching: components of matched problems, id groups.

A node is one problem of one run (a (run, problem_id) pair). Matching joins nodes into
components; a component never holds two problems of the same run, so matching can never
make two of a run's problems one (which would collide their samples).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pandas as pd


class Components:
    """Union-find over problem nodes, refusing a join that would put one run in twice."""

    def __init__(self, runs: list[str]) -> None:
        self._parent = list(range(len(runs)))
        self._runs = [{run} for run in runs]

    def find(self, node: int) -> int:
        """The representative node of ``node``'s component."""
        parent = self._parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(self, a: int, b: int) -> bool:
        """Join the components of ``a`` and ``b``; False (nothing joined) when both
        already hold a problem of the same run."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self._runs[ra] & self._runs[rb]:
            return False
        if len(self._runs[ra]) < len(self._runs[rb]):
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._runs[ra] |= self._runs[rb]
        self._runs[rb] = set()
        return True

    def snapshot(self) -> list[int]:
        """The component of every node, in node order."""
        return [self.find(i) for i in range(len(self._parent))]


def id_groups(nodes: pd.DataFrame) -> dict[str, int]:
    """Group runs whose problem ids overlap (transitively): run name -> group number.

    ``nodes`` has one row per (run, problem_id). A run sharing no id with any other run is
    a group of its own. Vectorised: only the distinct pairs of runs are looped over.
    """
    run_names = list(dict.fromkeys(nodes["run"].tolist()))
    parent = {run: run for run in run_names}

    def find(run: str) -> str:
        while parent[run] != run:
            run = parent[run]
        return run

    first = nodes.groupby("problem_id", sort=False, observed=True)["run"].transform("first")
    pairs = pd.DataFrame({"a": first, "b": nodes["run"]}).drop_duplicates()
    for a, b in zip(pairs["a"].tolist(), pairs["b"].tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    numbers: dict[str, int] = {}
    return {run: numbers.setdefault(find(run), len(numbers)) for run in run_names}


def prompt_hash_id(text: str) -> str:
    """``p-`` and the first 12 hex digits of the SHA-1 of ``text``."""
    return "p-" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def unique_ids(
    candidates: pd.Series,
    priority: pd.Series,
    keys: pd.Series,
    members: Callable[[object], str],
) -> pd.Series:
    """One distinct id per component.

    ``candidates`` (indexed by component) holds each component's readable id. Where several
    components claim one id, the one with the lowest ``priority`` (the rank of the run the
    id came from) keeps it and each other gets :func:`prompt_hash_id` of its key
    (normalised prompt, or run and source id); where those collide too, of its key and its
    members (``members(component)``). No id depends on the order of the components.
    """
    out = candidates.copy()
    claimed = out.duplicated(keep=False)
    if claimed.any():
        best = priority[claimed].groupby(out[claimed]).transform("min")
        lose = best.index[priority[claimed] > best]
        out[lose] = [prompt_hash_id(k) for k in keys[lose].tolist()]
    clash = out.duplicated(keep=False)
    if clash.any():
        texts = [f"{k}\0{members(c)}" for c, k in keys[clash].items()]
        out[clash] = [prompt_hash_id(t) for t in texts]
    return out
