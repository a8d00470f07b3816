"""Input readers: one module per format, detection by content, and :func:`load_runs`.

``load_runs(path, columns=None, *, progress=False)`` turns a runs folder, a single run
folder or a single file into the samples table (see ``docs/input-formats.md``).
"""

from __future__ import annotations

from traceanalysis.io.files import FORMAT_NAMES, detect_records, read_file
from traceanalysis.io.loader import apply_think, load_runs

__all__ = ["FORMAT_NAMES", "apply_think", "detect_records", "load_runs", "read_file"]
