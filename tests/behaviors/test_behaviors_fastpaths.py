"""The tagger's fast paths give exactly what the plain definitions give.

* cue patterns rebuilt as literal-prefix trees (``text.prefixtree.prefix_tree``) against the
  patterns as compiled from the YAML files, on random text (hypothesis) and the corpus;
* sentence starts by the sentencizer's rule on the few tokens that matter
  (``sentence_rule.line_starts``) against spaCy's full pipe (tokenizer + sentencizer);
* the math-mask regex with literal-first branches against the previous one;
* the stage's columns built chunk by chunk against one pass over a list.
"""

from __future__ import annotations

import gc
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_behaviors_tagger_equivalence import random_texts

from traceanalysis.behaviors import load_behaviors, tag_behaviors
from traceanalysis.behaviors.sentence_rule import line_starts
from traceanalysis.behaviors.sentences import (
    _MATH,
    _sentence_starts,
    light_pipeline,
    split_sentences_many,
)
from traceanalysis.text.guard import fast, guarded
from traceanalysis.text.prefixtree import UnsupportedPattern, prefix_tree

BEHAVIORS = load_behaviors()
SHIPPED = [
    (b.name, kind, p)
    for b in BEHAVIORS
    for kind, p in (("cues", b.cues_lower), ("exclusions", b.exclusions_lower))
    if p is not None
]
# Words and glue the shipped cues are made of, plus characters that test the boundaries.
WORDS = sorted(
    {w for b in BEHAVIORS for x in b.positive_examples + b.negative_examples for w in x.split()}
    | {"let's", "re-check", "double-check", "sub-goal", "i", "it", "is", "the", "$", "\\"}
)
GLUE = [" ", "  ", "\n", ", ", ". ", "-", "'", "_", "x", "?", "\t", "é", ""]
FLAGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


cue_text = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(GLUE)), max_size=25).map(
    lambda parts: "".join(w + g for w, g in parts).lower()
)


@pytest.mark.parametrize(
    ("name", "kind", "pattern"), SHIPPED, ids=[f"{n}-{k}" for n, k, _ in SHIPPED]
)
def test_shipped_patterns_are_rebuilt_not_just_guarded(name: str, kind: str, pattern) -> None:  # type: ignore[no-untyped-def]
    tree = prefix_tree(pattern)
    assert fast(pattern).pattern == tree.pattern != guarded(pattern).pattern
    texts = [t.lower() for t in random_texts(300, seed=23)]
    texts += [x.lower() for b in BEHAVIORS for x in b.positive_examples + b.negative_examples]
    for text in texts:
        assert spans(tree, text) == spans(pattern, text), (name, kind, text)


@FLAGS
@given(text=cue_text)
def test_rebuilt_cues_match_like_the_definitions(text: str) -> None:
    for _, _, pattern in SHIPPED:
        assert spans(fast(pattern), text) == spans(pattern, text)


# Hand-made patterns: every construct the rewrite moves, distributes or leaves alone.
CONSTRUCTS = [
    r"\bab\b|\bac|\Bb|(?<!x)ba|(?<=c)ab",
    r"\b(?:the )?(?:first|next) step\b|\bfirst\s*,",
    r"colou?r|colo(?:u)??r|[xy]z|[^a]b|a{2,3}b|q(?:r|s)*t",
    r"^ab|ab$|\Aab|ab\Z|(?=ab)a|(?!ab)a",
    r"a|ab|abc|b(?<!ab)|(?:)c|(?:a|)b",
    r"\b(?<![\w,;] )(?:a|b)\s*,|-ab|'a",
    r"(?>ab|a)b|a++b|(a)(?:b)|(?P<n>c)a",
    r"abc|\w|ab|(?=ab)a|ba",  # branches without a literal prefix keep their place
]


@pytest.mark.parametrize("source", CONSTRUCTS)
@FLAGS
@given(text=st.text(alphabet="abcqrstuxy ,;-'\n", max_size=30))
def test_rebuilt_constructs_match_like_the_original(source: str, text: str) -> None:
    for flags in (re.MULTILINE, 0, re.DOTALL | re.ASCII):
        pattern = re.compile(source, flags)
        assert spans(fast(pattern), text) == spans(pattern, text), (source, flags)


@pytest.mark.parametrize("source", [r"(a)\1", r"(?i:a)b", r"(a)?(?(1)b|c)"])
def test_what_the_rewrite_cannot_do_falls_back(source: str) -> None:
    pattern = re.compile(source)
    with pytest.raises((UnsupportedPattern, re.error)):
        prefix_tree(pattern)
    assert fast(pattern) is guarded(pattern)
    assert spans(fast(pattern), "aab abc aa ac") == spans(pattern, "aab abc aa ac")


