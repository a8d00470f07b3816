"""Sentence splitting that survives LaTeX and line breaks.

spaCy's rule-based ``sentencizer`` (on ``spacy.blank("en")``) splits at sentence-final
punctuation. Reasoning traces are full of math and line breaks, so before spaCy sees a
text:

1. math regions (``$$...$$``, ``$...$``, ``\\[...\\]``, ``\\(...\\)``,
   ``\\begin{env}...\\end{env}``) are masked with a neutral filler of the same length, so
   a ``.`` inside a formula never ends a sentence and a display formula is never cut;
2. every line break outside math is a boundary (one line = at least one sentence);
3. spaCy runs with a light tokenizer (whitespace + trailing punctuation + the English
   abbreviation exceptions), which is all the sentencizer needs;
4. only lines that contain ``.``, ``!`` or ``?`` go through spaCy; other lines are one
   sentence each (this is also what keeps the splitter fast).

Offsets always refer to the original text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_MATH = re.compile(
    r"\$\$.+?\$\$"
    r"|\\\[.+?\\\]"
    r"|\\\(.+?\\\)"
    r"|\\begin\{([a-zA-Z*]+)\}.+?\\end\{\1\}"
    # Inline $...$ by pandoc's rule (no space inside either dollar, none followed by a digit),
    # so that currency ("costs $3. Wait, ... $4") is not taken for a formula.
    r"|(?<![\\$])\$(?![$\s])[^$]*?(?<![\s\\])\$(?!\d)",
    re.DOTALL,
)
_SENTENCE_PUNCT = re.compile(r"[.!?]")
_LINE = re.compile(r"[^\n]+")
_FILLER = "_"
_SUFFIX = re.compile(r"""(?:[.!?]|["')\]])$""")


@lru_cache(maxsize=1)
def _nlp():  # type: ignore[no-untyped-def]
    import spacy
    from spacy.tokenizer import Tokenizer

    nlp = spacy.blank("en")
    # The sentencizer only needs sentence punctuation as separate tokens, so a whitespace
    # tokenizer that peels off trailing . ! ? quotes and brackets (keeping the English
    # abbreviation exceptions such as "e.g." and "Mr.") does the job at twice the speed.
    nlp.tokenizer = Tokenizer(
        nlp.vocab,
        rules=nlp.Defaults.tokenizer_exceptions,
        suffix_search=_SUFFIX.search,
    )
    nlp.add_pipe("sentencizer")
    return nlp


def mask_math(text: str) -> str:
    """``text`` with every math region replaced by filler characters (same length)."""
    if "$" not in text and "\\" not in text:
        return text
    return _MATH.sub(lambda m: _FILLER * (m.end() - m.start()), text)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def split_sentences_many(
    texts: Sequence[str], batch_size: int = 512
) -> list[list[tuple[int, int]]]:
    """Sentence spans ``(start, end)`` for each text, in order; see the module docstring."""
    result: list[list[tuple[int, int]]] = [[] for _ in texts]
    pending: list[tuple[int, int, int]] = []  # (text index, slot, line offset)
    pending_lines: list[str] = []
    for i, text in enumerate(texts):
        masked = mask_math(text)
        for m in _LINE.finditer(masked):
            span = _trimmed(masked, m.start(), m.end())
            if span is None:
                continue
            line = masked[span[0] : span[1]]
            if _SENTENCE_PUNCT.search(line, 0, len(line) - 1) is None:
                result[i].append(span)
            else:
                result[i].append((-1, -1))  # placeholder, filled from spaCy below
                pending.append((i, len(result[i]) - 1, span[0]))
                pending_lines.append(line)
    if pending_lines:
        docs = _nlp().pipe(pending_lines, batch_size=batch_size)
        filled: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for (i, slot, offset), doc, line in zip(pending, docs, pending_lines, strict=True):
            spans = []
            for sent in doc.sents:
                s = _trimmed(line, sent.start_char, sent.end_char)
                if s is not None:
                    spans.append((s[0] + offset, s[1] + offset))
            filled[(i, slot)] = spans
        for i in {p[0] for p in pending}:
            merged: list[tuple[int, int]] = []
            for slot, span in enumerate(result[i]):
                merged.extend(filled[(i, slot)] if span == (-1, -1) else [span])
            result[i] = merged
    return result


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of one text."""
    return split_sentences_many([text])[0]


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings (convenience for inspection and tests)."""
    return [text[s:e] for s, e in split_sentences(text)]
