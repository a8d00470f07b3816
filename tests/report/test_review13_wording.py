"""Review of issue 13: sentences whose wording read wrong against their tables."""

from __future__ import annotations

import numpy as np
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


def _audit_rows() -> pd.DataFrame:
    from traceanalysis.audit import audit

    rng = np.random.default_rng(3)
    rows = []
    for p in range(12):  # 12 mixed problems; "rare" varies in only 2 of them
        for i in range(8):
            correct = i % 2 == 0
            rows.append({"run": "r", "problem_id": f"p{p}", "correct": correct,
                         "n_tokens": float(rng.integers(10, 100)),
                         "rare_count": float(p < 2 and i == 0), "rare_per_1k": 0.0})  # fmt: skip
    return audit(pd.DataFrame(rows), features={"n_tokens": "length", "rare_count": "rare"})


def test_untested_within_auroc_is_said_in_the_audit_view() -> None:
    from traceanalysis.report.display import table_view

    table = _audit_rows()
    rare = table[(table["feature"] == "rare_count") & (table["bin"] == "all")].iloc[0]
    assert rare["n_problems_within"] == 2 and np.isnan(rare["auroc_within_lo"])
    view = table_view("audit", table)
    shown = view.frame.set_index("feature").loc["rare", "r within"]
    assert "untested: 2 informative problems" in shown
    assert "untested" not in view.frame.set_index("feature").loc["length", "r within"]
    assert "untested" in view.note


def test_flexible_table_quotes_no_untested_within_auroc() -> None:
    from traceanalysis.flexible import _audit_values

    table = _audit_rows()
    assert np.isnan(_audit_values(table, "rare_count", "r")["auroc_within"])
    assert np.isfinite(_audit_values(table, "n_tokens", "r")["auroc_within"])


def test_difficulty_view_shows_the_bin_cis() -> None:
    from traceanalysis.report.display import table_view

    rows = []
    for run, rates in (("base", [0.5, 0.7, 0.9]), ("rl", [0.75, 0.8, 1.0])):
        for i, (label, n) in enumerate((("3-4/8", 1), ("5-6/8", 7), ("7-8/8", 25))):
            ci = (np.nan, np.nan) if n == 1 else (rates[i] - 0.05, rates[i] + 0.04)
            d = rates[i] - [0.5, 0.7, 0.9][i]
            dci = (np.nan, np.nan) if n == 1 or run == "base" else (d - 0.02, d + 0.03)
            rows.append({"bin": label, "bin_index": i, "run": run, "n_problems": n,
                         "accuracy": rates[i], "accuracy_lo": ci[0], "accuracy_hi": ci[1],
                         "delta_vs_reference": d, "delta_lo": dci[0], "delta_hi": dci[1]})  # fmt: skip
    frame = table_view("difficulty", pd.DataFrame(rows)).frame.set_index("bin")
    assert frame.loc["5-6/8", "rl"] == "0.800 [0.750, 0.840]"
    assert frame.loc["5-6/8", "Δ rl"] == "0.100 [0.080, 0.130]"
    assert frame.loc["3-4/8", "rl"] == "0.750"  # one problem: no interval to show


def test_behaviour_rise_is_paired_over_shared_problems() -> None:
    import re

    from traceanalysis.report.findings_language import behavior_findings

    rng = np.random.default_rng(1)
    rows = [
        {"run": run, "problem_id": f"p{p}",
         "behavior_verification_present": bool(rng.random() < (0.8 if run == "a" else 0.3))}
        for p in range(10) for run in ("a", "b") for _ in range(2 + p % 3)
    ]  # fmt: skip
    rows += [{"run": "a", "problem_id": "only-a", "behavior_verification_present": True}] * 5
    samples = pd.DataFrame(rows)
    share = samples.groupby("run")["behavior_verification_present"].mean()
    beh = pd.DataFrame({"run": ["a", "b"], "behavior": ["verification"] * 2,
                        "share_present": [share["a"], share["b"]]})  # fmt: skip
    text = behavior_findings(beh, [("a", "b")], samples)[-1]
    per = samples.groupby(["problem_id", "run"])["behavior_verification_present"].mean().unstack()
    diff = (per["a"] - per["b"]).dropna()
    assert len(diff) == 10  # only-a is not shared
    assert f"paired over 10 shared problems: {100 * diff.mean():+.1f} points [" in text
    lo, hi = (float(x) for x in re.search(r"points \[([-+\d.]+), ([-+\d.]+)\]", text).groups())
    assert lo <= 100 * diff.mean() <= hi