# Tokens that stress the tokenizer's special cases, suffixes and the sentencizer's rule.
TOKENS = [
    "e.g.", "e.g", "Mr.", "Mr", "Dr", "U.S.", "i.e.", "vs.", "a.m.", ".", "!", "?", "?!",
    "...", "(", ")", '"', "'", "'s", "don't", "cannot", "x", "a", "3.5", "3.", ":)", ":",
    ",", "。", "！", "؟", "word", "Wait,", "end.)", "(a)", "—", "--", "_", "ok.", "(._.)",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", "  ", "\t", "\xa0", " \t", "\u2003"]

line_text = st.lists(
    st.tuples(st.sampled_from(TOKENS), st.sampled_from(SEPARATORS)), min_size=1, max_size=14
).map(lambda parts: ("".join(t + s for t, s in parts) + ". end").strip())


def spacy_spans(line: str) -> list[tuple[int, int]]:
    """The sentences of one line from spaCy's full pipe (tokenizer + sentencizer)."""
    return split_sentences_many([line])[0]


def rule_spans(line: str, starts: list[int]) -> list[tuple[int, int]]:
    bounds = [*starts, len(line)]
    out = []
    for s, e in zip(bounds, bounds[1:], strict=False):
        while s < e and line[s].isspace():
            s += 1
        while e > s and line[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


@settings(max_examples=600, deadline=None)
@given(line=line_text)
def test_rule_sentences_equal_spacy_pipe(line: str) -> None:
    starts = line_starts(line)
    if starts is None:  # the caller tokenizes this line with spaCy itself
        return
    assert rule_spans(line, starts) == spacy_spans(line)
    doc = light_pipeline().tokenizer(line)
    assert starts == _sentence_starts([doc], np.array([0])).tolist()


def test_rule_defers_to_spacy_only_where_special_cases_reach_across_runs() -> None:
    assert line_starts("Ask Mr . Smith. Then go.") is None  # "Mr" "." may become "Mr."
    assert line_starts("Ask e.g . Smith. Then go.") is None
    assert line_starts('He said "end." ) and left.') is None  # '"' ')' of a special case
    plain = "Wait, that is wrong. Let me check (again)! Hmm... so x = 3.5? Yes。 Done"
    assert rule_spans(plain, line_starts(plain)) == spacy_spans(plain)
    lines = [t for t in random_texts(300, seed=29) if t.strip() and "\n" not in t.strip()]
    deferred = sum(line_starts(t.strip()) is None for t in lines)
    assert deferred <= len(lines) // 20


OLD_MATH = re.compile(
    r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|\\begin\{([a-zA-Z*]+)\}.+?\\end\{\1\}"
    r"|(?<![\\$])\$(?![$\s])[^$]*?(?<![\s\\])\$(?!\d)",
    re.DOTALL,
)
math_text = st.lists(
    st.sampled_from(
        [
            "$",
            "$$",
            "\\",
            "\\[",
            "\\]",
            "\\(",
            "\\)",
            "\\begin{x}",
            "\\end{x}",
            "a",
            " ",
            "3",
            ".",
            "\n",
            "\\$",
        ]
    ),  # fmt: skip
    max_size=30,
).map("".join)


@settings(max_examples=800, deadline=None)
@given(text=math_text)
def test_math_mask_regex_equals_the_previous_one(text: str) -> None:
    assert spans(_MATH, text) == spans(OLD_MATH, text)


def test_stage_in_chunks_equals_one_pass(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from traceanalysis.behaviors import tagger

    texts = random_texts(150, seed=31)
    frame = pd.DataFrame({"response": pd.array([*texts, None, ""], dtype="string")})
    whole = tag_behaviors(frame)
    monkeypatch.setattr(tagger, "_CHUNK", 16)
    chunked = tag_behaviors(frame)  # 10 chunks
    pd.testing.assert_frame_equal(chunked, whole)
    assert whole["behavior_spans"].dtype == pd.array([], dtype="string").dtype
    assert whole["behavior_spans"].iloc[-2:].tolist() == ["[]", "[]"]
    assert gc.isenabled()
    empty = tag_behaviors(frame.iloc[:0])
    assert len(empty) == 0 and empty["behavior_spans"].dtype == whole["behavior_spans"].dtype
