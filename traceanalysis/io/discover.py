"""Finding the runs in a path: a runs folder, a single run folder, or a single file.

Rules (docs/input-formats.md):

- a file is one run named after its stem;
- a folder saved by ``datasets.save_to_disk`` is one run named after the folder;
- a folder with ``run.json`` is one run;
- a folder with sub-folders holding data is a runs folder: each such sub-folder is a run
  (its data files found recursively), each data file directly inside is a bare run;
- a folder holding only data files is one run when their names look like parts of one
  run (``samples*``, ``completions_*``, ``details_*``, step numbers, ``data-*``, ``part-*``,
  and the ``results*`` JSON that lm-eval and lighteval write beside their samples), and a
  runs folder of bare files otherwise. inspect_ai ``.eval`` logs are never parts: a log
  folder holds one log per model and task, so each log is a run of its own;
- a folder whose only data sits in ``data/`` (a Hugging Face dataset repository as
  downloaded, read like ``load_dataset(path)``) is one run named after the folder.

Files that are not data (README, logs) are listed as skipped, never read silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from traceanalysis.io.files import DATA_SUFFIXES
from traceanalysis.io.hf_dataset import is_dataset_dir

_PART_NAME = re.compile(
    r"^(samples|completions|details|data|part|train|test|validation|\d+$|rollout|generations"
    r"|results)",
    re.IGNORECASE,
)


@dataclass
class RunSource:
    """One run: its name, its folder (None for a bare file) and its input files."""

    name: str
    folder: Path | None
    files: list[Path]
    bare: bool = False


@dataclass
class Discovery:
    """The runs found under a path and the files passed over (with reasons)."""

    runs: list[RunSource] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def natural_key(path: Path) -> list[object]:
    """Sort key that orders ``2.jsonl`` before ``10.jsonl``."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.name)]


def _is_data_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in DATA_SUFFIXES and path.name != "run.json"


def _hidden(path: Path, skipped: list[tuple[str, str]]) -> bool:
    """Names starting with ``.`` or ``_`` are not read; a data file so named is listed."""
    if not path.name.startswith((".", "_")):
        return False
    if path.name.startswith("_") and _is_data_file(path):
        skipped.append((str(path), "hidden name (starts with _)"))
    return True


def _looks_like_part(path: Path) -> bool:
    return bool(_PART_NAME.match(path.stem)) and path.suffix.lower() != ".eval"


def _collect(folder: Path, skipped: list[tuple[str, str]]) -> list[Path]:
    """Data files and dataset folders under ``folder``, recursively, in natural order."""
    found: list[Path] = []
    for entry in sorted(folder.iterdir(), key=natural_key):
        if _hidden(entry, skipped):
            continue
        if entry.is_dir():
            if is_dataset_dir(entry):
                found.append(entry)
            else:
                found.extend(_collect(entry, skipped))
        elif _is_data_file(entry):
            found.append(entry)
        elif entry.name != "run.json":
            skipped.append((str(entry), "not a data file"))
    return found


def discover_runs(root: Path) -> Discovery:
    """The runs under ``root`` (see the module docstring for the rules)."""
    found = Discovery()
    if root.is_file():
        found.runs.append(RunSource(root.stem, None, [root], bare=True))
        return found
    if is_dataset_dir(root) or (root / "run.json").is_file():
        found.runs.append(RunSource(root.name, root, _collect(root, found.skipped) or [root]))
        if is_dataset_dir(root):
            found.runs[0].files = [root]
        return found
    entries = [e for e in sorted(root.iterdir(), key=natural_key) if not _hidden(e, found.skipped)]
    subruns: list[RunSource] = []
    for entry in entries:
        if entry.is_dir():
            if is_dataset_dir(entry):
                subruns.append(RunSource(entry.name, entry, [entry]))
                continue
            files = _collect(entry, found.skipped)
            if files:
                subruns.append(RunSource(entry.name, entry, files))
            else:
                found.skipped.append((str(entry), "folder without data files"))
    files = [e for e in entries if _is_data_file(e)]
    found.skipped.extend(
        (str(e), "not a data file") for e in entries if e.is_file() and not _is_data_file(e)
    )
    if not subruns and files and all(_looks_like_part(f) for f in files):
        found.runs.append(RunSource(root.name, root, files))
        return found
    if not files and [s.name for s in subruns] == ["data"]:  # a dataset repo's layout
        found.runs.append(RunSource(root.name, root, subruns[0].files))
        return found
    found.runs.extend(subruns)
    found.runs.extend(RunSource(f.stem, None, [f], bare=True) for f in files)
    return found