def test_seed_reaches_the_difficulty_cis() -> None:
    from traceanalysis.engine.registry import get_stage

    rng = np.random.default_rng(0)
    rows = [
        {"run": run, "problem_id": f"p{p}", "sample_idx": i, "correct": bool(rng.random() < 0.6),
         "grade_status": "ok", "response": "", "extracted": str(i % 3)}
        for run in ("base", "rl") for p in range(30) for i in range(8)
    ]  # fmt: skip
    df = pd.DataFrame(rows)
    stage = get_stage("difficulty_table")  # the plan's stage, as the runner calls it

    def difficulty(seed: int) -> pd.DataFrame:
        return stage(df, n_boot=200, seed=seed, reference="base")["difficulty"]

    a, b = difficulty(0), difficulty(1)
    assert a["accuracy"].equals(b["accuracy"])
    assert not a["accuracy_lo"].fillna(-1).equals(b["accuracy_lo"].fillna(-1))


def test_difficulty_findings_say_the_bins_select_on_the_reference() -> None:
    from traceanalysis.report.findings_difficulty import difficulty_findings

    rows = [
        {"bin": label, "bin_index": i, "run": run, "n_problems": 5, "accuracy": acc,
         "delta_vs_reference": 0.0, "delta_lo": np.nan, "delta_hi": np.nan}
        for run, accs in (("base", [0.0, 1.0]), ("rl", [0.2, 0.9]))
        for i, (label, acc) in enumerate(zip(["0/8", "7-8/8"], accs, strict=True))
    ]  # fmt: skip
    text = " ".join(difficulty_findings(pd.DataFrame(rows), [("rl", "base")], "base", 8))
    assert "regression to the mean" in text and "base's own success rate" in text
    alone = " ".join(difficulty_findings(pd.DataFrame(rows), [("rl", "other")], "base", 8))
    assert "regression to the mean" not in alone


def test_the_audited_rate_is_named_per_response_and_the_flexible_table_says_so() -> None:
    from traceanalysis.audit import audit_features
    from traceanalysis.report.display import table_view

    df = pd.DataFrame({"n_tokens": [1.0], "anthropomorphic_count": [1.0],
                       "anthropomorphic_per_1k": [2.0]})  # fmt: skip
    assert audit_features(df)["anthropomorphic_per_1k"] == (
        "anthropomorphic keywords per 1k tokens of the response"
    )
    flexible = pd.DataFrame({"run": ["a"], "indicator": ["anthropomorphic_pooled_per_1k"],
                             "label": ["anthropomorphic tokens per 1k tokens (pooled)"],
                             "column": ["anthropomorphic_count"], "value": [3.0],
                             "auroc_within": [0.6], "auroc_within_lo": [0.5],
                             "auroc_within_hi": [0.7]})  # fmt: skip
    assert "per-response measure" in table_view("flexible", flexible).note


def test_a_table_added_after_analyze_is_written_with_a_warm_cache(tmp_path) -> None:  # noqa: ANN001
    from pipeline_runs import write_runs

    from traceanalysis.pipeline import ReportOptions, analyze, write_report

    runs = write_runs(tmp_path / "runs", n_problems=6, n_samples=4)
    options = ReportOptions(cache=str(tmp_path / "c.sqlite"), quiet=True, n_boot=50,
                            max_examples=2, grade_timeout=30.0)  # fmt: skip
    write_report(analyze(runs, options), tmp_path / "plain", options)
    analysis = analyze(runs, options)
    analysis.tables["lab_levels"] = pd.DataFrame({"level": [1], "acc": [0.5]})
    write_report(analysis, tmp_path / "demo", options)
    assert (tmp_path / "demo" / "tables" / "lab_levels.csv").is_file()
    assert not (tmp_path / "plain" / "tables" / "lab_levels.csv").exists()
