"""The ``nll`` and ``nll_novel`` tables against independent pandas/numpy computations,
and both through the plan (load -> grade -> reference -> difficulty -> score -> tables)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from score_helpers import independent_novel, make_runs, synthetic

from traceanalysis.metrics.bootstrap import resample_weights
from traceanalysis.score.tables import cluster_ci, nll_table, novel_table


def test_novel_share_equals_an_independent_computation() -> None:
    df = synthetic()
    table = novel_table(df, "base", n_boot=200, seed=0)
    expected = independent_novel(df, "base", "nll_m_per_token")
    assert set(table["run"]) == set(expected)
    for _, row in table.iterrows():
        assert row["share_above"] == pytest.approx(expected[row["run"]])
        assert row["share_above_lo"] <= row["share_above"] <= row["share_above_hi"]
        assert row["n_unsolved_problems"] == 10
    thr = np.percentile(df.loc[df["run"] == "base", "nll_m_per_token"].dropna(), 95)
    assert table["threshold_nll_per_token"].iloc[0] == pytest.approx(thr)
    # runs drawn with higher NLLs lie above the threshold more often
    shares = table.set_index("run")["share_all_above"]
    assert shares["rl"] < shares["distill"] < shares["other"]


def test_novel_share_needs_a_reference() -> None:
    assert novel_table(synthetic(), None).empty


def test_nll_table_equals_pandas_groupby() -> None:
    df = synthetic()
    table = nll_table(df, n_boot=200, seed=0)
    scored = df[df["nll_m_per_token"].notna()]
    for (run, label), part in scored.groupby(["run", "difficulty_bin"], observed=True):
        for flag in (True, False):
            sub = part[part["correct"] == flag]
            rows = table[
                (table["run"] == run) & (table["difficulty_bin"] == label)
                & (table["correct"] == str(flag).lower())
            ]  # fmt: skip
            if sub.empty:  # the reference never solves its 0/6 problems: no row
                assert rows.empty
                continue
            row = rows.iloc[0]
            assert row["n_responses"] == len(sub)
            assert row["nll_per_token"] == pytest.approx(sub["nll_m_per_token"].mean())
            assert row["q50"] == pytest.approx(sub["nll_m_per_token"].median())
            assert row["q95"] == pytest.approx(np.percentile(sub["nll_m_per_token"], 95))
            assert row["nll_per_token_lo"] <= row["nll_per_token"] <= row["nll_per_token_hi"]
    overall = table[(table["difficulty_bin"] == "all") & (table["correct"] == "all")]
    means = scored.groupby("run")["nll_m_per_token"].mean()
    for _, row in overall.iterrows():
        assert row["nll_per_token"] == pytest.approx(means[row["run"]])
        assert row["n_problems"] == 30


def test_cluster_ci_equals_an_explicit_resampling_loop() -> None:
    rng = np.random.default_rng(0)
    problems = np.repeat([f"q{i}" for i in range(12)], rng.integers(1, 5, size=12))
    values = rng.normal(size=len(problems))
    lo, hi = cluster_ci(values, problems, n_boot=300, seed=4)
    order = list(dict.fromkeys(problems))
    weights = resample_weights(len(order), 300, 4)
    means = []
    for draw in weights:  # each problem's responses repeated as often as it was drawn
        picked = np.concatenate(
            [np.repeat(values[problems == q], int(k)) for q, k in zip(order, draw, strict=True)]
        )
        means.append(picked.mean())
    assert lo == pytest.approx(np.quantile(means, 0.025))
    assert hi == pytest.approx(np.quantile(means, 0.975))


def test_tables_through_the_plan(llama_dir: Path, tmp_path: Path, score_stages: object) -> None:
    from traceanalysis.engine.cache import StageCache
    from traceanalysis.engine.plan import build_plan
    from traceanalysis.engine.runner import PlanRunner
    from traceanalysis.pipeline import ReportOptions, run_options

    runs = make_runs(tmp_path / "runs", problems=3, samples=2)
    report = ReportOptions(cache=str(tmp_path / "c.sqlite"), quiet=True, workers=1, n_boot=100)
    options = {
        **run_options(runs, report), "score_model": str(llama_dir), "score_name": "ref",
        "score_batch_size": 4, "score_backend": "transformers", "score_device": None,
        "score_dtype": "auto",
    }  # fmt: skip
    plan = build_plan(["nll", "nll_novel"])
    assert {"grade", "difficulty", "score", "score_templates"} <= set(plan.names())
    state = PlanRunner(
        plan, options, cache=StageCache(tmp_path / "stages"), scratch=tmp_path, progress=False
    ).run()
    df = state.features
    assert state.values["reference"] == "base"
    novel = state.tables["nll_novel"]
    expected = independent_novel(df, "base", "nll_ref_per_token")
    # base solves p0 and p2 only; chatty solves p1 (never solved by base), rl solves p0, p2
    assert set(novel["run"]) == {"chatty", "rl"}
    for _, row in novel.iterrows():
        got, want = row["share_above"], expected[row["run"]]
        assert (np.isnan(got) and np.isnan(want)) or got == pytest.approx(want)
    assert novel.set_index("run").loc["chatty", "n_correct"] == 2
    assert novel.set_index("run").loc["rl", "n_correct"] == 0
    table = state.tables["nll"]
    assert set(table["run"]) == {"base", "chatty", "rl"}
    means = df.groupby("run")["nll_ref_per_token"].mean()
    overall = table[(table["difficulty_bin"] == "all") & (table["correct"] == "all")]
    for _, row in overall.iterrows():
        assert row["nll_per_token"] == pytest.approx(means[row["run"]])
    assert state.values["score"]["computed"] == 18


def test_findings_state_the_tables_numbers() -> None:
    from traceanalysis.score.findings import score_findings

    df = synthetic()
    nll, novel = nll_table(df, n_boot=100), novel_table(df, "base", n_boot=100)
    lines = score_findings(nll, novel)
    base = nll[
        (nll["run"] == "base") & (nll["difficulty_bin"] == "all") & (nll["correct"] == "all")
    ]
    assert f"base {base['nll_per_token'].iloc[0]:.3f}" in lines[0]
    rl = novel.set_index("run").loc["rl"]
    assert any(f"{int(rl['n_above'])} of its {int(rl['n_correct'])} correct" in s for s in lines)
    empty = novel.assign(n_correct=0)
    assert any("solves none" in s for s in score_findings(nll, empty))
    assert "--score-model" in score_findings(None, None)[0]
