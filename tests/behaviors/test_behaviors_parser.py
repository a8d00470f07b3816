"""Judge answer parser and prompt rendering."""

from __future__ import annotations

import pytest

from traceanalysis.behaviors import load_behaviors
from traceanalysis.behaviors.prompts import TRUNCATION_MARK, JudgeAnswer, load_prompt, parse_answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"justification": "says wait", "present": true, "count": 2}',
            JudgeAnswer(True, 2, "says wait"),
        ),
        (
            '```json\n{"present": false, "count": 0, "justification": "none"}\n```',
            JudgeAnswer(False, 0, "none"),
        ),
        (
            'Sure! {"justification": "x", "present": "yes", "count": "3"} hope this helps',
            JudgeAnswer(True, 3, "x"),
        ),
        ('{"present": true, "count": 0, "justification": "j"}', JudgeAnswer(True, 1, "j")),
        ('{"present": false, "count": 4, "justification": "j"}', JudgeAnswer(False, 0, "j")),
        ('{"count": 2}', JudgeAnswer(True, 2, "")),
        (
            "It backtracks twice.\n<count>2</count>",
            JudgeAnswer(True, 2, "It backtracks twice.\n<count>2</count>"),
        ),
        ("present: no", JudgeAnswer(False, 0, "present: no")),
    ],
)
def test_parse_answer(text, expected):
    assert parse_answer(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "I cannot decide.", '{"present": "maybe"}', "{not json", None]
)
def test_unreadable_answers_are_none(text):
    assert parse_answer(text) is None


def test_prompt_renders_definition_examples_and_response_verbatim():
    prompt = load_prompt()
    behavior = load_behaviors()[0]
    response = "Use {name} and $\\frac{1}{2}$ here."
    system, user = prompt.messages(behavior, response, max_chars=0)
    assert system["role"] == "system" and user["role"] == "user"
    assert behavior.definition in user["content"]
    assert f"- {behavior.positive_examples[0]}" in user["content"]
    assert f"<response>\n{response}\n</response>" in user["content"]
    assert prompt.version == "judge_v1" and prompt.schema["required"] == [
        "justification",
        "present",
        "count",
    ]


def test_long_responses_keep_both_ends():
    prompt = load_prompt()
    behavior = load_behaviors()[0]
    response = "A" * 100 + "B" * 100
    user = prompt.messages(behavior, response, max_chars=50)[1]["content"]
    assert "A" * 25 + TRUNCATION_MARK + "B" * 25 + "\n</response>" in user
