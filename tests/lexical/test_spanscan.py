"""The candidate-based span scan returns exactly what the span regex's findall returns."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from traceanalysis.lexical import LexiconMatcher
from traceanalysis.lexical.patterns import TAIL, normalize_text, phrase_alternation
from traceanalysis.lexical.spanscan import SpanScan

from .conftest import make_lexicon


def full_scan(matcher: LexiconMatcher, text: str) -> list[str]:
    """The reference: the span regex tried at every position."""
    return matcher._spans.findall(normalize_text(text))


def fast_scan(matcher: LexiconMatcher, text: str) -> list[str]:
    return matcher._scan.findall(normalize_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "wait",  # a head at position 0
        " wait",
        "—wait—but",  # heads right after non-ASCII punctuation
        "éwait, naïve but ok",  # after a non-ASCII letter: a candidate the check rejects
        "'but' -but x-but x'but \\but _but 2but",  # leads glued or not to words
        "I'm i'll (i) $i$i$ ^i {i} {i,j}",  # phrases that begin with punctuation, overlapping
        "let me think again; let’s check, double-check",
        "hmm\nhmm\thmm\u00a0hmm",  # a non-breaking space is not ASCII
        "İİ wait ok",  # lowercasing changes the length here
        "x\udc80 wait",  # a lone surrogate (encoded with surrogatepass)
        "",
        "correction:wait i.e.but",  # a phrase ending in punctuation, glued to the next
    ],
)
def test_golden_texts_match_the_full_scan(shipped, text):
    assert fast_scan(shipped, text) == full_scan(shipped, text)


def test_non_ascii_offsets_are_character_offsets(shipped):
    text = "ééé — wait ü but"
    assert fast_scan(shipped, text) == ["wait", "but"] == full_scan(shipped, text)


def test_a_head_with_a_non_ascii_letter_uses_the_full_scan():
    matcher = LexiconMatcher([make_lexicon("x", ["über", "ok"])])
    assert matcher._scan._full_scan
    text = "Über alles, ok. überall"
    assert fast_scan(matcher, text) == full_scan(matcher, text) == ["über", "ok"]


def test_spans_regex_without_candidates_is_never_missed():
    phrases = ["a b", "b", "$x", "x$"]
    pattern = re.compile("(?:" + phrase_alternation(phrases) + ")" + TAIL)
    scan = SpanScan(pattern, phrases)
    text = "a b b $x$x x$ a  b"
    assert scan.findall(text) == pattern.findall(text)


FRAGMENTS = [
    "let", "me", "think", "again", "wait", "ok", "so", "i", "(i)", "$i$", "$", "^", "{",
    "(", "but", "double-check", "let's", "check", "-", "'", ",", ".", ":", "\\", "2", "_",
    "é", "—", "İ", "’", "\u00a0", "correction:", "i.e.", "hmm",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(FRAGMENTS), max_size=16),
    st.lists(st.sampled_from(["", " ", "\n"]), min_size=16, max_size=16),
)
def test_fast_scan_equals_full_scan(shipped, words, gaps):
    text = "".join(w + g for w, g in zip(words, gaps, strict=False))
    assert fast_scan(shipped, text) == full_scan(shipped, text)
