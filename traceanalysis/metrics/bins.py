"""Difficulty bins that fit the number of samples (arXiv 2505.14216, Sec. 4).

The edges are the paper's counts out of 256 samples — 0, 1-4, 5-16, 17-32, 33-64, 65-128,
129-192, 193-256 (coarse: 0-64, 65-128, 129-192, 193-256) — applied to the success rate
c / n. Membership is decided in integers (c * 256 <= edge * n), so 4/256 never falls on
the wrong side of an edge through rounding.

At n != 256 some bins hold no possible count (at n = 8 nothing lies in 1-4/256 or
5-16/256). Such a bin is merged into the next bin up, and each kept bin is labelled by
what it holds:

- one n for every problem: the counts out of n, e.g. ``0/8``, ``1/8``, ``2/8``, ``3-4/8``,
  ``5-6/8``, ``7-8/8`` (at n = 256: ``0/256``, ``1-4/256``, ... as in the paper);
- ragged n (problems with different numbers of graded samples): the range of the rate in
  percent, lower edge excluded, e.g. ``0%``, ``0-12.5%``, ``12.5-25%`` (a bin is kept when
  it can hold a problem at any of the n values).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

PAPER_UPPER = (0, 4, 16, 32, 64, 128, 192, 256)  # inclusive upper edges, out of 256
COARSE_UPPER = (64, 128, 192, 256)
PAPER_BINS = ("0", "1-4", "5-16", "17-32", "33-64", "65-128", "129-192", "193-256")
PAPER_COARSE_BINS = ("0-64", "65-128", "129-192", "193-256")


def paper_bin_index(c: np.ndarray, n: np.ndarray, upper: Iterable[int] = PAPER_UPPER) -> np.ndarray:
    """Index of the paper bin of each (c correct out of n): the first with c*256 <= upper*n."""
    upper_edges = np.asarray(tuple(upper), dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)[:, None]
    n = np.asarray(n, dtype=np.int64)[:, None]
    return (c * 256 > upper_edges[None, :] * n).sum(axis=1)


@dataclass(frozen=True)
class BinScheme:
    """The kept bins for a set of sample counts: ``groups[j]`` lists the paper bins merged
    into kept bin j, ``labels[j]`` says what it holds."""

    upper: tuple[int, ...]
    ns: tuple[int, ...]
    groups: tuple[tuple[int, ...], ...]
    labels: tuple[str, ...]

    @property
    def dtype(self) -> pd.CategoricalDtype:
        """Ordered categorical dtype of the labels."""
        return pd.CategoricalDtype(list(self.labels), ordered=True)

    @property
    def ragged(self) -> bool:
        """True when the scheme was built for more than one n (labels in rates)."""
        return len(self.ns) > 1

    def index(self, c: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Kept-bin index of each (c correct out of n)."""
        to_kept = np.empty(len(self.upper), dtype=np.int64)
        for j, group in enumerate(self.groups):
            to_kept[list(group)] = j
        return to_kept[paper_bin_index(c, n, self.upper)]

    def assign(self, c: np.ndarray, n: np.ndarray) -> pd.Categorical:
        """The bin label of each (c, n) as an ordered categorical."""
        return pd.Categorical.from_codes(self.index(c, n), dtype=self.dtype)


def bin_scheme(ns: Iterable[int], upper: Iterable[int] = PAPER_UPPER) -> BinScheme:
    """The bins that can hold a problem at these sample counts, merged and labelled."""
    counts = tuple(sorted({int(n) for n in ns if int(n) > 0}))
    edges = tuple(int(u) for u in upper)
    if not counts:
        raise ValueError("no problem with a graded sample: no difficulty bins")
    held: dict[int, set[tuple[int, int]]] = {i: set() for i in range(len(edges))}
    for n in counts:
        c = np.arange(n + 1)
        for ci, i in zip(c, paper_bin_index(c, np.full(n + 1, n), edges), strict=True):
            held[int(i)].add((int(ci), n))
    groups: list[tuple[int, ...]] = []
    pending: list[int] = []
    for i in range(len(edges)):
        pending.append(i)
        if held[i]:  # the last bin always holds c = n, so nothing is left pending
            groups.append(tuple(pending))
            pending = []
    labels = tuple(_label(g, held, counts, edges) for g in groups)
    return BinScheme(edges, counts, tuple(groups), labels)


def _percent(edge: int) -> str:
    return f"{100 * edge / 256:.3g}"


def _label(
    group: tuple[int, ...],
    held: dict[int, set[tuple[int, int]]],
    ns: tuple[int, ...],
    edges: tuple[int, ...],
) -> str:
    if len(ns) == 1:
        cs = sorted(c for i in group for c, _ in held[i])
        lo, hi = cs[0], cs[-1]
        return f"{lo}/{ns[0]}" if lo == hi else f"{lo}-{hi}/{ns[0]}"
    top = _percent(edges[group[-1]])
    if group[0] == 0:
        return "0%" if edges[group[-1]] == 0 else f"0-{top}%"
    return f"{_percent(edges[group[0] - 1])}-{top}%"


_COUNTS = re.compile(r"(\d+)(?:-(\d+))?/(\d+)")
_RATES = re.compile(r"([\d.]+)(?:-([\d.]+))?%")
_PAPER = re.compile(r"(\d+)(?:-(\d+))?")


def bin_sort_key(label: object) -> tuple[float, float] | None:
    """(lower, upper) rate of a bin label of any scheme (``3-4/8``, ``12.5-25%``, the
    paper's ``17-32``); None for a label that is no bin (``all``)."""
    text = str(label)
    for pattern, scale in ((_COUNTS, None), (_RATES, 100.0), (_PAPER, 256.0)):
        m = pattern.fullmatch(text)
        if m:
            lo, hi = float(m.group(1)), float(m.group(2) or m.group(1))
            div = float(m.group(3)) if scale is None else scale
            return lo / div, hi / div
    return None
