"""Problems line up across runs written by different tools (issue 12, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.io import load_runs
from traceanalysis.io.problem_match import match_problems
from traceanalysis.io.prompt_text import normalise_prompt
from traceanalysis.io.util import text_id
from traceanalysis.schema import CORE_COLUMNS, RunInfo

QUESTIONS = [
    "What is $1+1$?",
    "Compute $\\binom{6}{2}$.",
    "Find the remainder when $7^{100}$ is divided by $5$.",
    "Let $f(x) = x^2 + 1$.\nWhat is $f(3)$?",
    "How many positive divisors does $36$ have?",
]
GOLDS = ["2", "15", "1", "10", "9"]
BOXED = "Please reason step by step, and put your final answer within \\boxed{}."
VERL_SUFFIX = " Let's think step by step and output the final answer within \\boxed{}."


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _lm_eval(path: Path, order: list[int]) -> Path:
    """lm-eval --log_samples: doc_id, doc, target, arguments.gen_args_0.arg_0, resps."""
    rows = []
    for doc_id, q in enumerate(order):
        prompt = f"Problem: {QUESTIONS[q]}\nAnswer:"
        rows.append(
            {
                "doc_id": doc_id,
                "doc": {"problem": QUESTIONS[q], "answer": GOLDS[q]},
                "target": GOLDS[q],
                "arguments": {"gen_args_0": {"arg_0": prompt, "arg_1": {"until": ["Problem:"]}}},
                "resps": [[f"The answer is \\boxed{{{GOLDS[q]}}}."]],
                "filtered_resps": [GOLDS[q]],
                "filter": "none",
                "metrics": ["exact_match"],
                "exact_match": 1.0,
            }
        )
    return _jsonl(path, rows)


def _qwen_math(path: Path, order: list[int], idx: list[int], *, prompt: bool = True) -> Path:
    """Qwen2.5-Math eval JSONL (qwen25-math-cot template saved in ``prompt``)."""
    rows = []
    for i, q in zip(idx, order, strict=True):
        row = {"idx": i, "question": QUESTIONS[q], "gt": GOLDS[q]}
        if prompt:
            row["prompt"] = (
                f"<|im_start|>system\n{BOXED}<|im_end|>\n<|im_start|>user\n{QUESTIONS[q]}"
                "<|im_end|>\n<|im_start|>assistant\n"
            )
        row |= {"code": ["a \\boxed{1}", "b \\boxed{2}"], "pred": ["1", "2"], "score": [1, 0]}
        rows.append(row)
    return _jsonl(path, rows)


def _verl(path: Path, order: list[int]) -> Path:
    """verl rollout dump: the prompt decoded with skip_special_tokens=True (ChatML roles)."""
    rows = []
    for q in order:
        decoded = (
            f"system\nYou are a helpful assistant.\nuser\n{QUESTIONS[q]}{VERL_SUFFIX}\nassistant\n"
        )
        for _ in range(2):
            rows.append(
                {"input": decoded, "output": "\\boxed{2}", "gts": GOLDS[q], "score": 0.0, "step": 5}
            )
    return _jsonl(path, rows)


def _batch(folder: Path, order: list[int], *, with_input: bool = True) -> Path:
    """OpenAI Batch output (custom_id problem/sample) and, optionally, its input file."""
    out, requests = [], []
    for q in order:
        custom_id = f"q{q}/0"
        body = {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are a careful mathematician."},
                {"role": "user", "content": f"{QUESTIONS[q]}\n{BOXED}"},
            ],
        }
        requests.append(
            {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}
        )
        message = {"role": "assistant", "content": f"So \\boxed{{{GOLDS[q]}}}."}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        out.append(
            {
                "id": f"batch_req_{q}",
                "custom_id": custom_id,
                "response": {
                    "status_code": 200,
                    "body": {"model": "gpt-4o-mini", "choices": [choice]},
                },
                "error": None,
            }
        )
    if with_input:
        _jsonl(folder / "batch_input.jsonl", requests)
    return _jsonl(folder / "batch_output.jsonl", out)


def _same_question_per_id(df: pd.DataFrame) -> None:
    """Every problem_id holds one question (by normalised prompt) in every run."""
    for _, part in df[df["prompt"].notna()].groupby("problem_id"):
        assert part["prompt"].map(normalise_prompt).nunique() == 1


def test_four_tools_line_up_on_the_same_five_problems(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _lm_eval(
        runs / "lmeval-base" / "samples_math500_2025-03-14T10-22-31.123456.jsonl", [0, 1, 2, 3, 4]
    )
    _qwen_math(
        runs / "qwen-zero" / "test_qwen25-math-cot.jsonl", [4, 3, 2, 1, 0], [40, 30, 20, 10, 0]
    )
    _verl(runs / "verl-grpo" / "5.jsonl", [2, 0, 4, 1, 3])
    _batch(runs / "gpt-batch", [3, 1, 4, 0, 2])
    df = load_runs(runs)
    report = df.attrs["problem_match"]
    assert report["key"] == "prompt"
    assert report["counts"] == {"prompt": 5}
    assert report["n_problems"] == 5 and report["unmatched"] == []
    assert df["problem_id"].nunique() == 5
    assert (df.groupby("problem_id")["run"].nunique() == 4).all()
    _same_question_per_id(df)
    # The id kept is the first benchmark id in run order (gpt-batch's custom_id problem).
    assert set(df["problem_id"]) == {f"q{q}" for q in range(5)}
    by_run = df.drop_duplicates(["run", "source_problem_id"]).set_index(["run", "problem_id"])
    alone = load_runs(runs / "lmeval-base").drop_duplicates("problem_id")  # the reader's id
    lm_eval_id = alone.loc[alone["prompt"].str.contains("divisors"), "source_problem_id"].item()
    assert by_run.loc[("lmeval-base", "q4"), "source_problem_id"] == lm_eval_id
    assert by_run.loc[("qwen-zero", "q3"), "source_problem_id"] == "30"
    verl_prompt = by_run.loc[("verl-grpo", "q3"), "prompt"]
    assert by_run.loc[("verl-grpo", "q3"), "source_problem_id"] == text_id(verl_prompt)
    assert list(df.columns) == list(CORE_COLUMNS)


def test_an_id_clash_falls_back_to_prompts(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _qwen_math(runs / "a-base" / "out.jsonl", [0, 1, 2, 3, 4], [0, 1, 2, 3, 4])
    _qwen_math(runs / "b-rl" / "out.jsonl", [2, 3, 4, 0, 1], [0, 1, 2, 3, 4])  # same ids, shuffled
    df = load_runs(runs)
    report = df.attrs["problem_match"]
    assert report["key"] == "prompt" and report["counts"] == {"prompt": 5}
    assert report["clashes"] and report["clashes"][0]["runs"] == ["a-base", "b-rl"]
    _same_question_per_id(df)
    a = df[df["run"] == "a-base"].drop_duplicates("problem_id")
    assert (a["problem_id"] == a["source_problem_id"]).all()  # a-base's ids are kept
    b = df[df["run"] == "b-rl"].drop_duplicates("problem_id").set_index("source_problem_id")
    assert b.loc["0", "problem_id"] == "2"  # b-rl's idx 0 is a-base's question 2


def test_shared_ids_are_unchanged_and_unmatched_listed(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    name = "samples_math500_2025-03-14T10-22-31.123456.jsonl"
    _lm_eval(runs / "one-base" / name, [0, 1, 2, 3, 4])
    _lm_eval(runs / "two-rl" / name, [0, 1, 2, 3])
    df = load_runs(runs)
    report = df.attrs["problem_match"]
    alone = load_runs(runs / "one-base")
    assert report["key"] == "benchmark id" and report["counts"] == {"benchmark id": 4}
    assert report["unmatched"] == [
        {
            "run": "one-base",
            "problem_id": "math500/4",
            "source_problem_id": alone["source_problem_id"].iloc[-1],
            "reason": "no problem with the same id or the same prompt in another run",
        }
    ]
    one = df[df["run"] == "one-base"]
    assert one["problem_id"].tolist() == alone["problem_id"].tolist()  # ids unchanged


def test_unmatched_problems_and_batch_without_its_input(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _verl(runs / "verl-grpo" / "5.jsonl", [0, 1, 2])
    _qwen_math(runs / "qwen-zero" / "out.jsonl", [1, 2, 3], [1, 2, 3], prompt=False)
    _batch(runs / "gpt-batch", [0, 4], with_input=False)
    df = load_runs(runs)
    report = df.attrs["problem_match"]
    assert report["counts"] == {"prompt": 2}
    reasons = {(u["run"], u["source_problem_id"]): u["reason"] for u in report["unmatched"]}
    assert reasons[("gpt-batch", "q0")].startswith("no prompt: OpenAI Batch output without")
    assert reasons[("gpt-batch", "q4")].startswith("no prompt: OpenAI Batch output without")
    assert (
        reasons[("qwen-zero", "3")]
        == "no problem with the same id or the same prompt in another run"
    )
    verl_alone = [u for u in report["unmatched"] if u["run"] == "verl-grpo"]
    assert len(verl_alone) == 1 and verl_alone[0]["problem_id"].startswith("p-")
    assert sum(report["counts"].values()) + len(report["unmatched"]) == report["n_problems"]
    assert df["problem_id"].nunique() == report["n_problems"]


def test_one_run_is_unchanged(tmp_path: Path) -> None:
    path = _qwen_math(tmp_path / "qwen-zero.jsonl", [0, 1, 2], [7, 8, 9])
    df = load_runs(path)
    assert df["problem_id"].drop_duplicates().tolist() == ["7", "8", "9"]
    assert (df["source_problem_id"] == df["problem_id"]).all()
    assert df.attrs["problem_match"] == {
        "key": "benchmark id",
        "counts": {"benchmark id": 3},
        "n_problems": 3,
        "unmatched": [],
        "clashes": [],
    }


def test_two_problems_of_one_run_are_never_merged() -> None:
    """A run holding the same question twice keeps both; the other run's copy is not
    matched to either (no guessing)."""
    df = pd.DataFrame(
        {
            "run": ["a", "a", "b"],
            "problem_id": ["1", "2", "x"],
            "sample_idx": [0, 0, 0],
            "prompt": ["Q: What is 2+2?", "What is 2+2?", "What is 2+2?"],
            "response": ["4", "4", "4"],
        }
    )
    df["source_problem_id"] = pd.Series(pd.NA, index=df.index, dtype="string")
    out = match_problems(df, {"a": RunInfo("a"), "b": RunInfo("b")})
    assert out.groupby("run")["problem_id"].nunique().to_dict() == {"a": 2, "b": 1}
    assert out["problem_id"].nunique() == 3
    reasons = [u["reason"] for u in out.attrs["problem_match"]["unmatched"]]
    assert reasons[0].startswith("its prompt is shared by 2 problems of this run")


def test_rows_in_file_equal_rows_loaded_plus_rejected(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    verl = _verl(runs / "verl-grpo" / "5.jsonl", [0, 1, 2])
    with verl.open("a") as handle:
        handle.write('{"input": "x", "output": \n')  # a broken line
    batch = _batch(runs / "gpt-batch", [0, 1, 2])
    with batch.open("a") as handle:
        failed = {"custom_id": "q9/0", "response": None, "error": {"message": "Rate limit"}}
        handle.write(json.dumps(failed) + "\n")
    df = load_runs(runs)
    rejected = pd.Series([r.run for r in df.attrs["rejections"]]).value_counts()
    for run, path in (("verl-grpo", verl), ("gpt-batch", batch)):
        lines = len(path.read_text().splitlines())
        assert (df["run"] == run).sum() + rejected.get(run, 0) == lines
    assert df.attrs["problem_match"]["counts"] == {"prompt": 3}


# (name, source, rendered prompt) for QUESTION; each must normalise to the bare question.
QUESTION = "Let $a_1 = 3$ and $a_{n+1} = 2a_n - 1$.\nFind $a_{10}$."
TEMPLATES = [
    (
        "qwen-boxed",
        "Qwen2.5-Math evaluation/utils.py, SimpleRL-Zoo",
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{q}\n"
        "Please reason step by step, and put your final answer within \\boxed{{}}.<|im_end|>\n"
        "<|im_start|>assistant\n",
    ),
    (
        "qwen25-math-cot",
        "Qwen2.5-Math evaluation/utils.py",
        "<|im_start|>system\nPlease reason step by step, and put your final answer within "
        "\\boxed{{}}.<|im_end|>\n<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n",
    ),
    (
        "verl decoded ChatML",
        "verl ray_trainer: batch_decode(prompts, skip_special_tokens=True)",
        "system\nYou are a helpful assistant.\nuser\n{q} Let's think step by step and output the "
        "final answer within \\boxed{{}}.\nassistant\n",
    ),
    (
        "verl gsm8k",
        "verl examples/data_preprocess/gsm8k.py",
        "<|im_start|>user\n{q} Let's think step by step and output the final answer after "
        '"####".<|im_end|>\n<|im_start|>assistant\n',
    ),
    (
        "llama-3.1 chat",
        "Llama 3.1 chat template",
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
        "December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>"
        "\n\n{q}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    ),
    (
        "llama-3.1 decoded",
        "verl/TRL decoding without special tokens",
        "system\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nuser\n\n"
        "{q}assistant\n\n",
    ),
    (
        "deepseek-r1-distill",
        "DeepSeek-R1-Distill chat template",
        "<｜begin▁of▁sentence｜><｜User｜>{q}\nPlease reason step by step, and put your final "
        "answer within \\boxed{{}}.<｜Assistant｜><think>\n",
    ),
    (
        "r1-zero",
        "DeepSeek-R1 paper Table 1 (traceanalysis r1-zero template)",
        "A conversation between User and Assistant. The User asks a question, and the Assistant "
        "solves it. The Assistant first thinks about the reasoning process in the mind and then "
        "provides the User with the answer. The reasoning process is enclosed within <think> "
        "</think> and answer is enclosed within <answer> </answer> tags, respectively, i.e., "
        "<think> reasoning process here </think> <answer> answer here </answer>.\nUser: {q}\n"
        "Assistant: <think>",
    ),
    (
        "open-reasoner-zero",
        "Open-Reasoner-Zero prompt",
        "A conversation between User and Assistant. The User asks a question, and the Assistant "
        "solves it. The Assistant first thinks about the reasoning process in the mind and then "
        "provides the User with the answer. The reasoning process is enclosed within <think> "
        "</think> and answer is enclosed within <answer> </answer> tags, respectively, i.e., "
        "<think> reasoning process here </think> <answer> answer here </answer>. User: You must "
        "put your answer inside <answer> </answer> tags, i.e., <answer> answer here </answer>. And "
        "your final answer will be extracted automatically by the \\boxed{{}} tag.\nThis is the "
        "problem:\n{q}\nAssistant: <think>",
    ),
    (
        "deepseek-math",
        "Qwen2.5-Math evaluation/utils.py",
        "User: {q}\nPlease reason step by step, and put your final answer within \\boxed{{}}.\n\n"
        "Assistant:",
    ),
    ("lm-eval hendrycks_math", "lm-eval tasks/hendrycks_math", "Problem: {q}\nAnswer:"),
    (
        "lm-eval minerva_math 1-shot",
        "lm-eval tasks/minerva_math",
        "Problem:\nFind $1+1$.\n\nSolution:\n$1+1=2$. Final Answer: The final answer is $2$.\n\n"
        "Problem:\n{q}\n\nSolution:",
    ),
    (
        "lm-eval gsm8k_cot",
        "lm-eval tasks/gsm8k",
        "Q: There are 3 cars. How many?\nA: 3.\n\nQ: {q}\nA:",
    ),
    (
        "DAPO",
        "BytedTsinghua-SIA/DAPO-Math-17k prompt",
        "Solve the following math problem step by step. The last line of your response should be "
        "of the form Answer: $Answer (without quotes) where $Answer is the answer to the problem."
        '\n\n{q}\n\nRemember to put your answer on its own line after "Answer:".',
    ),
    (
        "simple-evals",
        "openai/simple-evals math_eval.py QUERY_TEMPLATE",
        "Solve the following math problem step by step. The last line of your response should be "
        "of the form Answer: $ANSWER (without quotes) where $ANSWER is the answer to the problem."
        '\n\n{q}\n\nRemember to put your answer on its own line after "Answer:", and you do not '
        "need to use a \\boxed command.",
    ),
    (
        "inspect_evals math",
        "inspect_evals mathematics USER_PROMPT_TEMPLATE",
        "Solve the following math problem step by step. The last line of your response should be "
        'of the form "ANSWER: $ANSWER" (without quotes) where $ANSWER is the answer to the '
        "problem.\n\n{q}\n\nRemember to put your answer on its own line at the end in the form "
        '"ANSWER: $ANSWER" (without quotes) where $ANSWER is the answer to the problem, and you '
        "do not need to use a \\boxed command.\n\nReasoning:",
    ),
    (
        "lighteval math_500",
        "lighteval math_500 prompt",
        "Solve the following math problem efficiently and clearly.  The last line of your "
        "response should be of the following format: 'Therefore, the final answer is: "
        "$\\boxed{{ANSWER}}$. I hope it is correct' (without quotes) where ANSWER is just the final "
        "number or expression that solves the problem. Think step by step before answering.\n\n{q}",
    ),
    (
        "lighteval math_500 v2",
        "lighteval tasks math_500 (version 2)",
        "Solve the following problem. The final line of your response MUST be of the following "
        'format:\n"ANSWER: $ANSWER" (without quotes) where $ANSWER is the final answer. Think '
        "step by step before answering.\n\n{q}",
    ),
    (
        "no-cot boxed system",
        "a system message as TRL/OpenAI messages",
        "system: Please put your final answer within \\boxed{{}}.\n\nuser: {q}",
    ),
    (
        "SkyThought",
        "NovaSky-AI/SkyThought math prompt",
        "<|im_start|>system\nYour role as an assistant involves thoroughly exploring questions "
        "through a systematic long thinking process.<|im_end|>\n<|im_start|>user\nReturn your "
        "final response within \\boxed{{}}. {q}<|im_end|>\n<|im_start|>assistant\n",
    ),
    ("mistral", "Qwen2.5-Math evaluation/utils.py", "<s>[INST] {q}[/INST]"),
    (
        "llama-2 system",
        "Llama 2 chat",
        "[INST] <<SYS>>\nYou are a helpful assistant.<</SYS>>\n\n{q}\nPlease reason step by "
        "step, and put your final answer within \\boxed{{}}. [/INST] ",
    ),
    ("numina", "Qwen2.5-Math evaluation/utils.py", "### Problem: {q}\n### Solution:"),
    ("jiuzhang", "Qwen2.5-Math evaluation/utils.py", "## Question\n{q}\n\n## Solution\n"),
    (
        "abel",
        "Qwen2.5-Math evaluation/utils.py",
        "Question:\n{q}\nAnswer:\nLet's think step by step.\n",
    ),
    (
        "wizard_zs",
        "Qwen2.5-Math evaluation/utils.py",
        "Below is an instruction that describes a task. Write a response that appropriately "
        "completes the request.\n\n### Instruction:\n{q}\n\n### Response: Let's think step by step.",
    ),
    ("tora", "Qwen2.5-Math evaluation/utils.py", "<|user|>\n{q}\n<|assistant|>\n"),
    (
        "qwen3 thinking",
        "Qwen3 chat template",
        "<|im_start|>user\n{q}\nPlease reason step by step, and put your final answer within "
        "\\boxed{{}}./think<|im_end|>\n<|im_start|>assistant\n<think>\n",
    ),
    (
        "gemma",
        "Gemma chat template",
        "<bos><start_of_turn>user\n{q}<end_of_turn>\n<start_of_turn>model\n",
    ),
    (
        "message list text",
        "traceanalysis message_text of [system, user]",
        "system: You are a helpful assistant.\n\nuser: {q}",
    ),
    ("anthropic", "Human/Assistant turns", "\n\nHuman: {q}\n\nAssistant:"),
]


@pytest.mark.parametrize(("name", "source", "template"), TEMPLATES, ids=[t[0] for t in TEMPLATES])
def test_template_is_stripped(name: str, source: str, template: str) -> None:
    rendered = template.format(q=QUESTION)
    assert (
        normalise_prompt(rendered)
        == normalise_prompt(QUESTION)
        == ("Let $a_1 = 3$ and $a_{n+1} = 2a_n - 1$. Find $a_{10}$.")
    )


def test_bundled_generation_templates_are_stripped() -> None:
    from traceanalysis.generate.templates import available_templates, load_template

    for name in available_templates():
        template = load_template(name)
        if not template.chat:
            assert normalise_prompt(template.render(QUESTION)) == normalise_prompt(QUESTION), name


@pytest.mark.parametrize(
    "question",
    [
        "Point $A$ is at the origin. Find the distance to $B$. Answer in terms of A",
        "The user of a phone dials 3 digits. How many codes are possible?",
        "Solve for $x$: $2x + 3 = 7$.",
        "In the diagram, Q is the midpoint. What is PQ?",
    ],
)
def test_the_question_itself_is_kept(question: str) -> None:
    assert normalise_prompt(question) == " ".join(question.split())


def test_different_questions_stay_different() -> None:
    keys = {normalise_prompt(t[2].format(q=q)) for t in TEMPLATES for q in QUESTIONS}
    assert len(keys) == len(QUESTIONS)


REAL = Path(__file__).parents[1] / "fixtures" / "real" / "out"


def _one(pattern: str) -> Path:
    found = sorted(REAL.glob(pattern))
    assert found, f"no real fixture {pattern} under {REAL}"
    return found[-1]


def test_real_outputs_of_four_tools_line_up(tmp_path: Path) -> None:
    """Files written by lm-eval, lighteval, inspect_ai and TRL on the same problems."""
    runs = tmp_path / "runs"
    sources = {
        "lmeval": [_one("lm_eval/*/samples_lab_math_gen_*.jsonl")],
        "lighteval": [_one("lighteval/details/*/*/details_lab_math|0_*.parquet")],
        "inspect": [_one("inspect/json/*lab-math*.json")],
        "trl": sorted(REAL.glob("trl/completions/*.parquet")),
    }
    for run, files in sources.items():
        (runs / run).mkdir(parents=True)
        for file in files:
            (runs / run / file.name).write_bytes(file.read_bytes())
    df = load_runs(runs)
    report = df.attrs["problem_match"]
    assert report["unmatched"] == [] and report["key"] == "prompt"
    per_problem = df.groupby("problem_id")
    assert (per_problem["run"].nunique() >= 2).all()
    assert (per_problem["gold"].nunique() == 1).all()  # one gold per matched problem
    evals = df[df["run"] != "trl"].groupby("problem_id")["run"].nunique()
    assert (evals == 3).all()  # the three eval tools hold the same problems
    assert set(df.loc[df["run"] == "trl", "problem_id"]) <= set(evals.index)


def test_an_unmatched_problem_of_a_clashing_run_says_why() -> None:
    df = pd.DataFrame(
        {
            "run": ["a", "a", "b", "b"],
            "problem_id": ["0", "1", "0", "1"],
            "sample_idx": [0, 0, 0, 0],
            "prompt": [QUESTIONS[0], QUESTIONS[1], QUESTIONS[1], QUESTIONS[4]],
            "response": ["x"] * 4,
        }
    )
    out = match_problems(df, {"a": RunInfo("a"), "b": RunInfo("b")})
    report = out.attrs["problem_match"]
    assert report["clashes"] == [
        {"problem_id": "0", "runs": ["a", "b"]},
        {"problem_id": "1", "runs": ["a", "b"]},
    ]
    assert report["counts"] == {"prompt": 1} and report["n_problems"] == 3
    b = out[out["run"] == "b"].set_index("source_problem_id")["problem_id"]
    assert b["0"] == "1"  # b's id 0 is a's question 1
    reasons = {(u["run"], u["source_problem_id"]): u["reason"] for u in report["unmatched"]}
    assert set(reasons) == {("a", "0"), ("b", "1")}
    assert reasons[("a", "0")].endswith(
        "(ids not used: id '0' has different prompts in runs a and b)"
    )
    assert out["problem_id"].nunique() == 3 and len(out) == len(df)


def test_nothing_matches_nothing_is_counted() -> None:
    df = pd.DataFrame(
        {"run": ["a", "b"], "problem_id": ["1", "2"], "sample_idx": [0, 0], "response": ["x", "y"]}
    )
    report = match_problems(df, {}).attrs["problem_match"]
    assert report["counts"] == {} and report["n_problems"] == 2
    assert [u["reason"] for u in report["unmatched"]] == [
        "its id is in no other run, and it has no prompt to match by"
    ] * 2
