"""The run manifest: everything needed to reproduce a report and to trust its inputs.

``manifest.json`` holds only what the same inputs, options and software give again: the
command line, versions, inputs and their hashes, options, counts, seeds and stage
versions. It is portable: every absolute path in it is written relative to the folder the
command ran in (:func:`portable`), so a report made elsewhere, or in a fresh clone, says
the same. What differs between two runs of the same command (the wall-clock time, the
machine, each stage's cache key, cache hit, seconds and memory) goes to
``timings.json`` beside it (:func:`split_volatile`).
"""

from __future__ import annotations

import json
import platform
import sys
from collections import Counter
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from traceanalysis.portable import portable
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
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "system": f"{platform.system()} {platform.machine()}",
        "versions": package_versions(),
        "command": options.get("command"),
        "argv": command_line(),
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
    stable, volatile = split_volatile(portable(manifest))
    return Manifest(stable, run_facts=volatile)


class Manifest(dict):
    """The manifest as a dict (what ``manifest.json`` and index.html hold: the same for
    the same inputs, options and software) with this run's own facts (time, platform,
    stage timings and cache keys; ``timings.json``) apart in :attr:`run_facts`."""

    def __init__(self, stable: dict[str, Any], run_facts: dict[str, Any] | None = None) -> None:
        super().__init__(stable)
        self.run_facts: dict[str, Any] = dict(run_facts or {})


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


def command_line(argv: list[str] | None = None) -> list[str] | None:
    """The command line as typed (``sys.orig_argv``), with the interpreter as its bare
    name (``python``) and absolute paths made relative (:func:`portable`); None when
    traceanalysis was not started from the command line (the Python API, a notebook).
    ``argv`` overrides ``sys.orig_argv``."""
    if argv is None:
        program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
        from_cli = program is not None and (
            program.name == "traceanalysis"
            or (program.name == "__main__.py" and program.parent.name == "traceanalysis")
        )
        if not from_cli:
            return None
        argv = list(getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv])
    if not argv:
        return None
    return [Path(argv[0]).name, *(portable(a) for a in argv[1:])]


# Facts of one particular run: they differ between two runs of the same command.
VOLATILE_KEYS = ("created", "platform")
VOLATILE_STAGE_KEYS = ("key", "cached", "seconds", "rss_mib", "peak_rss_mib")
# run.json keys of ``generate`` that say when and how fast it sampled
VOLATILE_RUN_KEYS = ("started_at", "finished_at", "sessions")


def split_volatile(manifest: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the manifest without the facts of this particular run, those facts): the time it
    was made, the full platform string, per stage its cache key, cache hit, seconds and
    memory, and per run the sampling times ``generate`` put in run.json. The first is
    ``manifest.json``, the second ``timings.json``."""
    stable = {k: v for k, v in manifest.items() if k not in VOLATILE_KEYS}
    volatile: dict[str, Any] = {k: manifest[k] for k in VOLATILE_KEYS if k in manifest}
    runs, sampled = [], {}
    for run in manifest.get("runs") or []:
        extra = run.get("extra") if isinstance(run, dict) else None
        if isinstance(extra, dict) and any(k in extra for k in VOLATILE_RUN_KEYS):
            sampled[str(run.get("name"))] = {k: extra[k] for k in VOLATILE_RUN_KEYS if k in extra}
            extra = {k: v for k, v in extra.items() if k not in VOLATILE_RUN_KEYS}
            run = {**run, "extra": extra}
        runs.append(run)
    if "runs" in manifest:
        stable["runs"] = runs
    if sampled:
        volatile["runs"] = sampled
    stages = manifest.get("stages") or {}
    stable["stages"] = {
        name: {k: v for k, v in info.items() if k not in VOLATILE_STAGE_KEYS}
        for name, info in stages.items()
    }
    volatile["stages"] = {
        name: {k: info[k] for k in VOLATILE_STAGE_KEYS if k in info}
        for name, info in stages.items()
    }
    return stable, volatile


def write_manifest(manifest: dict[str, object], path: Path) -> Path:
    """Write ``manifest`` as indented JSON to ``path`` (paths and numpy values as strings)
    and, for a :class:`Manifest`, its :attr:`~Manifest.run_facts` to ``timings.json``
    beside it (a plain dict is split by :func:`split_volatile` first); returns ``path``."""
    path = Path(path)
    if isinstance(manifest, Manifest):
        stable, volatile = dict(manifest), manifest.run_facts
    else:
        stable, volatile = split_volatile(dict(manifest))
    path.write_text(_json(stable), encoding="utf-8")
    path.with_name(TIMINGS_FILE).write_text(_json(volatile), encoding="utf-8")
    return path


TIMINGS_FILE = "timings.json"


def settle_run_facts(runs_dir: Path, report_dir: Path) -> dict[str, dict[str, Any]]:
    """Move the sampling times ``generate`` wrote into each ``runs_dir/<run>/run.json``
    (:data:`VOLATILE_RUN_KEYS`) to ``report_dir/timings.json`` (under ``"runs"``), so the
    run folders hold only what the same command writes again (the demo commits them).
    Call it after the report is written; returns what was moved, by run folder name."""
    from traceanalysis.generate.writer import write_run_json

    moved: dict[str, dict[str, Any]] = {}
    for meta_path in sorted(Path(runs_dir).glob("*/run.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        facts = {k: meta.pop(k) for k in VOLATILE_RUN_KEYS if k in meta}
        if facts:
            write_run_json(meta_path, meta)
            moved[meta_path.parent.name] = facts
    timings_path = Path(report_dir) / TIMINGS_FILE
    timings = json.loads(timings_path.read_text(encoding="utf-8")) if timings_path.is_file() else {}
    timings.setdefault("runs", {})
    for name, facts in moved.items():
        timings["runs"].setdefault(name, {}).update(facts)
    timings_path.write_text(_json(timings), encoding="utf-8")
    return moved


def _json(value: object) -> str:
    return json.dumps(value, indent=2, default=str) + "\n"
