"""The ``steps`` table of training series, against plain pandas/numpy on real input files.

verl dumps (``<step>.jsonl``) with a known trend go through the whole plan
(``pipeline.analyze``); every point value is recomputed from the samples table with plain
pandas, and the bootstrap CIs by brute force: the same seeded multinomial prompt weights,
each replicate built by repeating every prompt's rows, every metric recomputed from them.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.metrics.dynamics_data import (
    N_BOOT,
    SEED,
    dynamics_options,
    series_rows,
    write_checkpoints,
    write_verl_dumps,
)
from traceanalysis.errors import InputError
from traceanalysis.io import load_runs
from traceanalysis.metrics.dynamics import (
    DEFAULT_SERIES,
    STEPS_COLUMNS,
    parse_steps,
    series_steps,
)
from traceanalysis.metrics.dynamics_stages import dynamics
from traceanalysis.pipeline import analyze

LEX = "reflection_simplerl"
CHECKED = [
    "pass@1", "pass@2", "pass@4", "tokens_mean", f"{LEX}_per_1k", f"{LEX}_present",
    "behavior_verification_present", "answer_entropy",
]  # fmt: skip


def _entropy(answers: list[str]) -> float:
    counts = np.array(list(Counter(answers).values()), dtype=float)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def plain_metrics(rows: pd.DataFrame, group: list[str]) -> dict[tuple[str, int], float]:
    """Every checked metric per step, from the rows with plain pandas; ``group`` names a
    prompt (a resampled prompt drawn twice is two prompts)."""
    out: dict[tuple[str, int], float] = {}
    for step, part in rows.groupby("step"):
        per = part.groupby(group)
        n = per["correct"].size()
        c = per["correct"].sum()
        for k in (1, 2, 4):
            if n.min() >= k:
                vals = [
                    1 - math.comb(int(a - b), k) / math.comb(int(a), k)
                    for a, b in zip(n, c, strict=True)
                ]
                out[(f"pass@{k}", step)] = float(np.mean(vals))
        tokens = part["n_tokens"].astype(float)
        out[("tokens_mean", step)] = float(tokens.mean())
        out[(f"{LEX}_per_1k", step)] = 1000 * part[f"{LEX}_count"].sum() / tokens.sum()
        out[(f"{LEX}_present", step)] = float((part[f"{LEX}_count"] > 0).mean())
        out[("behavior_verification_present", step)] = float(
            part["behavior_verification_present"].astype(float).mean()
        )
        ent = [
            _entropy([str(a) for a in g["extracted"].dropna()])
            for _, g in per
            if g["extracted"].notna().sum() >= 2
        ]
        if ent:
            out[("answer_entropy", step)] = float(np.mean(ent))
    return out


def test_steps_table_values_against_plain_pandas(dumps) -> None:
    table = dumps.tables["steps"]
    assert list(table.columns) == STEPS_COLUMNS
    assert set(table["run"]) == {"grpo-run"}
    rows = series_rows(dumps.samples, "grpo-run")
    assert sorted(table["step"].unique()) == [0, 10, 20, 30, 40]
    expected = plain_metrics(rows, ["problem_id"])
    got = table.set_index(["metric", "step"])
    for (metric, step), value in expected.items():
        assert got.loc[(metric, step), "value"] == pytest.approx(value, rel=1e-12, abs=1e-12)
    # every lexicon's rate and presence share and every behaviour's share is in the table
    lexicons = [c[: -len("_per_1k")] for c in rows.columns if c.endswith("_per_1k")]
    behaviors = [c for c in rows.columns if c.startswith("behavior_") and c.endswith("_present")]
    wanted = {f"{x}_per_1k" for x in lexicons} | {f"{x}_present" for x in lexicons}
    assert wanted | set(behaviors) <= set(table["metric"])
    for name in lexicons:
        for step, part in rows.groupby("step"):
            rate = 1000 * part[f"{name}_count"].sum() / part["n_tokens"].sum()
            assert got.loc[(f"{name}_per_1k", step), "value"] == pytest.approx(rate)
    # n is the number of prompts at the step; the known trend shows
    n_prompts = rows.groupby("step")["problem_id"].nunique()
    p1 = got.xs("pass@1", level="metric")
    assert (p1["n"] == n_prompts.reindex(p1.index)).all()
    assert p1.loc[40, "value"] > p1.loc[0, "value"] + 0.2
    length = got.xs("tokens_mean", level="metric")["value"]
    assert length.is_monotonic_increasing


def test_steps_table_cis_brute_force(dumps) -> None:
    table = dumps.tables["steps"].set_index(["metric", "step"])
    rows = series_rows(dumps.samples, "grpo-run").reset_index(drop=True)
    prompts = sorted(rows["problem_id"].astype(str).unique())
    rng = np.random.default_rng(SEED)
    weights = rng.multinomial(len(prompts), np.full(len(prompts), 1 / len(prompts)), size=N_BOOT)
    position = rows["problem_id"].astype(str).map({p: i for i, p in enumerate(prompts)})
    reps: dict[tuple[str, int], list[float]] = {}
    for w in weights:
        times = w[position.to_numpy()]
        copy = rows.loc[rows.index.repeat(times)].copy()
        copy["draw"] = copy.groupby(level=0).cumcount()  # the i-th copy of a drawn prompt
        values = plain_metrics(copy, ["problem_id", "draw"])
        for key in table.index:
            if key[0] in CHECKED:
                reps.setdefault(key, []).append(values.get(key, np.nan))
    assert len(reps) >= 35
    for key, values in reps.items():
        lo, hi = np.nanquantile(np.array(values), [0.025, 0.975])
        assert table.loc[key, "lo"] == pytest.approx(lo, rel=1e-9, abs=1e-12), key
        assert table.loc[key, "hi"] == pytest.approx(hi, rel=1e-9, abs=1e-12), key
        assert table.loc[key, "lo"] <= table.loc[key, "value"] <= table.loc[key, "hi"]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory):
    """analyze() of three checkpoint runs (run.json step/series) and a base run."""
    tmp = tmp_path_factory.mktemp("ckpt")
    write_checkpoints(tmp / "runs", {"grpo-300": 300, "grpo-100": 100, "grpo-200": 200})
    return analyze(tmp / "runs", dynamics_options(tmp))


def test_checkpoint_series_matches_accuracy_table(checkpoints) -> None:
    steps = checkpoints.tables["steps"]
    assert set(steps["run"]) == {"grpo"}  # the base run has no step: in no series
    assert sorted(steps["step"].unique()) == [100, 200, 300]
    acc = checkpoints.tables["accuracy"].set_index("run")
    p1 = steps[steps["metric"] == "pass@1"].set_index("step")
    for run, step in (("grpo-100", 100), ("grpo-200", 200), ("grpo-300", 300)):
        # same prompts, same seed, same resampling: the accuracy table's value and CI
        for col, acc_col in (("value", "pass@1"), ("lo", "pass@1_lo"), ("hi", "pass@1_hi")):
            assert p1.loc[step, col] == pytest.approx(acc.loc[run, acc_col], rel=1e-12)
        assert p1.loc[step, "n"] == acc.loc[run, "n_problems"]
    assert set(checkpoints.tables["onsets"]["run"]) == {"grpo"}


def test_series_default_name_and_step_override(tmp_path: Path) -> None:
    write_checkpoints(tmp_path / "runs", {"a": 5, "b": 1}, series=None)
    df = load_runs(tmp_path / "runs")
    got = series_steps(df)
    by_run = pd.concat([df["run"], got], axis=1).drop_duplicates("run").set_index("run")
    assert by_run.loc["a", "series"] == DEFAULT_SERIES and by_run.loc["a", "series_step"] == 5
    assert by_run.loc["b", "series_step"] == 1 and pd.isna(by_run.loc["base", "series"])
    over = series_steps(df, {"base": 0, "a": 9})
    by_run = pd.concat([df["run"], over], axis=1).drop_duplicates("run").set_index("run")
    assert by_run["series_step"].to_dict() == {"a": 9, "b": 1, "base": 0}
    with pytest.raises(InputError, match="names no run: nope"):
        series_steps(df, {"nope": 3})


def test_one_step_is_no_series_and_no_steps_no_tables(tmp_path: Path) -> None:
    write_verl_dumps(tmp_path / "one" / "r", steps=(10,))
    write_checkpoints(tmp_path / "none", {}, series=None)  # only the base run, no step
    for folder in ("one", "none"):
        df = load_runs(tmp_path / folder)
        assert series_steps(df)["series"].isna().all()
        assert dynamics(df, n_boot=10, seed=0) == {}


def test_trl_completions_keep_their_step(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "trl-grpo" / "completions"
    run.mkdir(parents=True)
    for step in (5, 10):
        pd.DataFrame(
            {"step": [step] * 4, "prompt": ["What is 1+1?", "What is 2+2?"] * 2,
             "completion": ["\\boxed{2}", "\\boxed{4}", "\\boxed{3}", "\\boxed{4}"],
             "accuracy_reward": [1.0, 1.0, 0.0, 1.0]}
        ).to_parquet(run / f"completions_{step}.parquet")  # fmt: skip
    df = load_runs(tmp_path / "runs")
    assert sorted(df["step"].dropna().unique()) == [5, 10]
    got = series_steps(df)
    assert set(got["series"].dropna()) == {"trl-grpo"}
    assert (got["series_step"] == df["step"]).all()


def test_parse_steps() -> None:
    assert parse_steps(["a=1", "b=20"]) == {"a": 1, "b": 20}
    assert parse_steps("a=1, b=2") == {"a": 1, "b": 2}
    assert parse_steps(None) is None and parse_steps([]) is None
    assert parse_steps(["a=1", "a=1"]) == {"a": 1}
    for bad in ("a", "a=x", "=3", "a=-1", "a=1,a=2"):
        with pytest.raises(InputError):
            parse_steps(bad)


def test_figures_and_section_view(dumps, tmp_path: Path) -> None:
    from jinja2 import Environment, PackageLoader, select_autoescape

    from traceanalysis.report.dynamics_view import NO_STEPS, dynamics_findings, dynamics_view
    from traceanalysis.report.figures_dynamics import dynamics_figures
    from traceanalysis.report.style import run_styles

    styles = run_styles(r.name for r in dumps.runs)
    drafts = list(dynamics_figures(dumps.tables, styles))
    assert [d.name for d in drafts] == ["dynamics", "dynamics_lexicons", "dynamics_behaviors"]
    assert {d.section for d in drafts} == {"dynamics"}
    overview = drafts[0].figure.axes
    assert [ax.get_xlabel() for ax in overview] == ["training step"] * 3
    p1 = dumps.tables["steps"].query("metric == 'pass@1'").sort_values("step")
    line = overview[0].get_lines()[0]  # pass@1 in percent, one point per step
    assert list(line.get_xdata()) == list(p1["step"].astype(float))
    assert np.allclose(line.get_ydata(), 100 * p1["value"].to_numpy())
    assert list(dynamics_figures({}, styles)) == []
    env = Environment(
        loader=PackageLoader("traceanalysis.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
    )
    html = env.get_template("dynamics.html.j2").render(dynamics=dynamics_view(dumps.tables))
    assert "Series grpo-run" in html and "reflection (SimpleRL-Zoo) per 1k tokens" in html
    assert html.count("<tr>") == 1 + 5  # header + one row per step
    findings = dynamics_findings(dumps.tables)
    assert findings[0].startswith("grpo-run: 5 steps (0 to 40): pass@1 ")
    empty = env.get_template("dynamics.html.j2").render(dynamics=dynamics_view({}))
    assert "<table" not in empty and dynamics_findings({}) == [NO_STEPS]


def test_stage_takes_step_overrides(tmp_path: Path) -> None:
    write_checkpoints(tmp_path / "runs", {"a": 5, "b": 1}, series=None)
    df = load_runs(tmp_path / "runs")
    df["n_tokens"] = df["response"].str.len()  # a stand-in length: the stage reads the column
    tables = dynamics(df, n_boot=20, seed=0, steps={"base": 0})
    length = tables["steps"].query("metric == 'tokens_mean'").set_index("step")["value"]
    assert list(length.index) == [0, 1, 5]  # base joined the series at step 0
    assert length.loc[0] == pytest.approx(df.loc[df["run"] == "base", "n_tokens"].mean())
