"""Reproducible, portable report folders (issue 16, section 4): the manifest records the
command line as typed and no absolute path; the facts of one particular run (time, stage
timings, cache hits) go to timings.json; the same command in two folders writes the same
manifest.json, report.md and tables, byte for byte."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pipeline_runs import write_runs

from traceanalysis.portable import portable, portable_path
from traceanalysis.report.manifest import command_line, split_volatile

SAME_FILES = ("manifest.json", "report.md")


def _make_runs(folder: Path) -> Path:
    """One small run whose run.json names its model by an absolute path inside ``folder``."""
    runs = write_runs(folder / "runs", {"solo-base": "base"}, n_problems=5, n_samples=3)
    model = folder / "models" / "solo"
    meta = {"model": str(model), "role": "base", "benchmark": "toy"}
    (runs / "solo-base" / "run.json").write_text(json.dumps(meta))
    return runs


def _report(folder: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """``python -m traceanalysis report`` run in ``folder``, every path given absolute."""
    argv = [sys.executable, "-m", "traceanalysis", "report", str(folder / "runs"),
            "--out", str(folder / "out"), "--cache", str(cache), "--quiet",
            "--grade-timeout", "30", "--max-examples", "2"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("portable")
    a, b = root / "first place", root / "elsewhere" / "b"  # a space in one path
    for folder in (a, b):
        _make_runs(folder)
        _report(folder, folder / "cache" / "cache.sqlite")
    return a, b


def test_manifest_records_the_command_line_with_relative_paths(two_folders) -> None:
    a, _ = two_folders
    manifest = json.loads((a / "out" / "manifest.json").read_text())
    assert manifest["argv"] == [
        Path(sys.executable).name, "-m", "traceanalysis", "report", "runs", "--out", "out",
        "--cache", "cache/cache.sqlite", "--quiet", "--grade-timeout", "30",
        "--max-examples", "2",
    ]  # fmt: skip
    assert manifest["command"] == "report"
    assert [i["file"] for i in manifest["inputs"]] == ["runs/solo-base/samples.jsonl"]
    assert manifest["runs"][0]["model"] == "models/solo"  # absolute in run.json
    assert manifest["options"]["cache"] == "cache/cache.sqlite"


def test_no_absolute_path_in_the_report_folder(two_folders) -> None:
    for folder in two_folders:
        out = folder / "out"
        for name in (*SAME_FILES, "timings.json", *(f"tables/{p.name}" for p in
                                                     (out / "tables").iterdir())):  # fmt: skip
            text = (out / name).read_text(encoding="utf-8")
            assert str(folder) not in text and str(folder.parent) not in text, name
        samples = pd.read_parquet(out / "samples.parquet", columns=["model", "source_file"])
        assert set(samples["model"]) == {"models/solo"}
        assert set(samples["source_file"]) == {"runs/solo-base/samples.jsonl"}


def test_run_facts_go_to_timings_json(two_folders) -> None:
    a, _ = two_folders
    manifest = json.loads((a / "out" / "manifest.json").read_text())
    timings = json.loads((a / "out" / "timings.json").read_text())
    assert "created" not in manifest and "platform" not in manifest
    assert timings["created"][:2] == "20" and timings["platform"]
    assert set(timings["stages"]) == set(manifest["stages"]) and "load" in manifest["stages"]
    for name, info in manifest["stages"].items():
        assert set(info) <= {"version"}, (name, info)
        assert timings["stages"][name]["seconds"] >= 0
    assert {"key", "cached"} <= set(timings["stages"]["load"])


def test_same_command_elsewhere_writes_the_same_files(two_folders) -> None:
    a, b = two_folders
    names = [*SAME_FILES, *sorted(f"tables/{p.name}" for p in (a / "out" / "tables").iterdir())]
    assert sorted(f"tables/{p.name}" for p in (b / "out" / "tables").iterdir()) == names[2:]
    for name in names:  # (stage versions hash the source: edit no module meanwhile)
        first, second = ((f / "out" / name).read_text(encoding="utf-8") for f in (a, b))
        diff = difflib.unified_diff(first.splitlines(), second.splitlines(), lineterm="")
        assert first == second, f"{name}:\n" + "\n".join(list(diff)[:20])
    # a warm rerun (stage cache hits) changes timings.json only
    before = {n: (a / "out" / n).read_bytes() for n in SAME_FILES}
    _report(a, a / "cache" / "cache.sqlite")
    assert {n: (a / "out" / n).read_bytes() for n in SAME_FILES} == before
    warm = json.loads((a / "out" / "timings.json").read_text())
    assert warm["stages"]["grade"]["cached"] is True


def test_portable_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    here = str(tmp_path)
    assert portable_path(f"{here}/runs/a") == "runs/a"
    assert portable_path("runs/a") == "runs/a"
    assert portable_path(os.path.dirname(here) + "/x") == "../x"
    value = {"a": [f"{here}/r", f"--out={here}/o", f"{here}/f.jsonl:3: bad", 1, None, "a/b"]}
    assert portable(value) == {"a": ["r", "--out=o", "f.jsonl:3: bad", 1, None, "a/b"]}
    assert command_line(["/usr/bin/python3", "-m", "traceanalysis", f"{here}/runs"]) == [
        "python3", "-m", "traceanalysis", "runs"]  # fmt: skip


def test_split_volatile_keeps_the_stable_part() -> None:
    manifest = {
        "created": "2026-01-01T00:00:00+00:00", "platform": "Linux-x", "python": "3.11.7",
        "stages": {"load": {"version": "6", "key": "k", "cached": False, "seconds": 1.5}},
        "runs": [{"name": "r", "extra": {"series": "s", "started_at": "t0", "sessions": [1]}}],
    }  # fmt: skip
    stable, volatile = split_volatile(manifest)
    assert stable == {"python": "3.11.7", "stages": {"load": {"version": "6"}},
                      "runs": [{"name": "r", "extra": {"series": "s"}}]}  # fmt: skip
    assert volatile == {
        "created": "2026-01-01T00:00:00+00:00", "platform": "Linux-x",
        "stages": {"load": {"key": "k", "cached": False, "seconds": 1.5}},
        "runs": {"r": {"started_at": "t0", "sessions": [1]}},
    }  # fmt: skip
