"""spaCy word/sentence segmentation and lemmas.

``spacy.blank("en")`` plus the rule-based sentencizer segments text; a trained pipeline
(``en_core_web_sm`` and friends) is used instead when installed. Lemmas come from the
``spacy-lookups-data`` lookup table (context-free, so a word's lemma is the same
everywhere and word counters can be lemmatised per word type), else from a trained
pipeline's lemmatizer applied to each word type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from traceanalysis.errors import InputError

_TRAINED = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_trf")


@lru_cache(maxsize=1)
def spacy_pipeline() -> tuple[Any, str]:
    """(nlp, description): a trained English pipeline when installed, else blank English
    with the sentencizer."""
    import spacy

    for name in _TRAINED:
        if spacy.util.is_package(name):
            return spacy.load(name, exclude=["ner"]), f"spaCy {spacy.__version__} {name}"
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp, f"spaCy {spacy.__version__} blank('en') + sentencizer"


def sentence_source() -> str:
    """Which spaCy pipeline segments sentences (for manifests)."""
    return spacy_pipeline()[1]


def sentence_counts(texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
    """Number of sentences in each text (spaCy segmentation)."""
    nlp, _ = spacy_pipeline()
    out = np.zeros(len(texts), dtype=np.int64)
    for i, doc in enumerate(nlp.pipe(texts, batch_size=batch_size)):
        out[i] = sum(1 for _ in doc.sents)
    return out


@lru_cache(maxsize=1)
def get_lemmatizer() -> tuple[Callable[[str], str], str]:
    """(lemma function for one lowercased word, description of its source)."""
    try:
        from spacy.lookups import load_lookups

        table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        return (lambda w: table.get(w, w)), "spacy-lookups-data lemma_lookup (en)"
    except (ImportError, ValueError, KeyError):
        pass
    nlp, description = spacy_pipeline()
    if "lemmatizer" not in nlp.pipe_names:
        raise InputError(
            "lemmas need spacy-lookups-data or a trained spaCy pipeline (en_core_web_sm)"
        )
    return (lambda w: nlp(w)[0].lemma_.lower() if w else w), description


def lemmatize_counts(counts: Mapping[str, int]) -> Counter[str]:
    """Word counts summed by lemma (hyphenated words and contractions are kept whole)."""
    lemma, _ = get_lemmatizer()
    out: Counter[str] = Counter()
    for word, n in counts.items():
        out[lemma(word)] += n
    return out
