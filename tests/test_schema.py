"""The samples-table contract: dtypes, validation, RunInfo."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.schema import (
    CORE_COLUMNS,
    REQUIRED,
    ROLES,
    Rejection,
    coerce_core_dtypes,
    empty_samples,
    guess_role,
    read_run_info,
    validate_samples,
)


def test_empty_table_has_contract_dtypes() -> None:
    df = empty_samples()
    assert {c: str(t) for c, t in df.dtypes.items()} == CORE_COLUMNS
    assert set(REQUIRED) <= set(CORE_COLUMNS)


def test_coerce_adds_missing_and_keeps_extras_last() -> None:
    df = coerce_core_dtypes(pd.DataFrame({"extra": [1], "problem_id": ["a"], "sample_idx": [0]}))
    assert list(df.columns) == list(CORE_COLUMNS) + ["extra"]
    assert df["gold"].isna().all() and str(df["sample_idx"].dtype) == "Int64"


def test_validate_rejects_each_problem_once() -> None:
    df = pd.DataFrame(
        {
            "run": ["r"] * 6,
            "problem_id": ["a", "a", None, "b", "b", "a"],
            "sample_idx": [0, 1, 0, -1, 0, 0],
            "response": ["x", " \n", "y", "z", "w", "dup"],
            "source_file": ["f.jsonl"] * 6,
            "source_line": [1, 2, 3, 4, 5, 6],
        }
    )
    valid, rejections = validate_samples(df)
    assert valid["source_line"].tolist() == [1, 2, 5]  # " \n" is a response
    assert rejections == [
        Rejection("f.jsonl", 3, "missing required field 'problem_id'", "r"),
        Rejection("f.jsonl", 4, "negative sample_idx", "r"),
        Rejection("f.jsonl", 6, "duplicate (run, problem_id, sample_idx)", "r"),
    ]
    assert str(rejections[0]) == "f.jsonl:3: missing required field 'problem_id'"
    assert len(df) == len(valid) + len(rejections)


def test_empty_responses_are_responses_and_null_ones_are_not() -> None:
    texts = ["", " ", "\n", "\t \u3000", None, "ok"]
    df = pd.DataFrame(
        {"run": ["r"] * 6, "problem_id": ["a"] * 6, "sample_idx": range(6), "response": texts}
    )
    valid, rejections = validate_samples(df)
    assert valid["response"].tolist() == ["", " ", "\n", "\t \u3000", "ok"]
    assert [(r.line, r.reason) for r in rejections] == [(4, "missing required field 'response'")]


# Real model and run names (Hugging Face ids, lm-eval's org__model folders, run folders).
ROLE_CASES = [
    # base: a plain model name, or an explicit base/pt
    ("Qwen/Qwen2.5-Math-7B", "base"),
    ("Qwen__Qwen2.5-Math-1.5B", "base"),
    ("Qwen2.5-7B", "base"),
    ("Qwen/Qwen2.5-32B", "base"),
    ("meta-llama/Llama-3.1-8B", "base"),
    ("meta-llama__Llama-3.1-8B", "base"),
    ("mistralai/Mistral-7B-v0.1", "base"),
    ("google/gemma-2-9b", "base"),
    ("deepseek-ai/deepseek-math-7b-base", "base"),
    ("Qwen/Qwen3-8B-Base", "base"),
    ("qwen2.5-math-1.5b-base", "base"),
    ("Qwen2.5-Math-7B_math500", "base"),
    ("google/gemma-2b-pt", "base"),
    # rl: RLVR / zero-RL recipes
    ("hkust-nlp/Qwen-2.5-Math-7B-SimpleRL-Zoo", "rl"),
    ("hkust-nlp__Mistral-7B-SimpleRL-Zoo", "rl"),
    ("Open-Reasoner-Zero/Open-Reasoner-Zero-7B", "rl"),
    ("sail/Qwen2.5-Math-7B-Oat-Zero", "rl"),
    ("BytedTsinghua-SIA/DAPO-Qwen-32B", "rl"),
    ("deepseek-ai/DeepSeek-R1-Zero", "rl"),
    ("agentica-org/DeepScaleR-1.5B-Preview", "rl"),
    ("PRIME-RL/Eurus-2-7B-PRIME", "rl"),
    ("Skywork/Skywork-OR1-7B-Preview", "rl"),
    ("orz-7b-step400", "rl"),
    ("qwen2.5-7b-grpo-step200", "rl"),
    ("simplerl_grpo_step100", "rl"),
    ("Qwen-Zero-RL", "rl"),
    ("baseline-ppo", "rl"),
    ("qwen-math-rlvr", "rl"),
    ("Qwen2.5-Math-1.5B-DrGRPO", "rl"),
    ("DeepSeek-R1-Distill-Qwen-1.5B-GRPO", "rl"),  # RL named last: the stage studied
    # distilled: SFT on a stronger model's traces
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "distilled"),
    ("deepseek-ai__DeepSeek-R1-Distill-Llama-8B", "distilled"),
    ("NovaSky-AI/Sky-T1-32B-Preview", "distilled"),
    ("simplescaling/s1.1-32B", "distilled"),
    ("simplescaling/s1-32B", "distilled"),
    ("GAIR/LIMO", "distilled"),
    ("open-thoughts/OpenThinker-7B", "distilled"),
    ("open-thoughts/OpenThinker2-32B", "distilled"),
    ("bespokelabs/Bespoke-Stratos-7B", "distilled"),
    ("open-r1/OpenR1-Qwen-7B", "distilled"),
    ("my-sft-model", "distilled"),
    # other: instruct/chat models and names that say nothing (no false positives)
    ("meta-llama/Llama-3.1-8B-Instruct", "other"),
    ("Qwen/Qwen2.5-Math-7B-Instruct", "other"),
    ("google/gemma-2-9b-it", "other"),
    ("Qwen/Qwen1.5-7B-Chat", "other"),
    ("Qwen/QwQ-32B", "other"),
    ("Qwen/Qwen3-8B", "other"),  # Qwen3 without -Base is the post-trained model
    ("deepseek-ai/DeepSeek-R1", "other"),
    ("gpt-4o", "other"),  # "pt" inside a word is not "pt"
    ("gsm1k-eval", "other"),  # "s1" inside a word is not s1
    ("qwen-math-zero-shot", "other"),  # zero-shot is not -Zero
    ("database-run", "other"),  # "base" inside a word
    ("llama", "other"),  # a family without a size
    ("Qwen2.5-7B-my-finetune", "other"),  # unknown words: not a plain model name
]


@pytest.mark.parametrize(("name", "role"), ROLE_CASES)
def test_guess_role(name: str, role: str) -> None:
    assert guess_role(name) == role


def test_role_table_is_large_and_covers_every_role() -> None:
    assert len(ROLE_CASES) >= 30
    assert {role for _, role in ROLE_CASES} == set(ROLES)


def test_run_info_from_file_and_guess(tmp_path: Path) -> None:
    guessed = read_run_info(None, "qwen-zero")
    assert (guessed.role, guessed.role_guessed, guessed.model) == ("rl", True, None)
    (tmp_path / "run.json").write_text('{"model": "m", "reference": "qwen-base", "seed": 3}')
    info = read_run_info(tmp_path, "x-distill")
    assert (info.model, info.role, info.role_guessed) == ("m", "distilled", True)
    assert info.reference == "qwen-base" and info.extra == {"seed": 3}
    assert info.to_dict()["name"] == "x-distill"
    (tmp_path / "run.json").write_text("[1]")
    with pytest.raises(ValueError, match="expected a JSON object"):
        read_run_info(tmp_path, "x")
    (tmp_path / "run.json").write_text("{oops")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_run_info(tmp_path, "x")


def test_rejected_row_does_not_shadow_a_later_valid_duplicate() -> None:
    df = pd.DataFrame(
        {"run": ["r", "r"], "problem_id": ["a", "a"], "sample_idx": [0, 0], "response": ["", "ok"]}
    )
    df.loc[0, "response"] = None
    valid, rejections = validate_samples(df)
    assert valid["response"].tolist() == ["ok"]
    assert [r.reason for r in rejections] == ["missing required field 'response'"]


def test_rejection_location_without_a_line() -> None:
    df = pd.DataFrame(
        {
            "run": ["r", "r"],
            "problem_id": ["a", "b"],
            "sample_idx": [0, 0],
            "response": ["ok", None],
            "source_file": [None, "log.eval!samples/b_epoch_1.json"],
        }
    )
    _, (archived,) = validate_samples(df)
    assert str(archived) == (  # no fake line
        "log.eval!samples/b_epoch_1.json: missing required field 'response'"
    )
    _, (in_memory,) = validate_samples(df.drop(columns="source_file"))
    assert (in_memory.file, in_memory.line) == ("<table>", 1)  # the row's position


def test_validate_nulls_odd_values_of_a_hand_built_frame_and_counts_them() -> None:
    df = pd.DataFrame(
        {
            "run": ["r"] * 4,
            "problem_id": ["a", "a", "b", "c"],
            "sample_idx": [0, 1, "late", 0],
            "response": ["x", "", "y", "z"],
            "source_correct": [0.5, 1.0, True, "0.9999"],
            "step": ["s", 3, 4, 5],
        }
    )
    valid, rejections = validate_samples(df)
    assert [(r.line, r.reason) for r in rejections] == [
        (2, "sample_idx: expected an integer, got str 'late'")  # required: the row goes
    ]
    assert len(df) == len(valid) + len(rejections)
    assert valid["source_correct"].tolist() == [pd.NA, True, pd.NA]  # the responses stay
    assert valid["source_scores"].tolist()[0] == '{"source_correct": 0.5}'
    assert valid["source_scores"].tolist()[2] == '{"source_correct": "0.9999"}'
    assert valid["step"].tolist() == [pd.NA, 3, 5]
    assert [(i.line, i.reason.split(":")[0]) for i in valid.attrs["label_issues"]] == [
        (0, "source_correct"),
        (0, "step"),
        (3, "source_correct"),
    ]
