"""The fast Matcher against its definition (plain ``re.finditer`` per rule) on random texts
built from the shipped lexicon phrases and behaviour cues; the two vetoes by hand."""

from __future__ import annotations

import re
from functools import cache

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from traceanalysis.behaviors.cuescan import all_cue_spans, behavior_rule
from traceanalysis.behaviors.definitions import load_behaviors, phrase_pattern
from traceanalysis.lexical import compile_lexicons, load_lexicons
from traceanalysis.lexical.lexicons import shipped_lexicon_dir
from traceanalysis.lexical.matcher import lexicon_rule
from traceanalysis.text import Matcher, Rule, reference_rule_spans, reference_spans
from traceanalysis.text.patterns import normalize_text

# Unicode, case, glue and boundary characters that the fast paths treat specially.
NOISE = [
    "é", "É", "ü", "naïve", "İ", "ß", "—", "’", "‘", "‐", "\u00a0", "\u2009", "😀", "x\udc80",
    "-", "'", "\\", "_", "2", "x", "$", "(", ")", "{", "}", "^", ",", ".", ":", ";", "?", "!",
    "<think>", "</think>", "i.e.", "(i)", "$i$", "{i,j}",
]  # fmt: skip
GAPS = ["", " ", "  ", "\n", "\t", " \n "]


def _yaml_words(path) -> list[str]:  # type: ignore[no-untyped-def]
    """Every phrase of a YAML word list and the literal words of its regexes."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for key in ("entries", "cues", "exclusions"):
        for item in data.get(key) or []:
            item = {"phrase": item} if isinstance(item, str) else item
            if "phrase" in item:
                out.append(str(item["phrase"]))
            else:
                out += re.findall(r"[A-Za-z][A-Za-z']*", re.sub(r"\\[A-Za-z]", " ", item["regex"]))
    return out


@cache
def fragments() -> list[str]:
    """Shipped phrases and cue words, split into words too, in three cases."""
    folder = shipped_lexicon_dir()
    words = [w for p in sorted(folder.glob("*.yaml")) for w in _yaml_words(p)]
    words += [w for p in sorted((folder / "behaviors").glob("*.yaml")) for w in _yaml_words(p)]
    words += [piece for w in list(words) for piece in w.split()]
    base = sorted(set(words))
    return base + [w.upper() for w in base[::7]] + [w.title() for w in base[::5]]


@cache
def regex_sources() -> list[str]:
    """Every shipped regex form (cues, entries, exclusions), without its ``\\b``."""
    folder = shipped_lexicon_dir()
    out = []
    for path in [*sorted(folder.glob("*.yaml")), *sorted((folder / "behaviors").glob("*.yaml"))]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in ("entries", "cues", "exclusions"):
            out += [i["regex"] for i in data.get(key) or [] if isinstance(i, dict) and "regex" in i]
    return [r.replace(r"\b", "") for r in out]


# A fragment: a shipped phrase or word, a string that a shipped regex matches, or noise.
fragment = st.one_of(
    st.sampled_from(fragments()),
    st.sampled_from(regex_sources()).flatmap(lambda r: st.from_regex(r, fullmatch=True)),
    st.sampled_from(NOISE),
)
texts = st.lists(st.tuples(fragment, st.sampled_from(GAPS)), max_size=24).map(
    lambda parts: "".join(w + g for w, g in parts)
)


@cache
def lexicon_rules() -> tuple[Rule, ...]:
    return tuple(lexicon_rule(lex) for lex in load_lexicons())


@cache
def lexicon_matcher(candidates: bool = True) -> Matcher:
    return Matcher(lexicon_rules(), candidates=candidates)


@cache
def cue_rules(lowered: bool) -> tuple[Rule, ...]:
    return tuple(behavior_rule(b, lowered) for b in load_behaviors())


@cache
def cue_matcher(lowered: bool, candidates: bool) -> Matcher:
    return Matcher(cue_rules(lowered), candidates=candidates)


def both(rules: list[Rule], text: str) -> list:
    """Matcher's spans, with and without the shared candidate scan (asserted equal)."""
    plain = Matcher(rules).spans(text)
    assert Matcher(rules, candidates=True).spans(text) == plain
    return plain


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(texts)
def test_lexicons_match_the_reference(text: str) -> None:
    norm = normalize_text(text)
    want = reference_spans(lexicon_rules(), norm)
    assert lexicon_matcher(True).spans(norm) == want == lexicon_matcher(False).spans(norm)


