"""Golden cases for whole-word, case-insensitive lexicon matching."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from traceanalysis.lexical import LexiconMatcher

from .conftest import make_lexicon


def counts(matcher: LexiconMatcher, text: str) -> dict[str, int]:
    got = dict(zip(matcher.names, matcher.count(text), strict=True))
    assert list(got.values()) == matcher.count_reference(text)
    return got


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Look at this token, it looks ok.", 1),  # only the standalone "ok"
        ("OK. Ok! ok? okay", 3),
        ("booking the tokens", 0),
        ("Wait. We awaited the waiter; wait!", 2),
        ("Let's check: let’s check again. LET'S CHECK", 3),
        ("let us check", 0),
        ("I double-check; double check; re-double-check", 1),
        ("Correction: x=2. correction was needed", 1),
        ("\\text{Wait}, $x$wait and \\hmm but hmm", 3),  # \hmm is a LaTeX command
        ("<think>Hmm</think>Wait", 2),
    ],
)
def test_kim_golden(shipped, text, expected):
    assert counts(shipped, text)["reflection_kim2025"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("but the button was a butter-knife, but", 2),
        ("So far so good, and so on. So it is.", 2),  # "so far", "and so on" excluded
        ("Therefore, \\therefore, thus", 2),
    ],
)
def test_connectors_golden(shipped, text, expected):
    assert counts(shipped, text)["logical_connectors"] == expected


def test_ur1z_hyphen_forms(shipped):
    got = counts(shipped, "Re-examine, reexamine, re-evaluate and examine; re-examined")
    assert got["reflection_ur1z"] == 3


def test_first_person_i_versus_math_index(shipped):
    got = counts(shipped, "I think $i$ runs over (i) and a_{i} with i = 1, i.e. I'm sure")
    # counted: "I" (think), "I'm"; not $i$, (i), {i}, "i =", "i.e."
    assert got["anthropomorphic"] == 2


@pytest.mark.parametrize(
    "text", ["$i^2 = -1$", "$z = 1 + i$", "$ i$", "$i\\cdot j$", "$(i, j)$", "$i)$"]
)
def test_math_i_is_not_first_person(shipped, text):
    assert counts(shipped, text)["anthropomorphic"] == 0
    assert counts(shipped, "So I said " + text + " and I")["anthropomorphic"] == 2


def test_unicode_apostrophes_and_hyphens(shipped):
    assert counts(shipped, "Let‘s check, letʼs check, double‐check")["reflection_kim2025"] == 3


def test_spans_index_the_original_text(shipped):
    text = "OK, Wait — İİ let me think"
    spans = shipped.spans(text)
    found = {(text[s:e], name) for s, e, name in spans}
    assert ("OK", "reflection_kim2025") in found
    assert ("Wait", "anthropomorphic") in found
    assert ("let me think", "reflection_kim2025") in found


def test_cross_lexicon_overlap_is_exact():
    a = make_lexicon("a", ["let me think"])
    b = make_lexicon("b", ["think again", "me"])
    c = make_lexicon("c", ["let me"], exclusions=["me think"])
    matcher = LexiconMatcher([a, b, c])
    text = "Let me think again. let me think. me think again"
    assert matcher.count(text) == matcher.count_reference(text)
    assert matcher.count(text) == [2, 5, 2]  # b: me x3, think again x2


def test_regex_lexicon_gets_its_own_scan():
    hedges = make_lexicon(
        "hedges", ["maybe"], exclusions=["maybe not"], regexes=["re-?check(?:s|ed|ing)?"]
    )
    matcher = LexiconMatcher([hedges])
    text = "Maybe. Rechecked, re-check, rechecks; maybe not; precheck"
    assert matcher.count(text) == [4]


FRAGMENTS = [
    "let",
    "me",
    "think",
    "again",
    "wait",
    "ok",
    "so",
    "far",
    "i",
    "(i)",
    "$i$",
    "$",
    "^",
    "(",
    "but",
    "double-check",
    "let's",
    "check",
    "hmm",
    "look",
    "-",
    "'",
    ",",
    ".",
    ":",
    "correction:",
    "\\",
    "2",
    "İ",
    "’",
]


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.sampled_from(FRAGMENTS), max_size=14),
    st.lists(st.sampled_from(["", " ", "  ", "\n"]), min_size=14, max_size=14),
)
def test_one_pass_equals_separate_scans(shipped, words, gaps):
    text = "".join(w + g for w, g in zip(words, gaps, strict=False))
    assert shipped.count(text) == shipped.count_reference(text)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(["wait", "ok", "Let's check", "however", "I realize", "but", "maybe"]),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["", "(", '"', "'", "*", "[", "—"]),
    st.sampled_from(["", ")", ".", "!", "?", ",", ";", '"', "—"]),
    st.booleans(),
)
def test_counts_invariant_to_case_and_punctuation(shipped, phrases, before, after, upper):
    plain = " ".join(phrases)
    decorated = " ".join(before + p + after for p in phrases)
    if upper:
        decorated = decorated.upper()
    assert shipped.count(decorated) == shipped.count(plain)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.text(max_size=8)), max_size=5
    )
)
def test_spans_json_is_json_dumps(spans):
    import json

    from traceanalysis.lexical.matcher import spans_json

    assert spans_json(spans) == json.dumps([list(s) for s in spans])
