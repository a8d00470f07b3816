"""Readers on the shapes the real tools write (issue 12, items 5, 7, 9, 10).

Each fixture is built in the exact shape of its tool's writer (lm-eval
``EvaluationTracker.save_results_samples``, inspect_ai ``.eval``/``.json`` logs, lighteval
details, Qwen2.5-Math ``math_eval.py``, SkyThought ``inference_and_check.py``), and every
test checks that each response in the file is either loaded or rejected.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.errors import InputError
from traceanalysis.io import load_runs

FORMATS = Path(__file__).parents[1] / "fixtures" / "formats"


def _accounted(df: pd.DataFrame, responses_in_file: int) -> None:
    assert len(df) + len(df.attrs["rejections"]) == responses_in_file


def _lm_eval_row(doc_id: int, responses: list, **extra: object) -> dict:
    """One line as lm-eval >= 0.4.3 writes it (sanitize_list: every response a string)."""
    row = {
        "doc_id": doc_id,
        "doc": {"question": f"Q{doc_id}", "answer": f"Work.\n#### {doc_id}"},
        "target": f"Work.\n#### {doc_id}",
        "arguments": {
            "gen_args_0": {"arg_0": f"Question: Q{doc_id}\nAnswer:", "arg_1": {"until": ["\n\n"]}}
        },
        "resps": [responses],
        "filtered_resps": [responses[0]],
        "filter": "none",
        "doc_hash": "h",
        "prompt_hash": "p",
        "target_hash": "t",
    }
    row.update(extra)
    return row


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# --- item 5: inspect_ai ids are task-qualified --------------------------------------


def _inspect_log(task: str, ids: list[object]) -> dict:
    samples = [
        {
            "id": sid,
            "epoch": 1,
            "input": f"{task} question {sid}",
            "target": "Yes",
            "output": {
                "model": "m",
                "choices": [
                    {"message": {"role": "assistant", "content": "Yes"}, "stop_reason": "stop"}
                ],
                "completion": "Yes",
            },
            "scores": {"match": {"value": "C", "answer": "Yes"}},
        }
        for sid in ids
    ]
    return {
        "version": 2,
        "status": "success",
        "eval": {"task": task, "model": "m"},
        "samples": samples,
    }


def test_three_inspect_tasks_in_one_run_keep_every_sample(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text('{"model": "m"}')
    for task in ("gsm8k", "mmlu"):
        (run / f"{task}.json").write_text(json.dumps(_inspect_log(task, [1, 2, 3])))
    log = _inspect_log("boolq", [1, 2])
    with zipfile.ZipFile(run / "boolq.eval", "w") as archive:
        archive.writestr(
            "header.json", json.dumps({k: v for k, v in log.items() if k != "samples"})
        )
        for sample in log["samples"]:
            archive.writestr(f"samples/{sample['id']}_epoch_1.json", json.dumps(sample))
    df = load_runs(run)
    _accounted(df, 8)
    assert df.attrs["rejections"] == []  # no "duplicate" across tasks
    assert sorted(df["problem_id"]) == sorted(
        [f"{t}/{i}" for t in ("gsm8k", "mmlu") for i in (1, 2, 3)] + ["boolq/1", "boolq/2"]
    )
    assert set(df["source_problem_id"]) == {"1", "2", "3"}  # the id as inspect wrote it
    assert set(df["gold_field"]) == {"target"}


def test_lm_eval_problem_id_is_task_and_doc_id(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "samples_gsm8k_2025-01-01T00-00-00.000001.jsonl", [_lm_eval_row(7, ["a"])]
    )
    df = load_runs(path)
    assert df[["problem_id", "source_problem_id"]].values.tolist() == [["gsm8k/7", "7"]]
    assert df["gold"].tolist() == ["7"]  # gsm8k's target is the solution: its #### tail
    assert df["gold_field"].tolist() == ["target"]


# --- item 7: loglikelihood tasks say once that they hold no text --------------------


def _choice_row(doc_id: int) -> dict:
    """lm-eval multiple_choice: one (context, continuation) request per choice."""
    choices = ["12", "13"]
    return {
        "doc_id": doc_id,
        "doc": {"question": "q", "choices": choices, "gold": 0},
        "target": "0",
        "arguments": {f"gen_args_{i}": {"arg_0": "q\n", "arg_1": c} for i, c in enumerate(choices)},
        "resps": [[["-3.25", "False"]], [["-1.5", "True"]]],
        "filtered_resps": [["-3.25", "False"], ["-1.5", "True"]],
        "filter": "none",
        "metrics": ["acc", "acc_norm"],
        "acc": 0.0,
        "acc_norm": 0.0,
    }


def test_lm_eval_multiple_choice_file_is_skipped_once(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _write_jsonl(
        run / "samples_arc_2025-01-01T00-00-00.1.jsonl", [_choice_row(i) for i in range(5)]
    )
    _write_jsonl(run / "samples_gsm8k_2025-01-01T00-00-00.1.jsonl", [_lm_eval_row(0, ["x"])])
    df = load_runs(run)
    assert len(df) == 1 and df.attrs["rejections"] == []  # not five rejections
    (skip,) = [why for path, why in df.attrs["skipped"] if "arc" in path]
    assert skip.startswith("loglikelihood task") and "[logprob, is_greedy]" in skip


def test_a_folder_of_loglikelihood_files_only_is_an_error_naming_the_reason(tmp_path: Path) -> None:
    rolling = {
        "doc_id": 0,
        "doc": {"page": "text"},
        "target": "",
        "arguments": {"gen_args_0": {"arg_0": "text"}},
        "resps": [["-1234.5"]],  # looks like text: the arguments say it is a log-likelihood
        "filtered_resps": ["-1234.5"],
        "filter": "none",
        "metrics": ["word_perplexity"],
        "word_perplexity": 33.1,
    }
    run = tmp_path / "run"
    _write_jsonl(run / "samples_wikitext_2025-01-01T00-00-00.1.jsonl", [rolling])
    _write_jsonl(run / "samples_arc_2025-01-01T00-00-00.1.jsonl", [_choice_row(0)])
    with pytest.raises(InputError, match="loglikelihood"):
        load_runs(run)


def test_real_lm_eval_output_accounts_for_every_line() -> None:
    real = Path(__file__).parents[1] / "fixtures" / "real" / "out" / "lm_eval"
    folders = sorted(p for p in real.glob("*") if p.is_dir()) if real.is_dir() else []
    if not folders:
        pytest.skip("no real lm-eval output committed yet")
    for folder in folders:
        df = load_runs(folder)
        for read in df.attrs["inputs"]:
            lines = Path(read["file"]).read_text().splitlines()
            resps = [len(json.loads(line)["resps"][0]) for line in lines]
            docs = {json.loads(line)["doc_id"]: n for line, n in zip(lines, resps, strict=True)}
            assert read["rows"] == sum(docs.values())  # filter copies merged, not lost
            assert read["merged_rows"] == len(lines) - len(docs)
        choice = [why for path, why in df.attrs["skipped"] if "samples_" in path]
        assert all(why.startswith("loglikelihood") for why in choice)


def test_lighteval_loglikelihood_details_are_skipped_once(tmp_path: Path) -> None:
    rows = [
        {
            "doc": {
                "query": "q",
                "choices": [" A", " B"],
                "gold_index": 0,
                "task_name": "lighteval|arc|0",
            },
            "model_response": {
                "text": [],
                "logprobs": [-1.0, -2.0],
                "argmax_logits_eq_gold": [True, False],
            },
            "metric": {"loglikelihood_acc": 1.0},
        }
        for _ in range(3)
    ]
    path = tmp_path / "details_arc_2025-01-01T00-00-00.parquet"
    pd.DataFrame(rows).to_parquet(path)
    with pytest.raises(InputError, match="loglikelihood task: no generated text"):
        load_runs(path)


# --- item 9: source correctness only from correctness metrics ------------------------


def _truthfulqa_row(doc_id: int, bleu_acc: float) -> dict:
    metrics = {"bleu_max": 24.7, "bleu_acc": bleu_acc, "bleu_diff": -1.2, "rouge1_max": 40.0}
    metrics |= {"rouge1_acc": 1.0 - bleu_acc, "rougeL_diff": 0.3}
    return _lm_eval_row(doc_id, [f"answer {doc_id}"], metrics=list(metrics), **metrics)


def test_truthfulqa_gen_correctness_is_bleu_acc_not_the_first_metric(tmp_path: Path) -> None:
    rows = [_truthfulqa_row(i, float(i % 2)) for i in range(4)]
    path = _write_jsonl(tmp_path / "samples_truthfulqa_gen_2025-01-01T00-00-00.1.jsonl", rows)
    df = load_runs(path)
    _accounted(df, 4)
    assert set(df["source_metric"]) == {"bleu_acc,none"}
    assert df["source_correct"].tolist() == [False, True, False, True]  # not bleu_max > 0
    scores = json.loads(df["source_scores"].iloc[0])
    assert scores["bleu_max,none"] == 24.7 and scores["rouge1_acc,none"] == 1.0
    picked = load_runs(path, source_metric="rouge1_acc")  # --source-metric NAME
    assert picked["source_correct"].tolist() == [True, False, True, False]


def test_a_task_without_a_correctness_metric_has_no_source_label(tmp_path: Path) -> None:
    rows = [_lm_eval_row(i, ["3.1"], metrics=["mae"], mae=0.4) for i in range(3)]
    path = _write_jsonl(tmp_path / "samples_polymer_2025-01-01T00-00-00.1.jsonl", rows)
    df = load_runs(path)
    _accounted(df, 3)
    assert df["source_correct"].isna().all() and df["source_metric"].isna().all()
    assert json.loads(df["source_scores"].iloc[0]) == {"mae,none": 0.4}
    forced = load_runs(path, source_metric="mae")  # 0.4 is no label: null, counted, kept
    assert forced["source_correct"].isna().all() and len(forced) == 3
    assert len(forced.attrs["label_issues"]) == 3
    assert json.loads(forced["source_scores"].iloc[0]) == {"mae,none": 0.4}


def test_filters_keep_their_own_scores_and_an_absent_metric_is_said(tmp_path: Path) -> None:
    rows = [
        _lm_eval_row(0, ["r"], filter="strict-match", metrics=["exact_match"], exact_match=0.0),
        _lm_eval_row(0, ["r"], filter="flexible-extract", metrics=["exact_match"], exact_match=1.0),
        _lm_eval_row(1, ["s"], filter="strict-match", metrics=["exact_match"], exact_match=0.5),
        _lm_eval_row(1, ["s"], filter="flexible-extract", metrics=["exact_match"], exact_match=1.0),
    ]
    path = _write_jsonl(tmp_path / "samples_gsm8k_2025-01-01T00-00-00.1.jsonl", rows)
    df = load_runs(path)
    _accounted(df, 2)
    assert df["source_metric"].tolist()[0] == "exact_match,strict-match"  # the first filter
    assert df["source_correct"].tolist()[0] is False
    assert pd.isna(df["source_correct"].iloc[1])  # 0.5 is no label: null, counted
    (issue,) = df.attrs["label_issues"]
    assert "0.5" in issue.reason and issue.line == 3
    flexible = load_runs(path, source_metric="exact_match,flexible-extract")
    assert flexible["source_correct"].tolist() == [True, True]
    missing = load_runs(path, source_metric="acc")
    assert missing["source_correct"].isna().all() and len(missing) == 2
    assert any("--source-metric acc" in i.reason for i in missing.attrs["label_issues"])


def test_lighteval_and_inspect_pick_the_correctness_score(tmp_path: Path) -> None:
    rows = [
        {
            "doc": {"query": f"q{i}", "choices": [str(i)], "gold_index": 0, "id": f"d{i}"},
            "model_response": {"text": [f"\\boxed{{{i}}}"]},
            "metric": {"f1": 0.5, "extractive_match": float(i % 2)},
        }
        for i in range(2)
    ]
    path = tmp_path / "details_math_2025-01-01T00-00-00.parquet"
    pd.DataFrame(rows).to_parquet(path)
    light = load_runs(path)
    assert light["source_metric"].tolist() == ["extractive_match"] * 2
    assert light["source_correct"].tolist() == [False, True]
    assert set(light["gold_field"]) == {"doc.choices[doc.gold_index]"}
    assert light["source_problem_id"].tolist() == ["d0", "d1"]

    log = _inspect_log("qa", [1, 2, 3])
    values = ["C", "I", "P"]
    for sample, value in zip(log["samples"], values, strict=True):
        sample["scores"] = {"f1": {"value": 1.0}, "match": {"value": value}}
    (tmp_path / "log.json").write_text(json.dumps(log))
    df = load_runs(tmp_path / "log.json")
    _accounted(df, 3)
    assert df["source_correct"].tolist()[:2] == [True, False]  # match, not f1
    assert pd.isna(df["source_correct"].iloc[2])  # PARTIAL is no label
    assert json.loads(df["source_scores"].iloc[2]) == {"f1": 1.0, "match": "P"}
    assert len(df.attrs["label_issues"]) == 1


# --- item 10: the dataset's own answer over the tool's parsed gt --------------------


def test_qwen_math_prefers_the_dataset_answer(tmp_path: Path) -> None:
    base = {
        "question": "q",
        "gt_cot": "",
        "code": ["x", "y"],
        "pred": ["", ""],
        "report": [None, None],
    }
    rows = [
        base | {"idx": 102, "gt": "(+5)(b+2)", "answer": "(a+5)(b+2)", "score": [True, False]},
        base
        | {
            "idx": 3,
            "gt": "\\begin{pmatrix} 1 & 2  3 & 4 \\end{pmatrix}",
            "answer": "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
            "score": [1, 0],
        },
        base | {"idx": 4, "gt": "", "answer": "7", "score": [False, False]},
        base | {"idx": 5, "gt": "72", "answer": "Natalia sold 48.\n#### 72", "score": [1, 1]},
        base | {"idx": 6, "gt": "C", "answer": 2, "choices": ["a", "b", "c", "d"], "score": [1, 1]},
        base | {"idx": 7, "gt": "9", "score": [0, 1]},
    ]
    df = load_runs(_write_jsonl(tmp_path / "math500.jsonl", rows))
    _accounted(df, 12)
    first = df.groupby("problem_id", sort=False).first()
    assert first["gold"].tolist() == [
        "(a+5)(b+2)",
        "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
        "7",
        "72",
        "C",
        "9",
    ]
    assert first["gold_field"].tolist() == ["answer"] * 4 + ["gt", "gt"]
    assert first["source_problem_id"].tolist() == ["102", "3", "4", "5", "6", "7"]
    assert set(df["source_metric"]) == {"score"}


def _skythought_new() -> dict:
    """``skythought evaluate`` results.json: keyed by _index, responses a list."""
    entry = {
        "problem": "Factor $ab+5b+2a+10$.",
        "answer": "(a+5)(b+2)",
        "unique_id": "test/algebra/1.json",
    }
    responses = [
        {"content": "... \\boxed{(a+5)(b+2)}", "correctness": True, "reason": ""},
        {"content": "... \\boxed{(a+2)(b+5)}", "correctness": False, "reason": ""},
    ]
    gsm = {
        "question": "How many?",
        "answer": "So 8.\n#### 8",
        "responses": [{"content": "8", "correctness": True, "reason": ""}],
    }
    return {
        "2": {"problem": "empty", "answer": "1", "responses": []},  # first: still detected
        "0": entry
        | {
            "prompt": "Factor ...",
            "input_conversation": [],
            "responses": responses,
            "token_usages": [{}, {}],
        },
        "1": gsm,
    }


def test_skythought_results_all_three_shapes(tmp_path: Path) -> None:
    run = tmp_path / "sky"
    run.mkdir()
    (run / "results.json").write_text(json.dumps(_skythought_new()))
    (run / "summary.json").write_text(json.dumps({"configuration": {}, "accuracy": 0.5}))
    df = load_runs(run)
    _accounted(df, 3 + 1)  # 3 responses + problem "2" with none, rejected
    assert [i["format"] for i in df.attrs["inputs"]] == ["skythought"]
    assert df["problem_id"].tolist() == ["0", "0", "1"]
    assert df["gold"].tolist() == ["(a+5)(b+2)", "(a+5)(b+2)", "8"]
    assert set(df["gold_field"]) == {"answer"}
    assert df["source_correct"].tolist() == [True, False, True]
    assert set(df["source_metric"]) == {"correctness"}
    assert df["prompt"].iloc[0] == "Factor ..."

    problem = "What is $1+1$?"
    old = {
        problem: {
            "problem": problem,
            "answer": "2",
            "unique_id": "test/a/2.json",
            "responses": {"0.7": {"content": "\\boxed{2}", "correctness": True, "reason": ""}},
        }
    }
    middle = {
        problem: {
            "problem": problem,
            "answer": "2",
            "responses": {
                "0.7": [
                    {"content": "2", "correctness": False},
                    {"content": "3", "correctness": None},
                ]
            },
        }
    }
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "middle.json").write_text(json.dumps(middle))
    old_df = load_runs(tmp_path / "old.json")
    assert old_df["problem_id"].tolist() == ["test/a/2.json"]  # keyed by its text: own id
    assert old_df["source_problem_id"].tolist() == [problem]
    mid = load_runs(tmp_path / "middle.json")
    _accounted(mid, 2)
    assert mid["sample_idx"].tolist() == [0, 1]
    assert mid["source_correct"].tolist()[0] is False and pd.isna(mid["source_correct"].iloc[1])
    assert len(set(mid["problem_id"])) == 1 and mid["problem_id"].iloc[0] != problem


def test_two_lighteval_tasks_with_the_same_doc_ids_in_one_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    for task in ("lab_math|0", "lighteval|aime24|0"):  # newer and older task_name shapes
        rows = [
            {
                "doc": {
                    "query": f"{task} q{i}",
                    "choices": ["1"],
                    "gold_index": 0,
                    "id": str(i),
                    "task_name": task,
                },
                "model_response": {"text": ["\\boxed{1}"]},
                "metric": {"extractive_match": 1.0},
            }
            for i in range(3)
        ]
        pd.DataFrame(rows).to_parquet(run / f"details_{task.replace('|', '_')}_2025.parquet")
    df = load_runs(run)
    _accounted(df, 6)
    assert df.attrs["rejections"] == []
    assert sorted(df["problem_id"]) == [
        f"{t}/{i}" for t in ("aime24", "lab_math") for i in range(3)
    ]
    assert sorted(set(df["source_problem_id"])) == ["0", "1", "2"]


REAL = Path(__file__).parents[1] / "fixtures" / "real" / "out"


@pytest.mark.parametrize("kind", ["json", "eval"])
def test_real_inspect_logs_account_for_every_sample(kind: str) -> None:
    """Logs written by inspect_ai itself; recent releases compress ``.eval`` with Zstandard."""
    logs = sorted((REAL / "inspect" / kind).glob(f"*.{kind}"))
    if not logs:
        pytest.skip("no real inspect_ai logs committed yet")
    for log in logs:
        df = load_runs(log)
        if kind == "json":
            header = json.loads(log.read_text())
            n_samples, tasks = len(header["samples"]), {header["eval"]["task"]}
        else:  # members are Zstandard: only their names can be listed without the reader
            with zipfile.ZipFile(log) as archive:
                n_samples = sum(n.startswith("samples/") for n in archive.namelist())
            tasks = {pid.split("/")[0] for pid in df["problem_id"]}
            assert len(tasks) == 1
        _accounted(df, n_samples)
        assert df["problem_id"].str.startswith(f"{tasks.pop()}/").all()
        assert df["source_metric"].notna().any()  # a C/I scorer was found


def test_real_lighteval_details_account_for_every_response() -> None:
    details = sorted((REAL / "lighteval" / "details").glob("*/*/*.parquet"))
    if not details:
        pytest.skip("no real lighteval details committed yet")
    for path in details:
        table = pd.read_parquet(path)
        texts = [len(r["text"]) for r in table["model_response"]]
        if not any(texts):  # a loglikelihood task: skipped once, with the reason
            with pytest.raises(InputError, match="loglikelihood task"):
                load_runs(path)
            continue
        df = load_runs(path)
        _accounted(df, sum(texts) + texts.count(0))
        assert set(df["gold_field"]) == {"doc.choices[doc.gold_index]"}


def test_source_metric_flag_reaches_the_reader(tmp_path: Path) -> None:
    from traceanalysis.cli import build_parser
    from traceanalysis.commands._common import load_runs_from_args

    rows = [_truthfulqa_row(i, float(i % 2)) for i in range(4)]
    path = _write_jsonl(tmp_path / "samples_truthfulqa_gen_2025-01-01T00-00-00.1.jsonl", rows)
    for command in ("inspect", "grade", "report"):
        args = build_parser().parse_args([command, str(path), "--source-metric", "rouge1_acc"])
        assert args.source_metric == "rouge1_acc"
    args = build_parser().parse_args(
        ["inspect", str(path), "--quiet", "--source-metric", "rouge1_acc"]
    )
    df = load_runs_from_args(args)
    assert set(df["source_metric"]) == {"rouge1_acc,none"}
    assert df["source_correct"].tolist() == [True, False, True, False]


def test_older_lighteval_loglikelihood_details_are_skipped_once(tmp_path: Path) -> None:
    """lighteval < 0.10 flat details: ``predictions`` hold [logprob, is_greedy] pairs."""
    rows = [
        {
            "full_prompt": "q",
            "predictions": [[-1.5, False], [-0.5, True]],
            "gold": ["B"],
            "metrics": '{"acc": 1}',
        }
        for _ in range(3)
    ]
    path = tmp_path / "details_arc_2024.parquet"
    pd.DataFrame(rows).to_parquet(path)
    with pytest.raises(InputError, match="loglikelihood task: no generated text"):
        load_runs(path)