@SETTINGS
@given(texts)
def test_behaviour_cues_match_the_reference(text: str) -> None:
    low = text.lower()
    for candidates in (False, True):
        got = cue_matcher(True, candidates).rule_spans(low)
        assert got == reference_rule_spans(cue_rules(True), low)
        got = cue_matcher(False, candidates).rule_spans(text)
        assert got == reference_rule_spans(cue_rules(False), text)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_cue_spans_equal_the_definitions(text: str) -> None:
    behaviors = load_behaviors()
    assert all_cue_spans(behaviors, text) == [b.cue_spans(text) for b in behaviors]


@pytest.mark.parametrize(
    "text",
    [
        "wait",  # a word at position 0
        " wait",
        "—wait—but",  # words right after non-ASCII punctuation
        "éwait, naïve but ok",  # after a non-ASCII letter: a candidate the regex rejects
        "'but' -but x-but x'but \\but _but 2but",  # leads glued or not to words
        "I'm i'll (i) $i$i$ ^i {i} {i,j}",  # phrases that begin with punctuation, overlapping
        "let me think again; let’s check, double-check",
        "hmm\nhmm\thmm\u00a0hmm",  # a non-breaking space is not ASCII
        "İİ wait ok",  # lowercasing changes the length here
        "x\udc80 wait",  # a lone surrogate (encoded with surrogatepass)
        "",
        "correction:wait i.e.but",  # a phrase ending in punctuation, glued to the next
        "ééé — wait ü but",  # byte offsets become character offsets
    ],
)
def test_golden_texts(text: str) -> None:
    norm = normalize_text(text)
    want = reference_spans(lexicon_rules(), norm)
    assert lexicon_matcher(True).spans(norm) == want == lexicon_matcher(False).spans(norm)
    behaviors = load_behaviors()
    assert all_cue_spans(behaviors, text) == [b.cue_spans(text) for b in behaviors]


def test_offsets_count_characters_not_bytes() -> None:
    text = "ééé — wait ü but"
    spans = compile_lexicons().spans(text)
    assert {(text[s:e], n) for s, e, n in spans} >= {("wait", "reflection_kim2025")}
    assert ("but", "logical_connectors") in {(text[s:e], n) for s, e, n in spans}


def test_veto_start_drops_only_matches_where_the_exclusion_starts() -> None:
    # "so far" is an exclusion: the match of the rule at "so far" is vetoed; "so" later
    # inside "also far" is no word; "far so" has an exclusion that starts before "so".
    rule = Rule("c", r"(?:\bso far\b|\bso\b)", exclusion=r"\bso far\b", veto="start")
    text = "so far so good, far so, so fartherso so"
    want = [(s, e, "c") for s, e in [(7, 9), (20, 22), (24, 26), (37, 39)]]
    assert reference_spans([rule], text) == want == both([rule], text)


def test_veto_overlap_drops_matches_any_exclusion_touches() -> None:
    rule = Rule("c", r"\bcheck\b", exclusion=r"\bdouble check|check in\b", veto="overlap")
    text = "check double check check in check"
    want = [(0, 5, "c"), (28, 33, "c")]
    assert reference_spans([rule], text) == want == both([rule], text)


def test_patterns_without_literal_prefixes_fall_back_to_the_scan() -> None:
    rules = [
        Rule("w", r"\w+ing\b"),  # begins with a class: no candidates
        Rule("i", r"\bwait\b", flags=re.IGNORECASE),  # IGNORECASE: not distributed
        Rule("b", r"(a)\1"),  # a back-reference
    ]
    text = "Thinking WAIT, waiting: aa wait"
    assert both(rules, text) == reference_spans(rules, text)
    assert [s for s in Matcher(rules).spans(text) if s[2] == "i"] == [(9, 13, "i"), (27, 31, "i")]


words = st.sampled_from(["a", "ab", "abc", "b", "ba", "c", "x-y", "é", "1", "$a", "$$a", "a$", "$"])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(words, min_size=1, max_size=3), min_size=1, max_size=5),
    st.lists(st.lists(words, min_size=1, max_size=2), max_size=2),
    st.sampled_from(["start", "overlap"]),
    st.lists(st.one_of(words, st.sampled_from([" ", "  ", "\n", "-", "'", ".", "é"])), max_size=30),
)
def test_random_rules_match_the_reference(phrases, exclusions, veto, pieces) -> None:  # type: ignore[no-untyped-def]
    cue = "|".join(f"(?:{phrase_pattern(' '.join(p))})" for p in phrases)
    excl = "|".join(f"(?:{phrase_pattern(' '.join(p))})" for p in exclusions) or None
    if veto == "start" and excl is not None:
        cue = f"(?:{excl})|{cue}"  # the lexicons' form: exclusions tried first
    rules = [Rule("r", cue, excl, veto), Rule("s", cue)]
    text = "".join(pieces)
    assert both(rules, text) == reference_spans(rules, text)
