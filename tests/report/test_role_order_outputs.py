"""Role order (base, rl, distilled, other) in CLI output and written tables, whatever the
alphabetical order of the run names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pipeline_runs import write_runs

from traceanalysis.cli import main

RUNS = {"a-distill": "distilled", "m-other": "other", "z-base": "base", "b-zero": "rl"}
ORDER = ["z-base", "b-zero", "a-distill", "m-other"]


def test_inspect_and_lexical_list_runs_in_role_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = write_runs(tmp_path / "runs", RUNS, n_problems=3, n_samples=2)
    assert main(["inspect", str(runs)]) == 0
    printed = [
        ln.split()[1] for ln in capsys.readouterr().out.splitlines() if ln.startswith("run ")
    ]
    assert printed == ORDER
    out = tmp_path / "lex"
    assert main(["lexical", str(runs), "--out", str(out), "--quiet"]) == 0
    lexical = pd.read_csv(out / "lexical.csv")
    assert list(dict.fromkeys(lexical["run"])) == ORDER
    assert (out / "distinctive_a-distill_vs_z-base.csv").exists()  # later role vs earlier
    assert (out / "distinctive_m-other_vs_a-distill.csv").exists()
