"""The grader registry: text, choice and source graders, per-run dispatch, and real inspect_ai logs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from grading_helpers import samples

from traceanalysis.cli import main
from traceanalysis.grading import agreement_summary, grade
from traceanalysis.grading.registry import UnknownGrader, call_grader, get_grader, grader_names
from traceanalysis.grading.text_grader import normalize_text
from traceanalysis.io import load_runs
from traceanalysis.schema import GRADE_COLUMNS, GRADE_STATUSES

INSPECT = Path(__file__).parents[1] / "fixtures" / "grading" / "inspect"


def _row(out: pd.DataFrame, i: int = 0) -> tuple[object, object, str]:
    row = out.iloc[i]
    extracted = None if pd.isna(row["extracted"]) else row["extracted"]
    correct = None if pd.isna(row["correct"]) else bool(row["correct"])
    return extracted, correct, str(row["grade_status"])


# --- real inspect_ai logs -----------------------------------------------------------


@pytest.fixture(scope="module")
def inspect_runs() -> pd.DataFrame:
    """The two inspect_ai 0.3.285 logs (Yes/No by match(), multiple choice by choice())."""
    return load_runs(INSPECT, progress=False)


def test_inspect_yes_no_log_grades_close_to_its_own_scores(inspect_runs: pd.DataFrame) -> None:
    out = grade(inspect_runs, workers=1)
    graders = out.attrs["grading"]["graders"]
    assert graders["yes_no"]["grader"] == "text"
    assert graders["mcq"]["grader"] == "choice"
    agree = agreement_summary(out).set_index("run")
    for run in ("yes_no", "mcq"):
        assert agree.loc[run, "agreement"] >= 0.85, agree
        gap = agree.loc[run, "accuracy_ours"] - agree.loc[run, "accuracy_source"]
        assert 0 <= gap <= 0.15, agree
    yes_no = out[out["run"] == "yes_no"]
    assert (yes_no["grade_status"] == "no_answer").mean() < 0.1
    # Every disagreement is inspect's strict scorer missing a correct answer given first
    # ("No. The capital is Canberra.", match() wants it at the end) or not as "ANSWER: X".
    differ = out[out["correct"].astype(bool) != out["source_correct"].astype(bool)]
    assert len(differ) and differ["correct"].all()
    assert (differ["extracted"].str.lower() == differ["gold"].str.lower()).all()
    # the agreement figures, recounted by hand from the rows
    for run, part in out.groupby("run"):
        ours = [bool(v) for v in part["correct"]]
        theirs = [bool(v) for v in part["source_correct"]]
        same = sum(a == b for a, b in zip(ours, theirs, strict=True))
        assert agree.loc[run, "n_both"] == len(part)
        assert agree.loc[run, "n_disagree"] == len(part) - same
        assert agree.loc[run, "agreement"] == pytest.approx(same / len(part))
        assert agree.loc[run, "accuracy_ours"] == pytest.approx(sum(ours) / len(part))
        assert agree.loc[run, "accuracy_source"] == pytest.approx(sum(theirs) / len(part))


def test_math_grader_on_yes_no_golds_is_the_bug_the_registry_fixes(
    inspect_runs: pd.DataFrame,
) -> None:
    yes_no = inspect_runs[inspect_runs["run"] == "yes_no"].reset_index(drop=True)
    forced = grade(yes_no, grader="math", workers=1)
    auto = grade(yes_no, workers=1)
    source = yes_no["source_correct"].astype(bool).mean()
    assert forced["correct"].fillna(False).astype(bool).mean() < source - 0.3
    assert abs(auto["correct"].astype(bool).mean() - source) <= 0.15
    assert set(forced["grader"]) == {"math"} and set(auto["grader"]) == {"text"}


# --- text ---------------------------------------------------------------------------

TEXT_CASES = [
    # response, gold, extracted, correct, status
    ("Yes.", "Yes", "Yes", True, "ok"),
    ("yes", "Yes.", "yes", True, "ok"),
    ("**YES**", "yes", "YES", True, "ok"),
    ("No", "Yes", "No", False, "ok"),
    ("Reasoning first.\n\nANSWER: No", "No", "No", True, "ok"),
    ("Let me think.\nThe answer is no, because it is not.", "No", "no", True, "ok"),
    ("Final answer: **True**", "True", "True", True, "ok"),
    ("Answer:\nYes", "Yes", "Yes", True, "ok"),
    (r"So the result is $\boxed{\text{No}}$.", "No", "No", True, "ok"),
    ("The answer is yes.\nWait, no. The answer is no.", "Yes", "no", False, "ok"),
    ("It could be yes or it could be no.", "Yes", None, False, "no_answer"),
    ("Answer: yes and no", "No", None, False, "no_answer"),
    ("I think so, yes", "Yes", "yes", True, "ok"),
    ("Yes, because water expands when it freezes.", "Yes", "yes", True, "ok"),
    ("<think>maybe no</think>\n\nYes", "Yes", "Yes", True, "ok"),
    ("<think>no final part", "Yes", None, False, "truncated"),
    (
        "I cannot say anything about this question without more context, sorry.",
        "No",
        None,
        False,
        "no_answer",
    ),  # fmt: skip
    ("Not sure.", "No", "Not sure", False, "ok"),  # "no" is not a word of "not"
    ("   ", "Yes", None, False, "no_answer"),
    ("The capital is Paris.", "Paris", "paris", True, "ok"),
    ("The Eiffel Tower", "Eiffel Tower", "The Eiffel Tower", True, "ok"),
    ("Yes", None, "Yes", None, "ungraded"),
    ("No.\nThe number 91 = 7 x 13 is not prime, as shown above.", "No", "No", True, "ok"),
    ("Yes\n\nExplanation: no factor of 91 but 7 and 13.", "Yes", "Yes", True, "ok"),
    ("No.\nWait, let me redo it.\nYes", "No", "Yes", False, "ok"),  # last line a label: it wins
    ("Yes", "?!", "Yes", None, "parse_error"),  # forced text on a gold of punctuation only
    ("Yes, no doubt.", "Yes", "yes", True, "ok"),  # the answer first, an idiom after it
    ("No: yes-men would disagree.", "No", "no", True, "ok"),
    ("No, wait, yes.", "No", None, False, "no_answer"),  # a second answer clause: ambiguous
    ("Yes? No.", "Yes", None, False, "no_answer"),  # a question is no answer clause
]


@pytest.mark.parametrize(("response", "gold", "extracted", "correct", "status"), TEXT_CASES)
def test_text_grader_rules(response, gold, extracted, correct, status) -> None:
    out = grade(samples([{"response": response, "gold": gold}]), grader="text")
    assert _row(out) == (extracted, correct, status)
    assert out["grader"].tolist() == ["text"]


def test_text_grader_truncated_response_is_never_correct() -> None:
    df = samples([{"response": "Yes", "gold": "Yes", "finish_reason": "length"}])
    assert _row(grade(df, grader="text")) == ("Yes", False, "truncated")


def test_text_labels_of_a_closed_run_set_count_for_the_contains_rule() -> None:
    # golds of the run: positive / negative / neutral; the region names exactly one label
    df = samples(
        [
            {"response": "Overall the tone is negative.", "gold": "negative"},
            {"response": "Mostly positive, partly negative.", "gold": "positive"},
            {"response": "Neutral", "gold": "neutral"},
        ]
    )
    out = grade(df, grader="text")
    assert [_row(out, i) for i in range(3)] == [
        ("negative", True, "ok"),
        (None, False, "no_answer"),
        ("Neutral", True, "ok"),
    ]


def test_normalize_text_is_invariant_under_case_punctuation_articles_and_spacing() -> None:
    import random

    rng = random.Random(0)
    words = ["yes", "no", "paris", "new", "york", "true", "eiffel", "tower", "x"]
    for _ in range(300):
        phrase = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
        base = normalize_text(phrase)
        variants = [
            phrase.upper(),
            phrase.title() + rng.choice([".", "!", "?", ";", ""]),
            "the " + phrase,
            f"  {phrase}\n",
            f"**{phrase}**",
            rf"\text{{{phrase}}}",
            "A " + phrase.replace(" ", "  "),
        ]
        for variant in variants:
            assert normalize_text(variant) == base, (phrase, variant)
        assert base == " ".join(w for w in phrase.split() if w not in {"a", "an", "the"})


# --- choice -------------------------------------------------------------------------

CHOICE_CASES = [
    # response, gold, extracted, correct, status
    ("The answer is (C).", "C", "C", True, "ok"),  # lm-eval gpqa strict-match
    ("Answer: B", "(B)", "B", True, "ok"),
    ("Reasoning.\n\nANSWER: D", "D", "D", True, "ok"),  # inspect_ai multiple_choice
    (r"Thus $\boxed{C}$.", "C", "C", True, "ok"),
    (r"\boxed{\text{(A)}}", "A", "A", True, "ok"),
    ("the answer is (A). Wait, I recheck: the answer is (B).", "B", "B", True, "ok"),
    ("(A) is wrong and (D) is wrong, so the answer is B", "B", "B", True, "ok"),
    ("Options (A) and (C) look plausible; I go with (C)", "C", "C", True, "ok"),  # last (X)
    ("**C**", "C", "C", True, "ok"),
    ("C. The mitochondrion", "C) Mitochondrion", "C", True, "ok"),
    ("B\n", "C", "B", False, "ok"),
    ("A car has four wheels.", "A", None, False, "no_answer"),  # "A" is an article
    ("I don't know.", "A", None, False, "no_answer"),
    ("The answer is (E).", "E", "E", True, "ok"),
    ("The answer is (C) or (D).", "C", None, False, "no_answer"),  # a hedge is no answer
    ("The answer is C/D", "C", None, False, "no_answer"),
    ("The answer: D, since neither A nor B fits.", "D", "D", True, "ok"),
    ("The answer is (C).", "Nitrogen", "C", None, "parse_error"),  # no options listed
    ("The answer is (C).", None, "C", None, "ungraded"),
]


@pytest.mark.parametrize(("response", "gold", "extracted", "correct", "status"), CHOICE_CASES)
def test_choice_grader_rules(response, gold, extracted, correct, status) -> None:
    out = grade(samples([{"response": response, "gold": gold}]), grader="choice")
    assert _row(out) == (extracted, correct, status)


def test_choice_gold_as_option_text_uses_the_prompt_options() -> None:
    prompt = "Which gas is most common in air?\nA) Oxygen\nB) Nitrogen\nC) Argon\nD) Helium"
    df = samples(
        [
            {"prompt": prompt, "response": "ANSWER: B", "gold": "Nitrogen"},
            {"prompt": prompt, "response": r"\boxed{Nitrogen}", "gold": "B"},
            {"prompt": prompt, "response": "ANSWER: A", "gold": "Nitrogen"},
        ]
    )
    out = grade(df, grader="choice")
    assert [_row(out, i) for i in range(3)] == [
        ("B", True, "ok"),
        ("B", True, "ok"),
        ("A", False, "ok"),
    ]


# --- source -------------------------------------------------------------------------


def test_source_grader_trusts_the_labels_and_marks_unlabelled_rows_ungraded() -> None:
    df = samples(
        [
            {"response": "whatever", "gold": "1", "source_correct": True},
            {"response": "whatever", "gold": "1", "source_correct": False},
            {"response": "whatever", "gold": "1", "source_correct": None},
        ]
    )
    out = grade(df, grader="source")
    assert out["correct"].tolist() == [True, False, pd.NA]
    assert out["grade_status"].tolist() == ["ok", "ok", "ungraded"]
    assert out["extracted"].isna().all()
    assert out.attrs["grading"]["graders"]["r"] == {
        "grader": "source",
        "why": "forced (--grader source)",
    }


# --- choosing the grader --------------------------------------------------------------

AUTO_CASES = [
    # golds, grader, words of the reason
    (["A", "B", "(C)", "J"], "choice", "all 4 golds look like option letters"),
    (["C) Nitrogen", "(A) Oxygen"], "choice", "all 2 golds look like option letters"),
    (["42", r"\frac{1}{2}", "x^2+1", "(1, 2)", "3.5", "x"], "math", "all 6 golds look like math"),
    (["Yes", "No", "no"], "text", "all 3 golds look like short text"),
    (["True", "False"], "text", "all 2 golds look like short text"),
    (["Paris", "New York City", "A. Lincoln"], "text", "all 3 golds look like short text"),
    ([r"\text{Tuesday}", r"\text{(C)}"], "math", "all 2 golds look like math"),
    ([r"\text{ if } x > 0", r"\text{cm}^2"], "math", "all 2 golds look like math"),
    ([None, None], "math", "no gold answer"),
    (["$$", "?"], "math", "all 2 golds look like math"),  # no letter: no text
    (["Yes", "No", "No", "5"], "text", "mixed golds (1 math, 3 text): the majority, text"),
    (["Yes", "5"], "math", "mixed golds (1 math, 1 text): the majority, math"),  # tie: math
    (["B", "C", "7"], "choice", "mixed golds (1 math, 2 choice): the majority, choice"),
]


@pytest.mark.parametrize(("golds", "expected", "why"), AUTO_CASES)
def test_auto_selection_from_the_golds(golds, expected, why) -> None:
    df = samples([{"response": "Answer: 5", "gold": g} for g in golds])
    info = grade(df, workers=1).attrs["grading"]["graders"]["r"]
    assert info["grader"] == expected
    assert why in info["why"]
    assert set(grade(df, workers=1)["grader"]) == {expected}


SENTENCE = "Nothing happens if you eat watermelon seeds; they pass through you."


@pytest.mark.parametrize(("labelled", "expected"), [(True, "source"), (False, "text")])
def test_sentence_golds_go_to_the_source_labels_when_the_run_has_them(labelled, expected):
    df = samples(
        [
            {"response": "You grow watermelons in your stomach.", "gold": SENTENCE,
             "source_correct": False if labelled else None},
            {"response": SENTENCE, "gold": SENTENCE, "source_correct": True if labelled else None},
        ]
    )  # fmt: skip
    out = grade(df)
    info = out.attrs["grading"]["graders"]["r"]
    assert info["grader"] == expected
    assert info["why"].startswith("all 2 golds are sentences (more than 8 words)")
    assert out["correct"].tolist() == [False, True]


def test_runs_get_their_own_graders_and_rows_keep_their_order() -> None:
    rows = []
    for i in range(6):
        rows.append({"run": "yn", "problem_id": f"y{i}", "response": "Yes", "gold": "Yes"})
        rows.append({"run": "mc", "problem_id": f"m{i}", "response": "Answer: B", "gold": "B"})
        rows.append(
            {"run": "lab", "problem_id": f"l{i}", "response": "?", "gold": "x",
             "source_correct": i % 2 == 0}
        )  # fmt: skip
    df = samples(rows)
    out = grade(df, grader="lab=source")
    assert out["grader"].tolist() == ["text", "choice", "source"] * 6
    assert out["problem_id"].tolist() == df["problem_id"].tolist()
    for run in ("yn", "mc", "lab"):
        alone = grade(
            df[df["run"] == run].reset_index(drop=True),
            grader="lab=source" if run == "lab" else None,
        )
        mixed = out[out["run"] == run].reset_index(drop=True)
        pd.testing.assert_frame_equal(mixed, alone, check_like=False)
    info = out.attrs["grading"]
    assert info["graders"]["lab"]["why"] == "forced (--grader lab=source)"
    # summed counts are the sums over the graders' own attrs (checked by brute force)
    for key in ("n_responses", "n_unique", "n_cached", "n_verified", "n_timeout", "n_killed"):
        assert info[key] == sum(part[key] for part in info["by_grader"].values())
    assert info["n_responses"] == len(df)
    assert info["by_grader"]["text"]["n_unique"] == 1  # one distinct (answer, gold)
    assert info["by_grader"]["source"]["n_unique"] == 6  # labelled rows


def test_a_mixed_run_from_several_files_gets_a_grader_per_file() -> None:
    rows = [
        {"response": r"\boxed{12}", "gold": "12", "source_file": "logs/math.eval!samples/1.json"},
        {"response": r"\boxed{7}", "gold": "8", "source_file": "logs/math.eval!samples/2.json"},
        {"response": "ANSWER: B", "gold": "B", "source_file": "logs/mcq.eval!samples/1.json"},
        {"response": "No.", "gold": "No", "source_file": "logs/yn.eval!samples/1.json"},
    ]
    out = grade(samples(rows), workers=1)
    assert out["grader"].tolist() == ["math", "math", "choice", "text"]
    assert out["correct"].tolist() == [True, False, True, True]
    info = out.attrs["grading"]["graders"]["r"]
    assert info["grader"] == "choice+math+text"
    assert info["why"].startswith("mixed golds, one grader per input file: math.eval: math")
    assert {f: g["grader"] for f, g in info["files"].items()} == {
        "logs/math.eval": "math",
        "logs/mcq.eval": "choice",
        "logs/yn.eval": "text",
    }
    # one file with mixed golds: the majority, as for any run
    same_file = samples([{**r, "source_file": "one.jsonl"} for r in rows])
    assert set(grade(same_file, workers=1)["grader"]) == {"math"}


def test_real_inspect_folder_of_three_tasks_is_graded_task_by_task() -> None:
    folder = Path(__file__).parents[1] / "fixtures" / "real" / "out" / "inspect"
    df = load_runs(folder, progress=False)  # runs "eval" and "json": three task logs each
    out = grade(df, workers=1)
    assert set(out["grader"]) == {"math", "choice", "text"}
    for _, part in out.groupby(out["source_file"].str.split("!").str[0]):
        assert part["grader"].nunique() == 1  # one grader per task file
    agree = agreement_summary(out)
    assert (agree["agreement"] >= 0.9).all(), agree


def test_a_forced_grader_applies_to_every_run_and_pairs_override_it() -> None:
    df = samples(
        [
            {"run": "a", "response": "Yes", "gold": "Yes"},
            {"run": "b", "response": "ANSWER: B", "gold": "B"},
        ]
    )
    out = grade(df, grader="b=choice,text")
    assert out["grader"].tolist() == ["text", "choice"]
    assert out["correct"].tolist() == [True, True]
    out = grade(df, grader={"a": "text"})
    assert out.attrs["grading"]["graders"]["b"]["grader"] == "choice"


def test_unknown_grader_names_the_closest_one() -> None:
    with pytest.raises(UnknownGrader, match=r"unknown grader 'txt'; did you mean 'text'\?"):
        get_grader("txt")
    with pytest.raises(UnknownGrader, match="did you mean 'choice'"):
        grade(samples([{"response": "x", "gold": "A"}]), grader="r=choise")
    with pytest.raises(UnknownGrader, match=r"known: choice, math, source, text"):
        get_grader("zzzzzz")


@pytest.mark.parametrize(
    ("spec", "message"),
    [("nope=text", "no run named 'nope'"), ("text,choice", "more than one grader"),
     ("r=text,r=choice", "named twice"), ("=text", "expected NAME or RUN=NAME")],
)  # fmt: skip
def test_bad_specs_are_refused(spec: str, message: str) -> None:
    from traceanalysis.errors import InputError

    with pytest.raises(InputError, match=message):
        grade(samples([{"response": "x", "gold": "Yes"}]), grader=spec)


def test_every_grader_returns_the_same_columns_and_attrs() -> None:
    df = samples(
        [
            {"response": r"\boxed{5}", "gold": "5", "source_correct": True},
            {"response": "Yes", "gold": "Yes", "source_correct": False},
            {"response": "", "gold": "A", "source_correct": None},
        ]
    )
    keys = None
    for name in grader_names():
        out = call_grader(name, df, workers=1, timeout=5.0, strict_sets=False, progress=False)
        assert list(out.columns) == list(df.columns) + ["extracted", "correct", "grade_status"]
        for column in ("extracted", "correct", "grade_status"):
            assert str(out[column].dtype) == GRADE_COLUMNS[column], (name, column)
        assert set(out["grade_status"]) <= set(GRADE_STATUSES)
        attrs = out.attrs["grading"]
        assert attrs["grader"] == name and attrs["n_responses"] == 3
        keys = set(attrs) if keys is None else keys
        assert keys <= set(attrs), name


def test_grade_stage_version_names_every_grader() -> None:
    from traceanalysis.engine.registry import get_stage
    from traceanalysis.engine.versioning import _closure, source_hash

    stage = get_stage("grade")
    # the version is the hash of the stage's source and of every module it imports, so
    # editing any grader changes it
    covered = _closure(stage.func.__module__)
    for name in ("math", "text", "choice", "source"):
        assert get_grader(name).func.__module__ in covered, name
    assert stage.version.endswith(source_hash(stage.func.__module__)[:10])
    assert {"run", "prompt", "source_correct"} <= set(stage.reads)


# --- command line and report ----------------------------------------------------------


def test_grade_command_prints_each_runs_grader(tmp_path: Path, capsys) -> None:
    code = main(["grade", str(INSPECT), "--out", str(tmp_path / "g"), "--workers", "1"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "grader yes_no: text (all 60 golds look like short text answers)" in printed
    assert "grader mcq: choice (all 24 golds look like option letters (A-J))" in printed
    accuracy = pd.read_csv(tmp_path / "g" / "accuracy.csv").set_index("run")
    assert accuracy.loc["yes_no", "status_no_answer"] < 0.1


def test_grade_command_refuses_a_misspelt_grader_before_loading(tmp_path: Path, capsys) -> None:
    code = main(["grade", str(tmp_path / "missing"), "--grader", "choce"])
    assert code == 2
    assert "did you mean 'choice'" in capsys.readouterr().err
    code = main(["grade", str(INSPECT), "--grader", "mcq=choice", "--grader", "nope=text",
                 "--out", str(tmp_path / "g"), "--quiet"])  # fmt: skip
    assert code == 2
    assert "no run named 'nope'" in capsys.readouterr().err


def test_report_options_grader_reaches_the_grade_stage() -> None:
    from traceanalysis.engine.registry import get_stage
    from traceanalysis.pipeline import ReportOptions, run_options

    graders, stage = get_stage("graders"), get_stage("grade")
    assert graders.options == ("grader",)  # keyed
    assert stage.options == ("grade_timeout", "strict_sets")
    options = run_options("runs", ReportOptions(grader="source", workers=1, quiet=True))
    df = samples([{"response": "Yes", "gold": "Yes"}])
    chosen = graders(df, grader=options["grader"])
    given = {n: options[n] for n in (*stage.options, *stage.runtime)}
    assert given["grade_timeout"] == 5.0
    out, record = stage(df, graders=chosen, **given)
    assert out["grader"].tolist() == ["source"] and record["graders"] == chosen


HOSTILE_UNITS = {
    "statements": "the answer is ",
    "colon lines": "Answer:\n",
    "answer and spaces": "answer" + " " * 50,
    "letters": "A, ",
    "parens": "(B) ",
    "unclosed boxes": "\\boxed{",
    "option lines": "A) " + " " * 30 + "\n",
    "stars and spaces": "** \t **   ",
}


@pytest.mark.parametrize("unit", list(HOSTILE_UNITS.values()), ids=list(HOSTILE_UNITS))
def test_text_and_choice_extraction_are_linear_on_hostile_answers(unit: str) -> None:
    import time

    from traceanalysis.grading.choice_grader import extract_letter, prompt_options
    from traceanalysis.grading.text_grader import judge_text

    def seconds(text: str) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            judge_text(text, "Yes", frozenset({"yes", "no"}))
            extract_letter(text, prompt_options(text))
            best = min(best, time.perf_counter() - start)
        return best

    small, large = unit * 2_000, unit * 20_000
    seconds(small)  # warm up the regex caches and the punctuation table
    t_small, t_large = seconds(small), seconds(large)
    assert t_large < max(25 * t_small, 0.2), (t_small, t_large)
