"""The version of the report's figure code, computed without importing matplotlib.

The pipeline keys its figure cache on this hash; a warm rerun only copies cached figures,
so it need not pay for importing matplotlib and seaborn just to compute the key.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

# Every module whose code decides what a figure looks like.
FIGURE_MODULES = (
    "style.py",
    "figures_common.py",
    "figures_accuracy.py",
    "figures_language.py",
    "figures_behaviors.py",
    "figures.py",
)


def figures_code_version() -> str:
    """A hash of the figure modules' source and the matplotlib/seaborn versions: a cache
    of drawn figures keyed on it goes stale exactly when the drawings could change."""
    digest = hashlib.sha256(f"{version('matplotlib')}|{version('seaborn')}".encode())
    here = Path(__file__).parent
    for name in FIGURE_MODULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]
