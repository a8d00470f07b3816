"""`lexical` and `report` write the same distinctive_<run>_vs_<reference> tables: same
name, same direction (z > 0 = more frequent in the run), same z."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pipeline_runs import write_runs

from traceanalysis.cli import main


def test_lexical_and_report_agree_on_name_and_sign(tmp_path: Path) -> None:
    runs = write_runs(tmp_path / "runs", n_problems=6, n_samples=3)
    lex_out, rep_out = tmp_path / "lex", tmp_path / "rep"
    assert main(["lexical", str(runs), "--out", str(lex_out), "--quiet"]) == 0
    cache = str(tmp_path / "c" / "cache.sqlite")
    argv = ["report", str(runs), "--out", str(rep_out), "--quiet", "--cache", cache]
    assert main([*argv, "--no-stage-cache", "--grade-timeout", "30"]) == 0
    lexical = {p.name for p in lex_out.glob("distinctive_qwen*.csv")}
    report = {p.name for p in (rep_out / "tables").glob("distinctive_*.csv")}
    # base < rl < distilled: each later role against the earlier one, in both commands
    expected = {
        "distinctive_qwen-zero-rl_vs_qwen-base.csv",
        "distinctive_qwen-distill_vs_qwen-base.csv",
        "distinctive_qwen-distill_vs_qwen-zero-rl.csv",
    }
    assert report == expected and lexical == expected
    for name in expected:
        a = pd.read_csv(lex_out / name).set_index("token").sort_index()
        b = pd.read_csv(rep_out / "tables" / name).set_index("token").sort_index()
        common = a.index.intersection(b.index)
        assert len(common) > 10
        np.testing.assert_allclose(a.loc[common, "z"], b.loc[common, "z"])
        assert (a.loc[common, "count_a"] == b.loc[common, "count_a"]).all()
        more_in_a = a[a["per_10k_a"] > a["per_10k_b"]]
        assert (more_in_a["z"] > 0).all()  # the sign says which run uses the word more
