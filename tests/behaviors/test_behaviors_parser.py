"""Judge answer validation (strict schema, finish_reason, message shapes) and prompts."""

from __future__ import annotations

import json

import pytest
import yaml

from traceanalysis.behaviors import load_behaviors
from traceanalysis.behaviors.judge_answer import (
    JudgeAnswer,
    UnusableAnswer,
    check_finish,
    message_text,
    read_answer,
)
from traceanalysis.behaviors.judge_schema import DEFAULT_LABEL_SCHEMA
from traceanalysis.behaviors.prompts import TRUNCATION_MARK, load_prompt
from traceanalysis.errors import InputError


def _answer(present: object, count: object, why: object = "j", **extra: object) -> str:
    return json.dumps({"justification": why, "present": present, "count": count, **extra})


@pytest.mark.parametrize(
    ("text", "complete", "expected"),
    [
        (_answer(True, 2, "says wait"), True, JudgeAnswer(True, 2, "says wait")),
        (_answer(True, 2, "says wait"), None, JudgeAnswer(True, 2, "says wait")),
        ("```json\n" + _answer(False, 0, "none") + "\n```", None, JudgeAnswer(False, 0, "none")),
        (_answer(True, 3.0), None, JudgeAnswer(True, 3, "j")),  # JSON Schema: 3.0 is an integer
        # a complete answer may wrap its one object in text
        ("Sure! " + _answer(True, 3, "x") + " hope this helps", True, JudgeAnswer(True, 3, "x")),
        ("A: " + _answer(True, 1) + " again: " + _answer(True, 1), True, JudgeAnswer(True, 1, "j")),
    ],
)
def test_valid_answers(text, complete, expected):
    assert read_answer(text, load_prompt().schema, complete=complete) == expected


@pytest.mark.parametrize(
    ("text", "complete", "reason"),
    [
        (_answer("maybe", 1), True, '"present" must be boolean, got "maybe"'),
        (_answer("yes", 1), True, '"present" must be boolean'),
        (_answer(1, 1), True, '"present" must be boolean'),
        (_answer(True, "3"), True, '"count" must be integer, got "3"'),
        (_answer(True, 1.5), True, '"count" must be integer, got 1.5'),
        (_answer(True, -1), True, '"count" must be >= 0'),
        (_answer(True, True), True, '"count" must be integer, got true'),
        (_answer(True, 2, 5), True, '"justification" must be string'),
        (_answer(True, 2, confidence=0.9), True, "unexpected key(s) ['confidence']"),
        ('{"present": true, "count": 2}', True, "lacks required key(s) ['justification']"),
        ('{"justification": "j", "Present": true, "count": 2}', True, "lacks required key(s)"),
        (_answer(True, 0), True, "contradictory answer: present True with count 0"),
        (_answer(False, 4), True, "contradictory answer: present False with count 4"),
        (
            '{"justification": "j", "present": true, "present": false, "count": 1}',
            True,
            "repeats key(s) ['present']",
        ),  # fmt: skip
        ('{"justification": "j", "present": true, "count": NaN}', True, "no JSON object"),
        ('{"justification": "x", "present": tru', True, "no JSON object"),
        ("present: yes\ncount: 2", True, "no JSON object"),
        ("It backtracks twice.\n<count>2</count>", True, "no JSON object"),
        ("", True, "empty answer"),
        ("   \n", None, "empty answer"),
        ("[1, 2]", True, "answer must be object"),
        # the object inside text is read only from an answer known to be complete
        ("Sure! " + _answer(True, 3), None, "may be incomplete"),
        ("A " + _answer(True, 1) + " B " + _answer(False, 0), True, "2 different JSON objects"),
        # a justification that quotes "present: yes" is never read as the label
        ('{"justification": "The response says present: yes and', True, "no JSON object"),
    ],
)
def test_unusable_answers_say_why(text, complete, reason):
    with pytest.raises(UnusableAnswer) as err:
        read_answer(text, load_prompt().schema, complete=complete)
    assert reason in str(err.value)


@pytest.mark.parametrize(
    ("finish_reason", "expected"),
    [("stop", True), (None, None), ("eos_token", True)],
)
def test_complete_finish_reasons(finish_reason, expected):
    assert check_finish(finish_reason) is expected


@pytest.mark.parametrize(
    ("finish_reason", "reason"),
    [
        ("length", "cut off by the token limit"),
        ("max_tokens", "cut off by the token limit"),
        ("content_filter", "content filter"),
        ("tool_calls", "called a tool"),
        ("abort", "unexpected finish_reason 'abort'"),
    ],
)
def test_incomplete_finish_reasons(finish_reason, reason):
    with pytest.raises(UnusableAnswer, match=reason):
        check_finish(finish_reason)


def test_message_text_shapes():
    text = _answer(True, 1)
    assert message_text({"content": text}) == text
    parts = [{"type": "text", "text": text[:5]}, {"type": "output_text", "text": text[5:]}]
    assert message_text({"content": parts}) == text
    for message, reason in [
        ({"content": None, "refusal": "I can't help with that."}, "refused"),
        ({"content": [{"type": "refusal", "refusal": "no"}]}, "refused"),
        ({"content": None, "tool_calls": [{"id": "t"}]}, "called a tool"),
        ({"content": None}, "no content"),
        ({}, "no content"),
        ({"content": ""}, "empty answer"),
        (
            {"content": [{"type": "image_url", "image_url": {"url": "x"}}]},
            "'image_url' is not text",
        ),
        ({"content": ["plain string part"]}, "'str' is not text"),
        ({"content": 7}, "content of type int"),
    ]:
        with pytest.raises(UnusableAnswer, match=reason):
            message_text(message)


def test_prompt_schema_must_declare_a_label(tmp_path):
    base = {"version": "v", "system": "s", "user": "u"}
    bad = {
        "type": "object",
        "properties": {"present": {"type": "string"}, "count": {"type": "integer"}},
        "required": ["present", "count"],
    }
    unsupported = {**DEFAULT_LABEL_SCHEMA, "patternProperties": {}}
    for schema, reason in [(bad, "'present' must be a required property of type boolean"),
                           (unsupported, "unsupported keyword")]:  # fmt: skip
        path = tmp_path / f"p{len(reason)}.yaml"
        path.write_text(yaml.safe_dump({**base, "schema": schema}))
        with pytest.raises(InputError, match=reason):
            load_prompt(str(path))
    path = tmp_path / "no_schema.yaml"
    path.write_text(yaml.safe_dump(base))
    assert load_prompt(str(path)).schema == DEFAULT_LABEL_SCHEMA


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
