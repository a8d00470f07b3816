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

:func:`sentences_at_many` answers "which sentence holds character p?" without splitting
the whole text: only the lines holding the asked positions are split, by the
sentencizer's rule applied to the few tokens that can start a sentence
(:mod:`traceanalysis.behaviors.sentence_rule`), or with spaCy's tokenizer and the rule
applied to its token arrays (see :func:`_sentence_starts`) for the rare line where that
shortcut cannot be sure; both give the same sentences as the spaCy pipe.

Offsets always refer to the original text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from traceanalysis.behaviors.sentence_rule import line_starts

_MATH = re.compile(
    r"\$\$.+?\$\$"
    r"|\\\[.+?\\\]"
    r"|\\\(.+?\\\)"
    r"|\\begin\{([a-zA-Z*]+)\}.+?\\end\{\1\}"
    # Inline $...$ by pandoc's rule (no space inside either dollar, none followed by a digit),
    # so that currency ("costs $3. Wait, ... $4") is not taken for a formula. The test
    # "no \\ or $ before the opening $" sits after it, as a lookbehind that includes it: the
    # same test, and every branch then begins with a literal, which re scans for in C.
    r"|\$(?<![\\$]\$)(?![$\s])[^$]*?(?<![\s\\])\$(?!\d)",
    re.DOTALL,
)
_SENTENCE_PUNCT = re.compile(r"[.!?]")
_LINE_BREAK = re.compile("\n")
_LINE = re.compile(r"[^\n]+")
_FILLER = "_"
_SUFFIX = re.compile(r"""(?:[.!?]|["')\]])$""")


@lru_cache(maxsize=1)
def light_pipeline():  # type: ignore[no-untyped-def]
    """The cached blank English spaCy pipeline with a light whitespace tokenizer and the
    sentencizer (what the tagger splits sentences with)."""
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
        docs = light_pipeline().pipe(pending_lines, batch_size=batch_size)
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


@lru_cache(maxsize=1)
def _punct_orths() -> np.ndarray:
    from spacy.pipeline.sentencizer import Sentencizer

    vocab = light_pipeline().vocab
    return np.array(sorted(vocab.strings.add(c) for c in Sentencizer.default_punct_chars), "uint64")


