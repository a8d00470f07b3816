"""spaCy segmentation and lookup lemmas."""

from __future__ import annotations

from collections import Counter

from traceanalysis.lexical.segment import get_lemmatizer, lemmatize_counts, sentence_counts


def test_sentence_counts_blank_english():
    counts = sentence_counts(["Hello there. Let me think! OK?", "", "One sentence"])
    assert counts.tolist() == [3, 0, 1]


def test_lemmas_merge_inflections():
    lemma, source = get_lemmatizer()
    assert "lookup" in source or "spaCy" in source
    merged = lemmatize_counts(
        Counter({"checked": 2, "checking": 1, "check": 4, "went": 1, "double-check": 1})
    )
    assert merged["check"] == 7 and merged["go"] == 1 and merged["double-check"] == 1


def test_lexical_table_reports_sentences_when_counted():
    import pandas as pd

    from traceanalysis.lexical import count_lexicons
    from traceanalysis.lexical.tables import lexical_table

    df = count_lexicons(pd.DataFrame({"run": ["a", "a"], "response": ["One. Two.", "Three"]}))
    df["n_sentences"] = sentence_counts(df["response"].tolist())
    assert lexical_table(df)["sentences_mean"].tolist() == [1.5]
