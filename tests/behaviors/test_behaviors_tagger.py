"""Rule tagger: golden cases per behaviour, sentence splitting, the stage's columns."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from traceanalysis.behaviors import (
    BEHAVIORS,
    load_behaviors,
    split_sentences,
    tag_behaviors,
    tag_texts,
)
from traceanalysis.behaviors.definitions import load_behavior_file, phrase_pattern
from traceanalysis.behaviors.sentences import sentences
from traceanalysis.engine.registry import get_stage
from traceanalysis.errors import InputError

# Hand-written golden cases beyond the examples shipped in the YAML files.
GOLDEN = {
    "verification": (
        [
            "We substitute $x=3$ back into the equation: 9 - 9 = 0, it checks out.",
            "Is that right? Yes: 3 - 2 = 1.",
            "The answer is 58. This is correct since 58 = 100 - 42.",
        ],
        [
            "I will check out the library later.",
            "Looking at the figure, the angle is 30 degrees.",
            "The problem asks which of the options is correct.",
            "Option (B) is correct because the sum is 12.",
        ],
    ),
    "backtracking": (
        ["Wait, I think I misread the question.", "Oops, I dropped a minus sign."],
        [
            "The children waited for the teacher.",
            "Set a timer and wait 10 minutes? No: wait times are given.",
        ],
    ),
    "subgoal_setting": (
        [
            "To solve this, we first compute the perimeter.",
            "Let's start by listing the divisors of 12.",
        ],
        ["The first prime is 2.", "Next year she will be 12."],
    ),
    "backward_chaining": (
        [
            "We work backward from the final amount of $40.",
            "In order for the sum to be odd, we need one odd term.",
        ],
        ["We walked backwards for fun.", "The sum of the terms is 40."],
    ),
    "multi_perspective": (
        ["Alternatively, count the complement.", "Let me try a different method: coordinates."],
        [
            "Take another look at the table of values: it has 5 rows.",
            "The alternation of signs is clear.",
        ],
    ),
    "metacognitive_awareness": (
        ["Hmmm, something feels off here.", "I'm not sure whether the order matters."],
        ["The hmmer tool aligns sequences.", "The order of the terms does not matter."],
    ),
    "self_reflection": (
        ["Let me rethink the second case.", "Re-evaluating the sum gives 45."],
        ["The checkered flag waves.", "We think of n as an integer."],
    ),
}


@pytest.mark.parametrize("behavior", load_behaviors(), ids=lambda b: b.name)
def test_shipped_examples_are_golden(behavior):
    pos = tag_texts(list(behavior.positive_examples), [behavior])
    neg = tag_texts(list(behavior.negative_examples), [behavior])
    assert all(pos), [t for t, s in zip(behavior.positive_examples, pos, strict=True) if not s]
    assert not any(neg), [t for t, s in zip(behavior.negative_examples, neg, strict=True) if s]


@pytest.mark.parametrize("name", BEHAVIORS)
def test_hand_written_golden_cases(name):
    behavior = next(b for b in load_behaviors() if b.name == name)
    positives, negatives = GOLDEN[name]
    for text in positives:
        assert tag_texts([text], [behavior])[0], f"{name} missed: {text}"
    for text in negatives:
        assert not tag_texts([text], [behavior])[0], f"{name} false positive: {text}"


def test_every_behavior_is_defined_with_examples_and_version():
    loaded = load_behaviors()
    assert tuple(b.name for b in loaded) == BEHAVIORS
    for b in loaded:
        assert b.version and b.definition and b.source
        assert len(b.positive_examples) >= 3 and len(b.negative_examples) >= 3


def test_sentences_respect_latex_and_line_breaks():
    text = (
        "First we set $x = 3.5$ and get 7. Then we stop!\n"
        "$$\na = b. c\n$$\n"
        "No punctuation on this line\n\n"
        "Is \\(y = 2.\\) right? Yes."
    )
    assert sentences(text) == [
        "First we set $x = 3.5$ and get 7.",
        "Then we stop!",
        "$$\na = b. c\n$$",
        "No punctuation on this line",
        "Is \\(y = 2.\\) right?",
        "Yes.",
    ]
    for start, end in split_sentences(text):
        assert text[start:end] == text[start:end].strip()


def test_whole_words_only():
    assert phrase_pattern("ok") == r"\bok\b"
    behavior = next(b for b in load_behaviors() if b.name == "backtracking")
    assert behavior.cue_spans("the value was awaited") == []
    assert behavior.cue_spans("Wait, no.") == [(0, 4)]


def test_stage_columns_counts_and_spans():
    text = "Let me check: 2 + 2 = 4.\nWait, that is wrong. Let me verify again.\nSo x = 5."
    df = pd.DataFrame({"run": ["r", "r"], "response": [text, None]})
    out = tag_behaviors(df)
    assert out["behavior_verification_count"].tolist() == [2, 0]
    assert out["behavior_verification_present"].tolist() == [True, False]
    assert out["behavior_backtracking_count"].tolist() == [1, 0]
    assert out["behavior_self_reflection_count"].tolist() == [1, 0]
    assert out["behavior_subgoal_setting_count"].tolist() == [0, 0]
    spans = json.loads(out["behavior_spans"].iloc[0])
    tagged = {(text[s:e], b) for s, e, b in spans}
    assert tagged == {
        ("Let me check: 2 + 2 = 4.", "verification"),
        ("Wait, that is wrong.", "backtracking"),
        ("Let me verify again.", "verification"),
        ("Let me verify again.", "self_reflection"),
    }
    assert json.loads(out["behavior_spans"].iloc[1]) == []
    assert str(out["behavior_spans"].dtype) == "string"
    assert out.attrs["behaviors"]["definitions"]["verification"] == "1.1"
    pd.testing.assert_frame_equal(get_stage("behaviors")(df), out)  # the plan's stage
    assert list(df.columns) == ["run", "response"]  # input untouched


def test_count_is_sentences_not_matches():
    out = tag_behaviors(pd.DataFrame({"response": ["Wait, wait, wait. Fine."]}))
    assert out["behavior_backtracking_count"].tolist() == [1]


def test_bad_definition_file_names_file(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text(
        "name: x\nversion: '1'\ndefinition: d\npositive_examples: []\nnegative_examples: []\ncues:\n  - regex: '('\n"
    )
    with pytest.raises(InputError, match=r"x\.yaml.*bad regex"):
        load_behavior_file(bad)


def test_currency_dollars_are_not_math():
    # "$3. Wait, ... costs $" was masked as one inline formula: two sentences became one.
    text = "A pen costs $3. Wait, that's wrong, it costs $4. So 5 pens cost $20."
    assert sentences(text) == [
        "A pen costs $3.",
        "Wait, that's wrong, it costs $4.",
        "So 5 pens cost $20.",
    ]
    assert sentences("Take $x = 2.5$ and $y=3.5$. Then add.") == [
        "Take $x = 2.5$ and $y=3.5$.",
        "Then add.",
    ]