def _sentence_starts(docs: list, offsets: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    """Sentence starts the ``sentencizer`` would set on ``docs``, as ``offsets[doc] + idx``.

    Its rule: a token that is neither punctuation nor a sentence-final character starts a
    sentence when a sentence-final character occurred since the previous such token of
    its doc (the first token of each doc always starts one). All docs are handled in one
    vectorized pass; every doc must hold at least one token.
    """
    from spacy.attrs import IDX, IS_PUNCT, ORTH

    arrays = [d.to_array([ORTH, IS_PUNCT, IDX]) for d in docs]
    lengths = np.array([len(x) for x in arrays])
    arr = np.concatenate(arrays)
    doc_of = np.repeat(np.arange(len(arrays)), lengths)
    first = np.cumsum(lengths) - lengths
    punct = _punct_orths()
    final = punct[np.searchsorted(punct[:-1], arr[:, 0])] == arr[:, 0]
    finals_before = np.cumsum(final) - final  # sentence-final tokens strictly before i
    words = np.flatnonzero(~final & (arr[:, 1] == 0))
    seen = finals_before[words]
    word_doc = doc_of[words]
    previous = np.roll(seen, 1)
    new_doc = np.ones(len(words), dtype=bool)
    new_doc[1:] = word_doc[1:] != word_doc[:-1]
    previous[new_doc] = finals_before[first[word_doc[new_doc]]]
    starts = np.union1d(first, words[seen > previous])
    return offsets[doc_of[starts]] + arr[starts, 2].astype(np.int64)


def _locate(
    line: str, starts: Sequence[int], wanted: Sequence[int]
) -> list[tuple[int, tuple[int, int]]]:
    """``(position, sentence)`` for the positions of ``wanted`` inside a sentence."""
    found = []
    trimmed: dict[int, tuple[int, int] | None] = {}
    last = len(starts) - 1
    for rel in wanted:
        k = bisect_right(starts, rel) - 1
        if k not in trimmed:
            trimmed[k] = _trimmed(line, starts[k], starts[k + 1] if k < last else len(line))
        s = trimmed[k]
        if s is not None and s[0] <= rel < s[1]:
            found.append((rel, s))
    return found


def sentences_at_many(
    texts: Sequence[str], positions: Sequence[Sequence[int]], batch_size: int = 512
) -> list[dict[int, tuple[int, int]]]:
    """For each text, ``{position: (start, end)}`` of the sentence holding that character.

    Gives the same spans as :func:`split_sentences_many` for the asked positions;
    positions outside every sentence (line breaks, blank space between sentences) are
    left out. Only the lines holding a position are split: by the sentencizer's rule on
    the few tokens that matter (:mod:`traceanalysis.behaviors.sentence_rule`), or, for the
    rare line where the tokenizer's special cases could reach across whitespace, by spaCy.
    """
    result: list[dict[int, tuple[int, int]]] = [{} for _ in texts]
    pending: list[tuple[int, int, list[int]]] = []  # (text index, line start, positions)
    pending_lines: list[str] = []
    for i, (text, wanted) in enumerate(zip(texts, positions, strict=True)):
        if not wanted:
            continue
        masked = mask_math(text)
        # line breaks found once (a search back from each position would be quadratic
        # in the length of a long line)
        breaks = [m.start() for m in _LINE_BREAK.finditer(masked)]
        by_line: dict[int, list[int]] = {}
        for p in set(wanted):
            if masked[p] != "\n":
                k = bisect_left(breaks, p)
                by_line.setdefault(k, []).append(p)
        for k, ps in by_line.items():
            line_start = breaks[k - 1] + 1 if k > 0 else 0
            line_end = breaks[k] if k < len(breaks) else len(masked)
            span = _trimmed(masked, line_start, line_end)
            if span is None:
                continue
            line = masked[span[0] : span[1]]
            ps = [p for p in ps if span[0] <= p < span[1]]
            if _SENTENCE_PUNCT.search(line, 0, len(line) - 1) is None:
                result[i].update((p, span) for p in ps)
            elif ps:
                starts = line_starts(line)
                if starts is None:
                    pending.append((i, span[0], ps))
                    pending_lines.append(line)
                    continue
                offset = span[0]
                located = _locate(line, starts, [p - offset for p in ps])
                result[i].update((r + offset, (s + offset, e + offset)) for r, (s, e) in located)
    if pending_lines:
        _spacy_locate(pending, pending_lines, result, batch_size)
    return result


def _spacy_locate(
    pending: list[tuple[int, int, list[int]]],
    pending_lines: list[str],
    result: list[dict[int, tuple[int, int]]],
    batch_size: int,
) -> None:
    """Fill ``result`` for ``pending`` lines tokenized by spaCy (vectorized sentencizer)."""
    docs = list(light_pipeline().tokenizer.pipe(pending_lines, batch_size=batch_size))
    lengths = np.array([len(line) for line in pending_lines], dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths  # the lines laid end to end
    bounds = np.append(_sentence_starts(docs, offsets), lengths.sum())
    line_of = np.repeat(np.arange(len(pending)), [len(ps) for _, _, ps in pending])
    wanted = np.array([p - offset for _, offset, ps in pending for p in ps], dtype=np.int64)
    ks = np.searchsorted(bounds, offsets[line_of] + wanted, "right") - 1
    for j, k, rel in zip(line_of.tolist(), ks.tolist(), wanted.tolist(), strict=True):
        i, offset, _ = pending[j]
        base = int(offsets[j])
        s = _trimmed(pending_lines[j], int(bounds[k]) - base, int(bounds[k + 1]) - base)
        if s is not None and s[0] <= rel < s[1]:
            result[i][rel + offset] = (s[0] + offset, s[1] + offset)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of one text."""
    return split_sentences_many([text])[0]


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings (convenience for inspection and tests)."""
    return [text[s:e] for s, e in split_sentences(text)]
