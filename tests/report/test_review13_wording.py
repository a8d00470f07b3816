"""Review of issue 13: sentences whose wording read wrong against their tables."""

from __future__ import annotations

import pandas as pd

from traceanalysis.report.findings_accuracy import support_sentence


def test_support_sentence_has_no_double_negative() -> None:
    row = pd.Series(
        {"run": "rl", "reference": "base", "n_problems": 20, "expansion": 1, "shrinkage": 0,
         "expansion_significant": 0, "shrinkage_significant": 0, "fdr": 0.05}
    )  # fmt: skip
    text = support_sentence(row)
    assert "never solves 0" not in text
    assert "1 problem solved by rl at least once and never by base (expansion)" in text
    assert "0 problems solved by base and never by rl (shrinkage)" in text
