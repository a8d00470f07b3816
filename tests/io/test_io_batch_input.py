"""OpenAI Batch: prompts come from the batch input file beside the output file."""

from __future__ import annotations

import json
from pathlib import Path

from traceanalysis.io import load_runs
from traceanalysis.io.openai_batch_input import SKIPPED, prompts_beside, request_prompt


def _write(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _request(custom_id: str, body: dict, url: str = "/v1/chat/completions") -> dict:
    return {"custom_id": custom_id, "method": "POST", "url": url, "body": body}


def _output(custom_id: str, text: str) -> dict:
    choice = {
        "index": 0,
        "message": {"role": "assistant", "content": text},
        "finish_reason": "stop",
    }
    body = {"model": "gpt-4o-mini", "choices": [choice]}
    return {"id": "r", "custom_id": custom_id, "response": {"status_code": 200, "body": body}}


def test_prompts_are_read_by_custom_id_and_the_input_file_is_skipped(tmp_path: Path) -> None:
    run = tmp_path / "gpt-base"
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "What is $2+2$?"}]},
    ]
    _write(
        run / "batch_input.jsonl",
        [
            _request("p1/0", {"model": "m", "messages": messages}),
            _request("p2/0", {"model": "m", "prompt": "Compute $3^2$."}, "/v1/completions"),
            _request("p3/0", {"model": "m", "instructions": "Be brief.", "input": "Is 7 prime?"}),
        ],
    )
    _write(
        run / "batch_output.jsonl",
        [_output("p1/0", "\\boxed{4}"), _output("p2/0", "9"), _output("p4/0", "?")],
    )
    df = load_runs(run)
    assert df["prompt"].iloc[0] == "system: Be brief.\n\nuser: What is $2+2$?"
    assert df["prompt"].iloc[1] == "Compute $3^2$."
    assert df["prompt"].isna().tolist() == [False, False, True]  # p4 has no request
    assert [Path(p).name for p, _ in df.attrs["skipped"]] == ["batch_input.jsonl"]
    assert df.attrs["skipped"][0][1] == SKIPPED
    assert len(df) + len(df.attrs["rejections"]) == 3  # every output line accounted for
    assert request_prompt({"input": "Is 7 prime?", "instructions": "Be brief."}) == (
        "system: Be brief.\n\nuser: Is 7 prime?"
    )


def test_conflicting_input_files_are_decided_by_name_or_left_out(tmp_path: Path) -> None:
    out = _write(tmp_path / "run_a_output.jsonl", [_output("x/0", "1")])
    _write(
        tmp_path / "run_a_input.jsonl",
        [_request("x/0", {"messages": [{"role": "user", "content": "A?"}]})],
    )
    _write(
        tmp_path / "run_b_input.jsonl",
        [_request("x/0", {"messages": [{"role": "user", "content": "B?"}]})],
    )
    assert prompts_beside(out) == {"x/0": "A?"}  # run_a_input shares the longer name start
    (tmp_path / "run_a_input.jsonl").rename(tmp_path / "run_c_input.jsonl")
    assert prompts_beside(out) == {}  # run_b and run_c are equally close: no guess


def test_no_input_file_means_no_prompt(tmp_path: Path) -> None:
    out = _write(tmp_path / "batch_output.jsonl", [_output("x/0", "1")])
    assert prompts_beside(out) is None
    df = load_runs(out)
    assert df["prompt"].isna().all()
