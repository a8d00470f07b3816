"""Each input format's hand-written fixture loads into the expected rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.io import load_runs
from traceanalysis.schema import CORE_COLUMNS

FORMATS = Path(__file__).parents[1] / "fixtures" / "formats"


def _load(name: str, **kwargs: object) -> pd.DataFrame:
    df = load_runs(FORMATS / name, **kwargs)
    assert list(df.columns) == list(CORE_COLUMNS)
    assert {c: str(t) for c, t in df.dtypes.items()} == CORE_COLUMNS
    return df


def _formats(df: pd.DataFrame) -> list[str]:
    return [i["format"] for i in df.attrs["inputs"]]


def test_native_jsonl_think_and_truncation() -> None:
    df = _load("native.jsonl")
    assert _formats(df) == ["native"]
    assert df["problem_id"].tolist() == ["math500/1", "math500/1", "math500/2", "math500/2"]
    assert df["sample_idx"].tolist() == [0, 1, 0, 1]
    assert df.loc[0, "reasoning"] == "Two plus two. Wait, let me double-check: 2+2=4."
    assert df["response"].iloc[0].endswith("The answer is $\\boxed{4}$.")  # full text kept
    assert df["truncated"].tolist() == [False, True, False, False]
    assert df["source_correct"].tolist() == [True, False, True, False]
    assert df["source_line"].tolist() == [1, 2, 3, 4]
    assert set(df["run"]) == {"native"}
    assert df.attrs["rejections"] == []


def test_native_parquet_and_csv_keep_ids_as_text() -> None:
    pq = _load("native.parquet")
    assert pq["response"].tolist() == ["\\boxed{1}", "Wait... \\boxed{2}"]
    csv = _load("native.csv")
    assert csv["problem_id"].tolist() == ["001", "001", "002"]  # leading zeros survive
    assert csv["response"].iloc[0] == "We compute 3*3 = 9.\nSo the answer is \\boxed{9}."
    assert csv["finish_reason"].isna().tolist() == [False, False, True]


def test_qwen_math_one_row_per_code() -> None:
    df = _load("qwen_math.jsonl")
    assert _formats(df) == ["qwen_math"]
    assert len(df) == 6
    assert df["problem_id"].tolist() == ["0"] * 3 + ["1"] * 3
    assert df["sample_idx"].tolist() == [0, 1, 2, 0, 1, 2]
    assert df["source_correct"].tolist() == [True, True, False, True, False, True]
    assert df["gold"].tolist() == ["1"] * 3 + ["15"] * 3
    assert df["prompt"].iloc[0].startswith("<|im_start|>user\nFind the remainder")
    assert df["prompt"].iloc[3] == "Compute $\\binom{6}{2}$."  # no saved prompt: the question
    assert df["source_line"].tolist() == [1, 1, 1, 2, 2, 2]


def test_lm_eval_merges_filter_rows() -> None:
    df = _load("samples_hendrycks_math500_2025-03-14T10-22-31.123456.jsonl")
    assert _formats(df) == ["lm_eval"]
    assert len(df) == 4  # 2 docs x 2 responses; the second filter's rows are merged
    assert df.attrs["inputs"][0]["merged_rows"] == 2
    assert df.attrs["rejections"] == []
    assert df["response"].tolist()[:2] == [
        "$1+1=\\boxed{2}$",
        "Let me think. The answer is \\boxed{3}.",
    ]
    assert df["prompt"].iloc[0] == "Problem: What is $1+1$?\nAnswer:"
    assert df["problem_id"].tolist() == ["hendrycks_math500/0"] * 2 + ["hendrycks_math500/1"] * 2
    assert df["gold"].tolist() == ["2", "2", "6", "6"]
    assert df["source_correct"].isna().all()  # per-document metric, several responses


def test_lm_eval_conflicting_duplicate_is_rejected(tmp_path: Path) -> None:
    src = (FORMATS / "samples_hendrycks_math500_2025-03-14T10-22-31.123456.jsonl").read_text()
    lines = src.splitlines()
    lines[1] = lines[1].replace("Let me think.", "Different text.")
    path = tmp_path / "samples_x.jsonl"
    path.write_text("\n".join(lines) + "\n")
    df = load_runs(path)
    assert len(df) == 4
    (rej,) = df.attrs["rejections"]
    assert (rej.line, rej.reason) == (2, "doc_id 0 repeats line 1 with different responses")


def test_lighteval_nested_details() -> None:
    df = _load("details_math_500_2025-02-01T12-00-00.parquet")
    assert _formats(df) == ["lighteval"]
    assert df["problem_id"].tolist() == ["math_500/test/algebra/27.json"] * 2 + [
        "math_500/test/prealgebra/88.json"
    ]  # task/doc.id: ids restart in every task
    assert df["source_problem_id"].tolist()[2] == "test/prealgebra/88.json"
    assert df["gold"].tolist() == ["27", "27", "\\frac{5}{2}"]
    assert df["source_correct"].tolist()[2] is True  # single response: metric applies
    assert df["source_correct"].iloc[:2].isna().all()


@pytest.mark.parametrize("name", ["inspect_log.json", "inspect_log.eval"])
def test_inspect_logs(name: str) -> None:
    df = _load(name)
    assert _formats(df) == ["inspect_ai"]
    assert df["problem_id"].tolist() == ["math500/p1", "math500/p1", "math500/p2"]  # task/id
    assert df["source_problem_id"].tolist() == ["p1", "p1", "p2"]
    assert df["sample_idx"].tolist() == [0, 1, 0]  # epoch - 1
    assert df["reasoning"].iloc[1] == "Nine minus four... wait, that is five."
    assert df["finish_reason"].tolist() == ["stop", "stop", "length"]
    assert df["truncated"].tolist() == [False, False, True]
    assert df["source_correct"].tolist() == [True, True, False]
    assert df["prompt"].iloc[0] == "What is $9-4$?"
    assert df.attrs["runs"]["inspect_log"].model == "Qwen/Qwen2.5-Math-1.5B"
    (rej,) = df.attrs["rejections"]
    assert "CUDA out of memory" in rej.reason
    member = "samples/p2_epoch_2.json" if name.endswith(".eval") else "samples[3]"
    assert (rej.file, rej.line) == (f"{FORMATS / name}!{member}", None)


def test_inspect_sample_problems_name_the_sample(tmp_path: Path) -> None:
    log = json.loads((FORMATS / "inspect_log.json").read_text())
    log["samples"][0]["scores"]["match"]["value"] = "B"  # a custom scorer's own word
    log["samples"][1]["output"]["completion"] = " "  # an empty answer is an answer
    log["samples"][1]["output"]["choices"][0]["message"]["content"] = " "
    path = tmp_path / "log.json"
    path.write_text(json.dumps(log))
    df = load_runs(path)
    assert [pid.split("/")[-1] for pid in df["problem_id"]] == ["p1", "p1", "p2"]
    assert df["response"].tolist()[1] == " "
    assert df["source_correct"].isna().tolist() == [True, False, False]  # "B" is no label
    assert sorted((r.file, r.line, r.reason[:14]) for r in df.attrs["rejections"]) == [
        (f"{path}!samples[3]", None, "sample failed:"),
    ]
    assert len(log["samples"]) == len(df) + len(df.attrs["rejections"])


def test_verl_groups_by_prompt_across_steps(tmp_path: Path) -> None:
    run = tmp_path / "verl-grpo"
    run.mkdir()
    shutil.copy(FORMATS / "20.jsonl", run / "20.jsonl")
    shutil.copy(FORMATS / "20.jsonl", run / "100.jsonl")
    text = (run / "100.jsonl").read_text().replace('"step": 20', '"step": 100')
    (run / "100.jsonl").write_text(text)
    df = load_runs(run)
    assert df.attrs["runs"]["verl-grpo"].format == "verl"
    assert df.attrs["runs"]["verl-grpo"].role == "rl"
    assert df["step"].tolist() == [20, 20, 20, 100, 100, 100]  # natural order: 20 before 100
    first = df["problem_id"].iloc[0]
    assert df.loc[df["problem_id"] == first, "sample_idx"].tolist() == [0, 1, 2, 3]
    assert df["truncated"].tolist()[:3] == [False, True, False]
    assert df["source_correct"].tolist()[:3] == [True, False, True]
    assert df["gold"].tolist()[:3] == ["3", "3", "16"]


def test_trl_completions() -> None:
    df = _load("completions_00030.parquet")
    assert _formats(df) == ["trl"]
    assert df["prompt"].tolist()[0] == "What is $7+8$?"
    assert df["response"].iloc[0] == "<think>7+8=15</think>\\boxed{15}"
    assert df["sample_idx"].tolist() == [0, 1, 0]
    assert df["step"].tolist() == [30, 30, 30]
    assert df["source_correct"].tolist() == [True, False, True]
    assert df["truncated"].tolist() == [False, True, False]


def test_openai_batch_custom_id_and_failures() -> None:
    df = _load("batch_output.jsonl")
    assert _formats(df) == ["openai_batch"]
    assert set(df["run"]) == {"gpt4o-mini-base"}  # the run part of custom_id, for a bare file
    assert df["problem_id"].tolist() == ["aime24-1", "aime24-1", "aime24-2"]
    assert df["sample_idx"].tolist() == [0, 1, 0]
    assert df["model"].unique().tolist() == ["gpt-4o-mini-2024-07-18"]
    assert df["truncated"].tolist() == [False, True, False]
    (rej,) = df.attrs["rejections"]
    assert (rej.line, rej.reason) == (4, "request failed: Rate limit reached for requests")


def test_hf_dataset_on_disk() -> None:
    df = _load("hf_dataset")
    assert _formats(df) == ["hf_dataset:native"]
    assert df["problem_id"].tolist() == ["aime25-3", "aime25-3", "aime25-4"]
    assert df["response"].iloc[1] == "Alternatively, $n=\\boxed{588}$."


def test_column_mapping_with_nested_path() -> None:
    mapping = {
        "problem_id": "qid",
        "sample_idx": "rollout",
        "prompt": "question",
        "response": "out.text",
        "gold": "answer_gt",
    }
    df = _load("mapped.jsonl", columns=mapping)
    assert _formats(df) == ["mapped"]
    assert df["response"].tolist() == [
        "3 + 4 = 7. \\boxed{7}",
        "He has \\boxed{8}.",
        "18/2 = \\boxed{9}",
    ]
    assert df["gold"].tolist() == ["7", "7", "9"]


def test_unknown_format_without_mapping_names_columns() -> None:
    from traceanalysis.errors import InputError

    with pytest.raises(InputError, match=r"mapped\.jsonl: unknown format \(columns: qid, rollout"):
        load_runs(FORMATS / "mapped.jsonl")


@pytest.mark.parametrize(
    ("fixture", "renamed", "fmt"),
    [
        ("qwen_math.jsonl", "samples.jsonl", "qwen_math"),
        ("samples_hendrycks_math500_2025-03-14T10-22-31.123456.jsonl", "out.txt", "lm_eval"),
        ("20.jsonl", "rollouts.json", "verl"),  # JSON Lines under a .json name
        ("batch_output.jsonl", "native.ndjson", "openai_batch"),
    ],
)
def test_detection_is_by_content(tmp_path: Path, fixture: str, renamed: str, fmt: str) -> None:
    path = tmp_path / renamed
    shutil.copy(FORMATS / fixture, path)
    assert _formats(load_runs(path)) == [fmt]


def test_older_layouts_of_lighteval_and_lm_eval(tmp_path: Path) -> None:
    # lighteval < 0.10: flat columns, metrics as a JSON string.
    old = pd.DataFrame(
        {
            "full_prompt": ["Q: 1+2?"],
            "predictions": [["3", "4"]],
            "gold": [["3"]],
            "metrics": ['{"quasi_exact_match": 1.0}'],
        }
    )
    old.to_parquet(tmp_path / "details_old.parquet")
    df = load_runs(tmp_path / "details_old.parquet")
    assert _formats(df) == ["lighteval"]
    assert df["response"].tolist() == ["3", "4"] and df["gold"].tolist() == ["3", "3"]
    assert df["problem_id"].tolist() == ["0", "0"]  # no doc id: the row number
    # lm-eval < 0.4.3: arguments as a list of [prompt, generation kwargs].
    record = {
        "doc_id": 5,
        "doc": {"question": "2*2?"},
        "target": "4",
        "arguments": [["Question: 2*2?\nAnswer:", {"until": ["\n"]}]],
        "resps": [["4"]],
        "filtered_resps": ["4"],
        "exact_match": 1.0,
    }
    (tmp_path / "samples_old.jsonl").write_text(json.dumps(record) + "\n")
    df = load_runs(tmp_path / "samples_old.jsonl")
    assert _formats(df) == ["lm_eval"]
    assert df["prompt"].tolist() == ["Question: 2*2?\nAnswer:"]
    assert df["source_correct"].tolist() == [True]  # one response: the metric applies


def test_lm_eval_two_tasks_in_one_run_folder(tmp_path: Path) -> None:
    run = tmp_path / "qwen-base"
    run.mkdir()
    name = "samples_hendrycks_math500_2025-03-14T10-22-31.123456.jsonl"
    shutil.copy(FORMATS / name, run / name)
    shutil.copy(FORMATS / name, run / "samples_aime24_2025-03-14T10-22-31.123456.jsonl")
    df = load_runs(run)
    assert df.attrs["rejections"] == []  # doc 0 of each task is a problem of its own
    assert df.groupby("problem_id").size().to_dict() == {
        "aime24/0": 2,
        "aime24/1": 2,
        "hendrycks_math500/0": 2,
        "hendrycks_math500/1": 2,
    }


def test_openai_batch_responses_api_output() -> None:
    df = _load("batch_output_responses.jsonl")
    assert _formats(df) == ["openai_batch"]
    assert df["problem_id"].tolist() == ["aime24-1", "aime24-1", "aime24-2"]
    assert df["response"].tolist() == [
        "The answer is \\boxed{204}.",
        "Hmm, consider n = 7 first, then",
        "",  # all its tokens went to reasoning: sampled, cut off, no output text
    ]
    assert df["reasoning"].tolist()[0] == "Factor and check small cases."
    assert df["reasoning"].isna().tolist() == [False, True, True]
    assert df["finish_reason"].tolist() == ["stop", "length", "length"]
    assert df["truncated"].tolist() == [False, True, True]
    assert df.attrs["rejections"] == []
    lines = (FORMATS / "batch_output_responses.jsonl").read_text().splitlines()
    assert len(lines) == len(df) + len(df.attrs["rejections"])


def test_numbered_samples_have_no_gap_for_a_rejected_row(tmp_path: Path) -> None:
    lines = (FORMATS / "20.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    middle = {**first, "output": None}  # same prompt, no response at all: rejected
    path = tmp_path / "20.jsonl"
    path.write_text("\n".join([lines[0], json.dumps(middle), lines[1]]) + "\n")
    df = load_runs(path)
    assert df["source_line"].tolist() == [1, 3]
    assert df["sample_idx"].tolist() == [0, 1]  # not 0, 2
    assert [(r.line, r.reason) for r in df.attrs["rejections"]] == [
        (2, "missing required field 'response'")
    ]
    assert 3 == len(df) + len(df.attrs["rejections"])
    middle["output"] = "\n"  # verl's empty response: a response, numbered in its place
    path.write_text("\n".join([lines[0], json.dumps(middle), lines[1]]) + "\n")
    df = load_runs(path)
    assert df["sample_idx"].tolist() == [0, 1, 2] and df["response"].tolist()[1] == "\n"
    assert df.attrs["rejections"] == []


def test_lighteval_without_doc_ids_keeps_tasks_apart(tmp_path: Path) -> None:
    frame = pd.read_parquet(FORMATS / "details_math_500_2025-02-01T12-00-00.parquet")
    run = tmp_path / "qwen-base"
    run.mkdir()
    for task in ("math_500", "aime24"):
        docs = [{**d, "id": "", "task_name": f"lighteval|{task}|0"} for d in frame["doc"]]
        frame.assign(doc=docs).to_parquet(run / f"details_lighteval|{task}|0_2025.parquet")
    df = load_runs(run)
    assert df.attrs["rejections"] == []  # row 0 of each task is a problem of its own
    assert sorted(set(df["problem_id"])) == ["aime24/0", "aime24/1", "math_500/0", "math_500/1"]
