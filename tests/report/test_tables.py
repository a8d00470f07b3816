"""Tables are written as CSV (full precision) and booktabs LaTeX via pandas Styler."""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceanalysis.report.tables import table_caption, to_latex, write_tables


def test_write_tables_csv_roundtrip_and_booktabs(tmp_path) -> None:
    acc = pd.DataFrame(
        {"run": ["qwen_base", "r&d"], "pass@1": [0.606123456789, 0.742], "pass@1_lo": [0.5, np.nan]}
    )
    words = pd.DataFrame({"token": [f"t{i}" for i in range(100)], "count": np.arange(100)})
    written = write_tables({"accuracy": acc, "word_freq_qwen_base": words}, tmp_path)
    assert set(written) == {"accuracy", "word_freq_qwen_base"}
    back = pd.read_csv(written["accuracy"]["csv"])
    pd.testing.assert_frame_equal(back, acc)  # full precision kept
    tex = written["accuracy"]["tex"].read_text()
    for rule in ("\\toprule", "\\midrule", "\\bottomrule"):
        assert tex.count(rule) == 1
    assert "qwen\\_base" in tex and "r\\&d" in tex and "--" in tex
    assert "0.606 & " in tex  # no CI pair -> the value alone
    assert "\\caption{Accuracy (pass@1)" in tex and "\\label{tab:accuracy}" in tex
    big = written["word_freq_qwen_base"]["tex"].read_text()
    assert "first 60 of 100 rows" in big and "t59 " in big and "t60 " not in big
    assert len(pd.read_csv(written["word_freq_qwen_base"]["csv"])) == 100


def test_latex_folds_confidence_intervals_into_one_cell() -> None:
    df = pd.DataFrame({"run": ["a", "b"], "pass@1": [0.6061, np.nan], "pass@1_lo": [0.5, 0.1],
                       "pass@1_hi": [0.7, 0.2], "n": [3, 4]})  # fmt: skip
    tex = to_latex(df, "accuracy")
    assert "a & 0.606 [0.500, 0.700] & 3 \\\\" in tex and "b & -- & 4" in tex
    assert "pass@1\\_lo" not in tex and "{llr}" in tex


def test_rerun_writes_identical_files(tmp_path) -> None:
    df = pd.DataFrame({"feature": ["n_tokens"], "auroc_pooled": [1 / 3], "verdict": ["a_b % c"]})
    first = write_tables({"audit": df}, tmp_path / "a")
    second = write_tables({"audit": df}, tmp_path / "b")
    for kind in ("csv", "tex"):
        assert first["audit"][kind].read_bytes() == second["audit"][kind].read_bytes()
    assert "a\\_b \\% c" in to_latex(df, "audit")


def test_captions_for_prefixed_tables() -> None:
    assert "distilled vs rl" in table_caption("distinctive_distilled_vs_rl")
    assert "rl" in table_caption("transitions_rl")
