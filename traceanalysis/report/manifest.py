"""The run manifest: everything needed to reproduce a report and to trust its inputs."""

from __future__ import annotations

import json
import platform
import sys
from collections import Counter
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd

from traceanalysis.schema import Rejection, RunInfo

DEPENDENCIES = (
    "pandas", "numpy", "pyarrow", "scipy", "scikit-learn", "statsmodels", "math-verify",
    "tiktoken", "spacy", "matplotlib", "seaborn", "jinja2", "pyyaml", "openai", "datasets",
    "torch", "transformers", "tokenizers",
)  # fmt: skip


def package_versions() -> dict[str, str | None]:
    """Installed versions of traceanalysis and its analysis dependencies (None if absent)."""
    versions: dict[str, str | None] = {}
    for name in ("traceanalysis", *DEPENDENCIES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def rejection_counts(rejections: list[Rejection]) -> dict[str, object]:
    """Counts of rejected input rows: total, by run and by reason."""
    return {
        "total": len(rejections),
        "by_run": dict(sorted(Counter(r.run or "?" for r in rejections).items())),
        "by_reason": dict(sorted(Counter(r.reason for r in rejections).items())),
    }


def build_manifest(
    samples: pd.DataFrame,
    *,
    runs: list[RunInfo],
    reference: str | None,
    options: dict[str, object],
    rejections: list[Rejection],
    stages: dict[str, dict[str, object]] | None = None,
    dropped: dict[str, object] | None = None,
    seeds: dict[str, int] | None = None,
) -> dict[str, object]:
    """The ``manifest.json`` record for one report.

    ``samples`` carries ``attrs["inputs"]`` (files and sha256), ``attrs["lexicons"]``
    (name -> version) and ``attrs["tokenizer"]`` when the stages that set them ran.
    ``stages`` maps a stage name to its version, cache key and whether it was cached.
    """
    judge_ids: list[str] = []
    if "judge_id" in samples.columns:
        judge_ids = sorted(str(j) for j in pd.unique(samples["judge_id"].dropna()))
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": package_versions(),
        "command": options.get("command"),
        "options": {k: v for k, v in options.items() if k != "command"},
        "runs": [r.to_dict() for r in runs],
        "reference": reference,
        "inputs": list(samples.attrs.get("inputs", [])),
        "counts": {
            "responses": int(len(samples)),
            "problems": int(samples["problem_id"].nunique()) if len(samples) else 0,
            "by_run": {str(k): int(v) for k, v in samples["run"].value_counts(sort=False).items()},
        },
        "rejected_rows": rejection_counts(rejections),
        "dropped": dropped or {},
        "lexicons": dict(samples.attrs.get("lexicons", {})),
        "tokenizer": samples.attrs.get("tokenizer"),
        "judge": {"option": options.get("judge") or "none", "ids": judge_ids},
        "seeds": seeds or {},
        "stages": stages or {},
    }


def write_manifest(manifest: dict[str, object], path: Path) -> Path:
    """Write ``manifest`` as indented JSON (paths and numpy values as strings)."""
    path = Path(path)
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return path
