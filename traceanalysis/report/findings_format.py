"""The number formats of the findings sentences: shares in percent, differences in
points, their CIs, counts of problems (one set for every findings module)."""

from __future__ import annotations

import numpy as np


def _pct(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def _pts(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:+.1f} points"


def _interval(lo: float, hi: float) -> str:
    return f"[{100 * lo:+.1f}, {100 * hi:+.1f}]"


def _problems(n: int) -> str:
    return f"{n} problem{'' if n == 1 else 's'}"
