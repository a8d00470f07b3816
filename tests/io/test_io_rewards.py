"""RL rewards as correctness labels: only binary rewards are labels; nothing is lost."""

from __future__ import annotations

import json

import pandas as pd

from traceanalysis import load_runs


def _verl(tmp_path, rows):
    run = tmp_path / "runs" / "dapo"
    run.mkdir(parents=True)
    (run / "20.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tmp_path / "runs"


def test_dapo_plus_minus_one_scores_are_labels(tmp_path):
    rows = [
        {"input": "Q1", "output": "\\boxed{4}", "gts": "4", "score": 1.0, "step": 20},
        {"input": "Q1", "output": "\\boxed{5}", "gts": "4", "score": -1.0, "step": 20},
        {"input": "Q2", "output": "\n", "gts": "7", "score": -1.0, "step": 20},
    ]
    df = load_runs(_verl(tmp_path, rows))
    assert len(df) == 3  # rows in file = loaded (+ 0 rejected)
    assert df["source_correct"].tolist() == [True, False, False]
    assert set(df["source_metric"]) == {"score"}
    assert json.loads(df["source_scores"].iloc[1]) == {"score": -1.0}
    assert not df.attrs["label_issues"]


def test_minus_one_beside_shaped_scores_is_no_label(tmp_path):
    rows = [
        {"input": "Q1", "output": "a", "gts": "4", "score": -1.0, "step": 1},
        {"input": "Q1", "output": "b", "gts": "4", "score": 0.25, "step": 1},
    ]
    df = load_runs(_verl(tmp_path, rows))
    assert len(df) == 2 and df["source_correct"].isna().all()
    assert len(df.attrs["label_issues"]) == 2


def test_shaped_score_is_no_label_but_keeps_response(tmp_path):
    rows = [
        {"input": "Q1", "output": "a", "gts": "4", "score": 0.5, "step": 1},
        {"input": "Q1", "output": "b", "gts": "4", "score": 1.0, "step": 1},
    ]
    df = load_runs(_verl(tmp_path, rows))
    assert len(df) == 2 and not df.attrs["rejections"]
    # 0.5 is no label (counted); 1.0 still reads as one, as any 0/1 source metric does
    assert df["source_correct"].tolist()[1] is True and pd.isna(df["source_correct"].iloc[0])
    assert len(df.attrs["label_issues"]) == 1
    assert json.loads(df["source_scores"].iloc[0]) == {"score": 0.5}


def test_acc_wins_over_score(tmp_path):
    rows = [
        {"input": "Q1", "output": "a", "gts": "4", "score": 0.9, "acc": True, "step": 1},
        {"input": "Q1", "output": "b", "gts": "4", "score": 0.1, "acc": False, "step": 1},
    ]
    df = load_runs(_verl(tmp_path, rows))
    assert df["source_correct"].tolist() == [True, False]
    assert set(df["source_metric"]) == {"acc"}
    assert json.loads(df["source_scores"].iloc[0]) == {"score": 0.9, "acc": True}


def test_trl_accuracy_reward(tmp_path):
    run = tmp_path / "runs" / "grpo"
    (run / "completions").mkdir(parents=True)
    frame = pd.DataFrame(
        {
            "step": [10, 10, 10],
            "prompt": ["Q1", "Q1", "Q2"],
            "completion": ["\\boxed{1}", "", "x"],
            "accuracy_reward": [1.0, 0.0, 0.0],
            "format_reward": [0.5, 0.0, 1.0],
            "advantage": [0.3, -0.3, 0.0],
        }
    )
    frame.to_parquet(run / "completions" / "completions_00010.parquet")
    df = load_runs(tmp_path / "runs")
    assert len(df) == 3
    assert df["source_correct"].tolist() == [True, False, False]
    assert json.loads(df["source_scores"].iloc[0]) == {
        "accuracy_reward": 1.0,
        "format_reward": 0.5,
    }
