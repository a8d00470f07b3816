"""Highlight spans: escaped pieces only, exact text preserved, nesting, long texts."""

from __future__ import annotations

import html
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from traceanalysis.report.highlight import (
    HEAD_CHARS,
    TAIL_CHARS,
    Span,
    highlight,
    parse_spans,
    render_window,
)

_TAG = re.compile(r'</?span(?: class="[a-z0-9_ -]+" title="[^"<>]*")?>')


def _plain(markup: str) -> str:
    """The text a browser would show: our span tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def test_exact_markup_for_a_small_case() -> None:
    text = "Wait, <b>x</b> & y."
    spans = [Span(0, 4, "lex", "reflection"), Span(0, 19, "beh", "verification")]
    out = str(highlight(text, spans))
    assert out == (
        '<span class="beh beh-verification lex lex-reflection" '
        'title="behaviour: verification; lexicon: reflection">Wait</span>'
        '<span class="beh beh-verification" title="behaviour: verification">'
        ", &lt;b&gt;x&lt;/b&gt; &amp; y.</span>"
    )


def test_labels_cannot_inject_attributes() -> None:
    out = str(highlight("abc", [Span(0, 3, "beh", '"><script>alert(1)</script>')]))
    assert "<script>" not in out and 'class="beh beh-script_alert_1_script"' in out
    assert "&#34;&gt;&lt;script&gt;" in out or "&quot;&gt;&lt;script&gt;" in out


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab <>&\"'=/\n")), max_size=60),
    raw=st.lists(
        st.tuples(st.integers(0, 70), st.integers(0, 70), st.sampled_from(["x", "y"])), max_size=6
    ),
)
def test_any_text_and_spans_round_trip(text: str, raw: list) -> None:
    spans = [Span(a, b, k, k) for a, b, k in raw if b > a]
    spans = [
        Span(s.start, min(s.end, len(text)), s.kind, s.label) for s in spans if s.start < len(text)
    ]
    out = str(render_window(text, spans, 0, len(text)))
    assert _plain(out) == text
    assert "<" not in _TAG.sub("", out)  # no markup but ours
    # every character inside a span is wrapped in a tag naming that span's class
    for s in spans:
        for i in range(s.start, s.end):
            piece = render_window(text, spans, i, i + 1)
            assert f"{s.kind}-{s.label}" in piece


def test_long_text_shows_head_and_tail() -> None:
    text = "a" * HEAD_CHARS + "b" * 5000 + "c" * TAIL_CHARS
    out = str(highlight(text, [Span(HEAD_CHARS - 2, HEAD_CHARS + 10, "beh", "x")]))
    assert "[… 5,000 characters not shown …]" in out
    assert out.startswith("a" * 100) and out.endswith("c" * 100)
    assert "b" not in _plain(out).replace("characters not shown", "")
    assert '<span class="beh beh-x" title="behaviour: x">aa</span>' in out


def test_parse_spans_accepts_json_and_ignores_bad_input() -> None:
    raw = json.dumps([[0, 4, "verification"], [5, 3, "bad"], ["x", 2, "bad"], [1, 2]])
    assert parse_spans(raw, "beh") == [Span(0, 4, "beh", "verification")]
    assert parse_spans("not json", "beh") == []
    assert parse_spans(None, "beh") == []
    assert parse_spans(float("nan"), "beh") == []
