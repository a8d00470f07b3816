"""The summary endpoints over a real uvicorn server (runs, problems, one problem across
runs) and the store's edge cases, checked against pandas on the same Parquet file."""

from __future__ import annotations

from pathlib import Path

import httpx
import pandas as pd
import pytest

from traceanalysis.view.query import SampleStore

ORDER = ["base", "rlvr", "distill-knowledge", "distill-patterns", "thinker"]  # role order


def get(server, path: str, params=None) -> httpx.Response:
    """One GET with a plain HTTP client."""
    return httpx.get(server.url.rstrip("/") + path, params=params, timeout=30)


def test_runs_match_pandas(server, samples: pd.DataFrame) -> None:
    body = get(server, "/api/runs").json()
    assert [r["run"] for r in body] == [
        "base",
        "rlvr",
        "distill-knowledge",
        "distill-patterns",
        "thinker",
    ]  # fmt: skip  (role order: base, rl, distilled, other)
    for record in body:
        rows = samples[samples["run"] == record["run"]]
        assert record["n_samples"] == len(rows)
        assert record["n_problems"] == rows["problem_id"].nunique()
        assert record["n_correct"] == int(rows["correct"].fillna(False).sum())
        assert record["n_graded"] == int(rows["correct"].notna().sum())
        assert record["accuracy"] == pytest.approx(rows["correct"].dropna().mean())
        assert record["role"] == rows["role"].iloc[0]


def test_problems_and_one_problem_side_by_side(server, samples: pd.DataFrame) -> None:
    every = get(server, "/api/problems", {"limit": 1000}).json()["rows"]  # ungraded ones too
    assert len(every) == samples["problem_id"].nunique()
    body = get(server, "/api/problems", {"limit": 5, "offset": 2}).json()
    assert body["total"] == samples["problem_id"].nunique()
    order = list(dict.fromkeys(samples["problem_id"]))
    assert [p["problem_id"] for p in body["rows"]] == order[2:7]
    assert [p["problem_id"] for p in every] == order
    for item in every:
        for run, counts in item["runs"].items():
            mine = samples[(samples["problem_id"] == item["problem_id"]) & (samples["run"] == run)]
            assert counts == {
                "n": len(mine), "n_graded": int(mine["correct"].notna().sum()),
                "n_correct": int(mine["correct"].fillna(False).sum()),
            }  # fmt: skip
    for item in body["rows"]:
        rows = samples[samples["problem_id"] == item["problem_id"]]
        assert item["gold"] == rows["gold"].iloc[0]
        counts = rows.groupby("run")["correct"].agg(
            ["size", "count", lambda c: c.fillna(False).sum()]
        )
        counts.columns = ["size", "count", "sum"]
        assert list(item["runs"]) == [r for r in ORDER if r in item["runs"]]
        assert item["runs"] == {
            run: {"n": int(c["size"]), "n_graded": int(c["count"]), "n_correct": int(c["sum"])}
            for run, c in counts.iterrows()
        }
    pid = samples.loc[samples["correct"].isna(), "problem_id"].iloc[0]
    one = get(server, "/api/problem", {"id": pid}).json()
    rows = samples[samples["problem_id"] == pid]
    assert one["gold"] == rows["gold"].iloc[0] and one["prompt"] == rows["prompt"].iloc[0]
    assert [r["run"] for r in one["runs"]] == [
        "base", "rlvr", "distill-knowledge", "distill-patterns", "thinker"
    ]  # fmt: skip
    for run in one["runs"]:
        mine = rows[rows["run"] == run["run"]]
        assert [s["sample_idx"] for s in run["samples"]] == mine["sample_idx"].tolist()
        assert [s["correct"] for s in run["samples"]] == [
            None if pd.isna(c) else bool(c) for c in mine["correct"]
        ]
        assert run["n_correct_shown"] == int(mine["correct"].fillna(False).sum())
        assert all("marks" in s and "parts" in s for s in run["samples"])


def test_other_endpoints_refuse_bad_input(server) -> None:
    assert get(server, "/api/problem").status_code == 400
    assert get(server, "/api/problem", {"id": "no-such"}).status_code == 404
    assert get(server, "/api/problems", {"limit": "x"}).status_code == 400


def test_the_database_lives_in_a_temporary_folder_removed_on_close(view_report) -> None:
    store = SampleStore(view_report / "samples.parquet")
    folder = Path(store._folder)
    assert (folder / "samples.duckdb").is_file()
    assert store.n_rows == len(pd.read_parquet(view_report / "samples.parquet", columns=["run"]))
    store.close()
    assert not folder.exists()


def test_a_table_without_verdicts_or_steps(tmp_path) -> None:
    from traceanalysis.view.filters import BadRequest, parse

    table = pd.DataFrame({
        "run": ["a", "a", "b"], "role": ["base", "base", "rl"], "problem_id": ["p", "q", "p"],
        "sample_idx": [0, 0, 0], "response": ["x", "Wait y", None],
        "correct": pd.array([pd.NA, pd.NA, True], dtype="boolean"),
    })  # fmt: skip
    table.to_parquet(tmp_path / "samples.parquet", index=False)
    store = SampleStore(tmp_path / "samples.parquet")
    runs = {r["run"]: r for r in store.runs()}
    assert runs["a"] | {"model": None} == {
        "run": "a", "model": None, "role": "base", "n_samples": 2, "n_problems": 2,
        "n_graded": 0, "n_correct": 0, "accuracy": None,
    }  # fmt: skip
    assert store.problems(None, 0, 10)["rows"][0]["runs"] == {
        "a": {"n": 1, "n_graded": 0, "n_correct": 0}, "b": {"n": 1, "n_graded": 1, "n_correct": 1}
    }  # fmt: skip
    assert store.samples(parse({"q": ["wait"]}, store.facets))["total"] == 1
    assert store.facet_dict()["has_step"] is False
    for bad in ({"step": ["1"]}, {"difficulty": ["0/8"]}, {"behavior": ["verification"]}):
        with pytest.raises(BadRequest):
            parse(bad, store.facets)
    store.close()


def test_a_file_that_is_no_samples_table_is_one_clear_error(tmp_path) -> None:
    from traceanalysis.errors import InputError

    (tmp_path / "samples.parquet").write_text("not parquet", encoding="utf-8")
    with pytest.raises(InputError, match="cannot be read as Parquet"):
        SampleStore(tmp_path / "samples.parquet")
    pd.DataFrame({"run": ["a"], "text": ["x"]}).to_parquet(tmp_path / "other.parquet")
    with pytest.raises(InputError, match="no problem_id, sample_idx, response column"):
        SampleStore(tmp_path / "other.parquet")
