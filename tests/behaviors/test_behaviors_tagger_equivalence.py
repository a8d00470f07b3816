"""The fast tagger path (cues first, then only the sentences holding them) against the
reference: split every text into sentences with spaCy's sentencizer, then tag."""

from __future__ import annotations

import bisect
import json
import random
import re

import pandas as pd
import pytest

from traceanalysis.behaviors import load_behaviors, tag_behaviors, tag_texts
from traceanalysis.behaviors.cuescan import cue_spans
from traceanalysis.behaviors.sentences import sentences_at_many, split_sentences_many
from traceanalysis.text.guard import guarded

PIECES = [
    "Let me check: $2^2 - 5 \\cdot 2 + 6 = 0$, which matches.",
    "Wait, that's not right.",
    "Hmm, I'm not sure e.g. whether Mr. Smith wants both roots?!",
    "Alternatively, we could use $x = \\frac{5 \\pm 1}{2}$.",
    "Working backwards from the answer, the sum must be 5.",
    '"Let me verify." (This is correct.)',
    "$$\nS = \\sum_{k=1}^{n} k. Let me check\n$$",
    "\\begin{align}\na &= 1. \\\\\nb &= 2.\n\\end{align}",
    "First, we break the problem into cases... Then",
    "let me\ncheck this.",
    "So the answer is 12 . Next step",
    "Is that right? Yes。 We double-check it！",
    "plug 3 back in:\t9 - 9 = 0.",
    "OK",
    "",
    "   ",
    "\n\n",
    "The answer is $\\boxed{5}$.",
]
SEPARATORS = [" ", "  ", "\n", "\n\n", "", " \n ", ". ", "\t"]


def reference_tag(texts: list[str], behaviors) -> list[list[tuple[int, int, str]]]:  # type: ignore[no-untyped-def]
    """The previous implementation: split every whole text, then map cue matches."""
    out = []
    for text, spans in zip(texts, split_sentences_many(texts), strict=True):
        starts = [s for s, _ in spans]
        lowered = text.lower()
        tagged: list[tuple[int, int, str]] = []
        for b in behaviors:
            hit: set[int] = set()
            for _, m_end in b.cue_spans(text, lowered):
                k = bisect.bisect_right(starts, m_end - 1) - 1
                if k >= 0 and spans[k][0] <= m_end - 1 < spans[k][1]:
                    hit.add(k)
            tagged.extend((spans[k][0], spans[k][1], b.name) for k in hit)
        out.append(sorted(tagged))
    return out


def random_texts(n: int, seed: int) -> list[str]:
    """Generated traces: shipped examples and hand-made pieces glued at random."""
    rng = random.Random(seed)
    pool = PIECES + [x for b in load_behaviors() for x in b.positive_examples + b.negative_examples]
    return [
        "".join(rng.choice(pool) + rng.choice(SEPARATORS) for _ in range(rng.randint(0, 12)))
        for _ in range(n)
    ]


def test_fast_path_equals_reference_on_random_traces() -> None:
    behaviors = load_behaviors()
    texts = random_texts(400, seed=7)
    assert sum(bool(t) for t in reference_tag(texts, behaviors)) > 200  # cues are common
    assert tag_texts(texts, behaviors) == reference_tag(texts, behaviors)


def test_fast_path_equals_reference_on_shipped_examples() -> None:
    behaviors = load_behaviors()
    texts = [x for b in behaviors for x in b.positive_examples + b.negative_examples]
    assert tag_texts(texts, behaviors) == reference_tag(texts, behaviors)


def test_sentences_at_every_position_match_the_full_split() -> None:
    texts = random_texts(120, seed=3)
    full = split_sentences_many(texts)
    located = sentences_at_many(texts, [range(len(t)) for t in texts])
    for spans, where, text in zip(full, located, texts, strict=True):
        expected = {p: (s, e) for s, e in spans for p in range(s, e)}
        assert where == expected, text


def test_stage_columns_match_reference() -> None:
    behaviors = load_behaviors()
    texts = random_texts(150, seed=11)
    out = tag_behaviors(pd.DataFrame({"response": texts}))
    ref = reference_tag(texts, behaviors)
    assert out["behavior_spans"].tolist() == [json.dumps([list(s) for s in r]) for r in ref]
    for b in behaviors:
        counts = [sum(name == b.name for *_, name in r) for r in ref]
        assert out[f"behavior_{b.name}_count"].tolist() == counts
        assert out[f"behavior_{b.name}_present"].tolist() == [c > 0 for c in counts]


@pytest.mark.parametrize(
    ("source", "guarded_chars"),
    [
        (r"\b(?:the )?(?:first|next) step\b", "fnt"),
        (r"\bwait\b|(?<!\w)hmm+|[x-z]\d", "hwxyz"),
        (r"(?:a|b)*c", "abc"),
        (r"\w+ back", None),  # \w: not listed exactly, pattern left as it is
        (r"(?:so)?", None),  # may match the empty string
        (r"[^a]b", None),  # negated class
    ],
)
def test_guard_lists_the_first_characters(source: str, guarded_chars: str | None) -> None:
    pattern = re.compile(source, re.MULTILINE)
    fast = guarded(pattern)
    if guarded_chars is None:
        assert fast is pattern
    else:
        assert fast.pattern.startswith(f"(?=[{guarded_chars}])")
    text = (
        random_texts(1, seed=5)[0].lower() + " the next step: first step, hmm wait aab c y7 x back"
    )
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in pattern.finditer(text)]


def test_guarded_cues_find_the_same_matches() -> None:
    texts = random_texts(200, seed=13) + ["İstanbul: let me check ﬁrst, WAIT."]
    for b in load_behaviors():
        for text in texts:
            assert cue_spans(b, text, text.lower()) == b.cue_spans(text), (b.name, text)
