"""Outside plugins: a user's stage and table join the plan with no change to the package."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.report.pipeline_runs import write_runs
from traceanalysis.cli import main
from traceanalysis.engine import registry
from traceanalysis.io import load_runs

PLUGINS = Path(__file__).parent / "plugins"


@pytest.fixture(autouse=True)
def _registry_restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Plugins register globally: put the registry (and sys.modules) back afterwards."""
    registry.load_builtin_stages()
    saved = dict(registry._REGISTRY)
    monkeypatch.syspath_prepend(str(PLUGINS))
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)
    sys.modules.pop("answer_stats", None)


def _expected(runs: Path) -> pd.DataFrame:
    df = load_runs(runs)
    df["n_digits"] = df["response"].fillna("").str.count(r"\d")
    return df


def test_plugin_stage_and_table_reach_every_output(tmp_path: Path) -> None:
    runs = write_runs(tmp_path / "runs", n_problems=4, n_samples=2)
    out = tmp_path / "report"
    argv = ["report", str(runs), "--out", str(out), "--quiet", "--plugin", "answer_stats"]
    assert main([*argv, "--workers", "2"]) == 0
    samples = pd.read_parquet(out / "samples.parquet")
    expected = _expected(runs)
    key = ["run", "problem_id", "sample_idx"]
    merged = samples[[*key, "n_digits"]].merge(expected[[*key, "n_digits"]], on=key)
    assert len(merged) == len(expected) > 0
    assert (merged["n_digits_x"] == merged["n_digits_y"]).all()
    table = pd.read_csv(out / "tables" / "digits_by_run.csv")
    means = expected.groupby("run")["n_digits"].mean()
    for run, value in zip(table["run"], table["mean_digits"], strict=True):
        assert value == pytest.approx(means[run], rel=1e-9)
    assert (out / "tables" / "digits_by_run.tex").is_file()
    md = (out / "report.md").read_text(encoding="utf-8")
    extra = md.split("## Extra analyses", 1)[1]
    assert "digits_by_run" in extra.split("\n## ", 1)[0]
    assert "Extra analyses" in (out / "index.html").read_text(encoding="utf-8")


def test_no_plugin_no_extra_section(tmp_path: Path) -> None:
    runs = write_runs(tmp_path / "runs", n_problems=3, n_samples=2)
    assert main(["report", str(runs), "--out", str(tmp_path / "r"), "--quiet"]) == 0
    assert "Extra analyses" not in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")


def test_stages_lists_a_plugin_given_as_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stages", "--json", "--plugin", str(PLUGINS / "answer_stats.py")]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    mine = {r["stage"]: r for r in records if r["source"] == "answer_stats"}
    assert set(mine) == {"answer_digits", "digits_by_run"}
    assert re.fullmatch(r"1\+[0-9a-f]{10}", str(mine["answer_digits"]["version"]))
    assert mine["answer_digits"]["adds"] == "n_digits"
    assert "answer_digits" in mine["digits_by_run"]["depends on"]


def test_a_missing_plugin_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stages", "--plugin", "no_such_plugin_module"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no_such_plugin_module" in err


def test_entry_point_group_is_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from traceanalysis.engine.plugins import GROUP, load_plugins

    dist = tmp_path / "site" / "answer_stats_plugin-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: answer-stats-plugin\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(f"[{GROUP}]\ndigits = answer_stats\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert "answer_stats" in load_plugins([])
    assert registry.get_stage("answer_digits").builtin is False


def test_a_plugin_reusing_a_builtin_stage_name_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "clash.py").write_text(
        "import traceanalysis\n\n"
        "@traceanalysis.stage('lexical', reads=['response'], adds=['x'])\n"
        "def mine(df):\n    return df[[]]\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["stages", "--plugin", "clash"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "'lexical'" in err and "--plugin clash" in err
    sys.modules.pop("clash", None)
