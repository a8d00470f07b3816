"""Prompt templates: bundled files, rendering, chat templates, custom files."""

from __future__ import annotations

from pathlib import Path

import pytest

from traceanalysis.errors import InputError
from traceanalysis.generate.templates import available_templates, load_template


def test_bundled_templates_exist() -> None:
    assert available_templates() == ["chat", "qwen-boxed", "r1-zero", "raw"]
    for name in available_templates():
        template = load_template(name)
        assert template.name == name and template.version >= 1 and len(template.sha256) == 64


def test_raw_is_the_problem_as_is() -> None:
    assert load_template("raw").render("Find $x^{2}$.") == "Find $x^{2}$."


def test_qwen_boxed() -> None:
    text = load_template("qwen-boxed").render("What is $1+1$?")
    assert text.startswith("<|im_start|>system\n")
    assert (
        "<|im_start|>user\nWhat is $1+1$?\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>"
        in text
    )
    assert text.endswith("<|im_start|>assistant\n")


def test_r1_zero_opens_think() -> None:
    template = load_template("r1-zero")
    text = template.render("What is 2+2?")
    assert "User: What is 2+2?\nAssistant: <think>" in text and text.endswith("<think>")
    assert template.stop == ("</answer>",)


def test_chat_uses_the_models_template(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    text = load_template("chat").render("what is 2 + 2 ?", tokenizer)
    assert text == "<s> user : what is 2 + 2 ? </s> <s> assistant : "
    tokenizer.chat_template = None
    with pytest.raises(InputError, match="has none"):
        load_template("chat").render("x", tokenizer)


def test_custom_template_file(gen_fixtures: Path) -> None:
    template = load_template(str(gen_fixtures / "template_custom.yaml"))
    assert (template.name, template.version, template.stop) == ("custom", 3, ("END",))
    assert template.render("2+2") == "Q: 2+2\nA:"


def test_unknown_template() -> None:
    with pytest.raises(InputError, match="unknown template 'nope'"):
        load_template("nope")
