"""Sentence starts of one line by the sentencizer's rule, tokenizing only what matters.

spaCy's ``sentencizer`` starts a sentence at the first token of a doc and at the first
token after a sentence-final character (a token that is exactly ``.``, ``!``, ``?`` or
another of its characters) that is neither punctuation nor such a character. The
tokenizer of :mod:`traceanalysis.behaviors.sentences` cuts a line at whitespace into runs
and tokenizes each run on its own (its cache is keyed by the run's text), so:

* a run without a sentence-final character sets no start unless a sentence-final token
  is pending before it, so only the runs holding ``.``, ``!``, ``?`` or any non-ASCII
  character (a superset of those with a sentence-final one) are looked at, with the runs
  that follow them while a start is pending;
* a whitespace gap other than one plain space is itself one token, a word for the rule;
* those runs are tokenized by the real tokenizer, one run at a time, and the rule's
  effect on each distinct run text is cached here.

The one thing that looks across runs is the tokenizer's special-case matcher, which can
merge tokens of neighbouring runs that spell a special case (``Mr`` ``.``). Whenever two
neighbouring runs meet with tokens that may belong to such a case, :func:`line_starts`
answers ``None`` and the caller tokenizes that line with spaCy itself.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_MAX_CACHE = 50_000  # distinct runs kept (a few hundred bytes each)
_Effect = tuple[tuple[int, ...], bool]
_Run = tuple[_Effect, _Effect, str, str]
_cache: dict[str, _Run] = {}


class _Tables(NamedTuple):
    runs: re.Pattern[str]  # whole runs that may hold a sentence-final character
    final: frozenset[str]  # the sentencizer's sentence-final characters
    pairs: frozenset[tuple[str, str]]  # neighbouring tokens of a special case
    lefts: frozenset[str]
    rights: frozenset[str]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    from spacy.pipeline.sentencizer import Sentencizer

    from traceanalysis.behaviors.sentences import light_pipeline

    final = frozenset(Sentencizer.default_punct_chars)
    # Runs holding ., ! or ? or any non-ASCII character: a superset of the runs holding a
    # sentence-final character (a class of many non-ASCII literals makes re slow).
    if any(ch.isascii() for ch in final - set(".!?")):
        raise RuntimeError("spaCy's sentence-final characters changed; update _tables")
    # (group 1: the whitespace after it, group 2: the next run, both looked at, not taken)
    runs = re.compile(
        r"(?<!\S)[^\s.!?\x80-\U0010ffff]*+(?=\S)[.!?\x80-\U0010ffff]\S*(?=(\s*)(\S*))"
    )
    tokenizer = light_pipeline().tokenizer
    pairs: set[tuple[str, str]] = set()
    for rule in tokenizer.rules:  # the special cases the matcher looks for, as it does
        if not (tokenizer.suffix_search(rule) or " " in rule or not tokenizer.faster_heuristics):
            continue
        core, suffixes = rule, []
        while core and (m := tokenizer.suffix_search(core)) and m.end() > m.start():
            suffixes.insert(0, core[m.start() :])
            core = core[: m.start()]
        tokens = ([core] if core else []) + suffixes
        pairs.update(zip(tokens, tokens[1:], strict=False))
    lefts = frozenset(x for x, _ in pairs)
    return _Tables(runs, final, frozenset(pairs), lefts, frozenset(y for _, y in pairs))


def _run(run: str) -> _Run:
    """What one whitespace-free run does to the rule, from its tokens (cached per text).

    ``(starts, seen after)`` when no sentence-final token is pending before it, the same
    when one is, then its first and last token.
    """
    found = _cache.get(run)
    if found is None:
        from traceanalysis.behaviors.sentences import light_pipeline

        final = _tables().final
        doc = light_pipeline().tokenizer(run)
        tokens = [(t.idx, t.text in final, t.is_punct) for t in doc]
        found = (_apply(tokens, False), _apply(tokens, True), doc[0].text, doc[-1].text)
        if len(_cache) >= _MAX_CACHE:
            _cache.clear()
        _cache[run] = found
    return found


def _apply(tokens: list[tuple[int, bool, bool]], seen: bool) -> tuple[tuple[int, ...], bool]:
    """The sentencizer's rule over ``tokens``: (offsets of the starts it sets, seen after)."""
    starts = []
    for rel, final, punct in tokens:
        if seen and not punct and not final:
            starts.append(rel)
            seen = False
        elif final:
            seen = True
    return tuple(starts), seen


def _run_before(line: str, start: int) -> str | None:
    end = start
    while end > 0 and line[end - 1].isspace():
        end -= 1
    begin = end
    while begin > 0 and not line[begin - 1].isspace():
        begin -= 1
    return line[begin:end] if begin < end else None


_NEXT_RUN = re.compile(r"\s*(\S+)")


def _after(line: str, end: int) -> int:
    """Where the token after a run ending at ``end`` starts: one plain space is absorbed,
    any other whitespace gap is a token of its own."""
    return end + 1 if line[end] == " " else end


def line_starts(line: str) -> list[int] | None:
    """Sentence starts in ``line`` (no line break, no leading or trailing space), as the
    sentencizer sets them on this package's tokenizer; ``None`` when spaCy must decide."""
    tables = _tables()
    pairs, lefts = tables.pairs, tables.lefts
    starts = [0]
    done = 0  # runs before this offset were handled with an earlier run
    for m in tables.runs.finditer(line):
        (a, b), _, (n, e) = m.regs
        if a < done:
            continue
        (rel, seen), _, first, last = _run(line[a:b])
        if first in tables.rights and (before := _run_before(line, a)) is not None:
            if (_run(before)[3], first) in pairs:
                return None
        if rel:
            starts.extend(a + r for r in rel)
        while (seen or last in lefts) and n < e:  # n == e: end of the line
            following = _run(line[n:e])
            if (last, following[2]) in pairs:
                return None
            if not seen:
                break
            if line[b] != " " or n != b + 1:  # a whitespace token comes first: a word
                starts.append(_after(line, b))
                break
            a, b = n, e
            (rel, seen), last = following[1], following[3]
            if rel:
                starts.extend(a + r for r in rel)
            done = b
            if seen or last in lefts:
                after = _NEXT_RUN.match(line, b)
                n, e = after.span(1) if after is not None else (b, b)
    return starts
