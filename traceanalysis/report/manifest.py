"""The run manifest: everything needed to reproduce a report and to trust its inputs."""

from __future__ import annotations

import json
import platform
import sys
from collections import Counter
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from traceanalysis.report.data_quality import count_summary
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
    skipped: list[tuple[str, str]] | None = None,
    label_issues: list[Rejection] | None = None,
    problem_match: dict[str, object] | None = None,
    graders: dict[str, dict[str, str]] | None = None,
    agreement: pd.DataFrame | None = None,
) -> dict[str, object]:
    """The ``manifest.json`` record for one report.

    ``samples`` carries ``attrs["inputs"]`` (files and sha256), ``attrs["lexicons"]``
    (name -> version), ``attrs["tokenizer"]`` and ``attrs["judge"]`` when the stages that
    set them ran. ``stages`` maps a stage name to its version, cache key and whether it
    was cached. ``skipped`` (files not read), ``label_issues`` (labels read as null),
    ``problem_match``, ``graders`` and ``agreement`` (our grade vs the input's scores, per
    run) are recorded as given.
    """
    judge_ids: list[str] = []
    if "judge_id" in samples.columns:
        judge_ids = sorted(str(j) for j in pd.unique(samples["judge_id"].dropna()))
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": package_versions(),
        "command": options.get("command"),
        "options": _public_options(options),
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
        "skipped_files": [{"path": p, "reason": why} for p, why in skipped or []],
        "label_issues": count_summary(list(label_issues or [])),
        "problem_match": problem_match,
        "grading": {
            "graders": graders or {},
            "agreement": [] if agreement is None else agreement.to_dict("records"),
        },
        "judge": judge_record(options.get("judge") or "none", judge_ids, samples.attrs),
        "seeds": seeds or {},
        "stages": stages or {},
    }


_JUDGE_KEYS = (
    "judge_id", "base_url", "prompt_version", "prompt_hash", "params", "n_labels",
    "n_cached", "n_calls", "n_failed", "n_capped", "label_status", "errors",
)  # fmt: skip


def judge_record(option: str, ids: list[str], attrs: dict[str, object]) -> dict[str, object]:
    """The manifest's judge entry: the option, the ids in the table, and (when the judge
    ran) its identity and label counts, failed labels included."""
    meta = attrs.get("judge")
    record: dict[str, object] = {"option": option, "ids": ids}
    if isinstance(meta, dict):
        record.update({k: meta[k] for k in _JUDGE_KEYS if k in meta})
    return record


def _public_options(options: dict[str, object]) -> dict[str, object]:
    """The options as recorded: no command name, never an API key."""
    out = {k: v for k, v in options.items() if k != "command"}
    if isinstance(out.get("judge_options"), dict):
        out["judge_options"] = {k: v for k, v in out["judge_options"].items() if k != "api_key"}
    return out


def write_manifest(manifest: dict[str, object], path: Path) -> Path:
    """Write ``manifest`` as indented JSON (paths and numpy values as strings)."""
    path = Path(path)
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return path
