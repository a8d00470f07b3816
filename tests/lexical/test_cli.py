"""`python -m traceanalysis lexical` on a hand-written two-run folder."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.cli import main


def test_lexical_command_writes_tables(tmp_path: Path, lexical_fixtures: Path):
    out = tmp_path / "lex"
    code = main(
        [
            "lexical",
            str(lexical_fixtures / "runs"),
            "--out",
            str(out),
            "--quiet",
            "--lexicons",
            str(lexical_fixtures / "lexicons"),
            "--min-count",
            "2",
        ]
    )
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "lexical.csv",
        "lexical_samples.parquet",
        "lexical_manifest.json",
        "word_freq_qwen-base.csv",
        "word_freq_qwen-distill.csv",
        "token_freq_qwen-base.csv",
        "distinctive_qwen-distill_vs_qwen-base.csv",
        "distinctive_tokens_qwen-distill_vs_qwen-base.csv",
    } <= names
    lexical = pd.read_csv(out / "lexical.csv")
    distill = lexical[(lexical["run"] == "qwen-distill") & (lexical["correct"] == "all")].iloc[0]
    samples = pd.read_parquet(out / "lexical_samples.parquet")
    kim = samples.loc[samples["run"] == "qwen-distill", "reflection_kim2025_count"].tolist()
    # by hand: hmm, let me think, wait, double-check, ok | wait, i made a mistake,
    # alternatively, wait | let me think, wait, hmm | wait, i need to reconsider, hmm
    assert kim == [5, 4, 3, 3]
    assert distill["reflection_kim2025_per_response"] == 3.75
    assert samples.loc[samples["run"] == "qwen-base", "reflection_kim2025_count"].sum() == 0
    hedges = samples.loc[samples["run"] == "qwen-distill", "hedges_count"].tolist()
    assert hedges == [0, 1, 1, 1]  # maybe | re-examine | perhaps (maybe not excluded)
    words = pd.read_csv(out / "word_freq_qwen-distill.csv").set_index("token")["count"]
    assert words["wait"] == 5 and "think" in words and words["think"] == 2  # tags are not words
    # distill_vs_base (the name the report writes): a = distill, z > 0 = more in distill
    distinctive = pd.read_csv(out / "distinctive_qwen-distill_vs_qwen-base.csv")
    assert distinctive.iloc[-1]["z"] < 0 and set(distinctive.columns) >= {"token", "z", "log_odds"}
    wait = distinctive.set_index("token").loc["wait"]
    assert (wait["count_a"], wait["count_b"]) == (5, 0) and wait["z"] > 0
    # z by hand (Monroe et al. 2008, prior = pooled counts): from the two frequency tables
    freq = {
        r: pd.read_csv(out / f"word_freq_{r}.csv").set_index("token")["count"]
        for r in ("qwen-distill", "qwen-base")
    }
    assert all(len(f) < 200 for f in freq.values())  # not cut: the totals are exact
    n_a, n_b = freq["qwen-distill"].sum(), freq["qwen-base"].sum()
    y_a, y_b = 5, 0
    alpha, a0 = y_a + y_b, n_a + n_b
    delta = math.log((y_a + alpha) / (n_a + a0 - y_a - alpha)) - math.log(
        (y_b + alpha) / (n_b + a0 - y_b - alpha)
    )
    assert wait["z"] == pytest.approx(delta / math.sqrt(1 / (y_a + alpha) + 1 / (y_b + alpha)))
    manifest = json.loads((out / "lexical_manifest.json").read_text())
    assert manifest["tokenizer"]["unit"] == "tokens"
    assert {x["name"] for x in manifest["lexicons"]} >= {"reflection_kim2025", "hedges"}


def test_bad_part_and_missing_runs(tmp_path: Path, capsys):
    assert (
        main(["lexical", str(tmp_path / "missing"), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    )
    assert "error:" in capsys.readouterr().err
