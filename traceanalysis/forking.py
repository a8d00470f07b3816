"""When the package may fork worker processes that inherit its data.

The tagger, the lexical pass (``processes`` > 1) and the figures fork workers so that
texts and tables are inherited, not pickled. That is safe on Linux; CPython deems fork
unsafe on macOS (system libraries' threads), and a daemonic process (a
``multiprocessing.Pool`` worker) may not have children at all. Elsewhere these stages
run in one process, with the same results.
"""

from __future__ import annotations

import multiprocessing
import sys


def can_fork() -> bool:
    """Whether this process may fork worker processes: Linux, ``fork`` available, and
    not itself a daemonic process."""
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )
