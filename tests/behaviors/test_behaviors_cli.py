"""The judge and behaviors subcommands end to end, against the local fake server."""

from __future__ import annotations

import json

import pandas as pd
from fake_openai import FakeOpenAI

from traceanalysis.cli import main


def test_judge_dry_run_then_run_then_classifier(tmp_path, fixtures_dir, capsys):
    runs = str(fixtures_dir / "formats" / "native.jsonl")
    out = tmp_path / "judge"
    with FakeOpenAI() as server:
        base = [runs, "--judge", "openai:fake", "--judge-base-url", server.url, "--out", str(out)]
        assert main(["judge", *base, "--dry-run", "--quiet"]) == 0
        printed = capsys.readouterr().out
        assert "labels           28 (0 cached)" in printed and "calls to make    28" in printed
        assert not server.requests
        assert main(["judge", *base, "--quiet", "--max-calls", "7"]) == 0
        assert len(server.requests) == 7
        assert main(["judge", *base, "--train-classifier"]) == 0
        assert len(server.requests) == 28
    printed = capsys.readouterr().out
    assert "21 calls (21 requests), 7 cached" in printed
    labels = pd.read_parquet(out / "judge_labels.parquet")
    assert len(labels) == 4 and (labels["judge_status"] == "ok").all()
    assert json.loads((out / "judge.json").read_text())["prompt_version"] == "judge_v1"
    table = pd.read_csv(out / "behaviors.csv")
    assert {"kappa", "judge_share_present", "n_both"} <= set(table.columns)
    assert (out / "classifier.joblib").is_file() and (out / "agreement.csv").is_file()

    tagged = tmp_path / "tagged"
    assert (
        main(
            [
                "behaviors",
                runs,
                "--out",
                str(tagged),
                "--quiet",
                "--classifier",
                str(out / "classifier.joblib"),
            ]
        )
        == 0
    )
    table = pd.read_csv(tagged / "behaviors.csv")
    row = table[table.behavior == "verification"].iloc[0]
    assert row.share_present == 0.25 and row.n_responses == 4  # "let me double-check" in row 1


def test_judge_bad_spec_exit_code_2(fixtures_dir, capsys):
    runs = str(fixtures_dir / "formats" / "native.jsonl")
    assert main(["judge", runs, "--judge", "gpt-4o", "--dry-run", "--quiet"]) == 2
    assert "openai:MODEL or hf:PATH" in capsys.readouterr().err


def test_sample_seed_does_not_change_the_judge_cache_key(tmp_path, fixtures_dir):
    # --seed used to be the judge's seed too: a new sample seed re-asked every cached label.
    runs = str(fixtures_dir / "formats" / "native.jsonl")
    with FakeOpenAI() as server:
        base = [runs, "--judge", "openai:fake", "--judge-base-url", server.url, "--quiet"]
        base += ["--out", str(tmp_path / "judge")]
        assert main(["judge", *base, "--sample", "2", "--seed", "1"]) == 0
        assert len(server.requests) == 14
        assert main(["judge", *base, "--seed", "2"]) == 0
        assert len(server.requests) == 28  # only the two responses not judged yet
        assert main(["judge", *base, "--judge-seed", "5", "--max-calls", "1"]) == 0
        assert server.requests[-1]["seed"] == 5 and len(server.requests) == 29


def test_negative_limits_exit_code_2(fixtures_dir, capsys):
    runs = str(fixtures_dir / "formats" / "native.jsonl")
    base = ["judge", runs, "--judge", "openai:x", "--judge-base-url", "http://127.0.0.1:9/v1"]
    assert main([*base, "--max-calls", "-1", "--dry-run", "--quiet"]) == 2
    assert "max_calls must be >= 0" in capsys.readouterr().err
    assert main([*base, "--sample", "-3", "--quiet"]) == 2
    assert "sample must be >= 0" in capsys.readouterr().err
