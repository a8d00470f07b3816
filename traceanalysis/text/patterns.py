"""Text normalisation, word boundaries and regex building blocks for phrase matching.

Boundary rules (the same for every lexicon, phrase or regex):

- a match that begins with a word character must not follow a word character, a
  backslash (the name of a LaTeX command such as ``\\therefore`` is not a word), or a
  hyphen/apostrophe glued to a word: ``check`` is not found in ``double-check``;
- a match that ends with a word character must not be followed by a word character or
  by a hyphen/apostrophe glued to a word: ``let`` is not found in ``let's``;
- a match that begins or ends with punctuation (``correction:``) has no boundary there.

Text is lowercased and typographic apostrophes/hyphens are unified first, always keeping
the length so that spans refer to the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Typographic apostrophes and hyphens mapped to their ASCII forms.
_UNIFY = (
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u02bc", "'"),
    ("\uff07", "'"),
    ("\u2010", "-"),
    ("\u2011", "-"),
)

# Before a match that begins with a word character; LEAD_ANY also admits a match that
# begins with punctuation (used around user regexes, whose first character is unknown).
LEAD_WORD = r"(?<![\w\\])(?<!\w[-'])"
LEAD_ANY = r"(?:(?<![\w\\])(?<!\w[-'])|(?!\w))"
TAIL = r"(?:(?<!\w)|(?![\w]|[-']\w))"

# A word: a run of letters, with inner apostrophes/hyphens (let's, double-check), that is
# not the name of a LaTeX command and does not continue a number (2x).
WORD_PATTERN = r"(?<![\w\\])[^\W\d_]+(?:['-][^\W\d_]+)*"


_TAGS = ("<think>", "</think>")


def normalize_text(text: str) -> str:
    """Lowercase ``text``, unify apostrophes/hyphens and blank out ``<think>`` tags (markup,
    not words), keeping its length so offsets still index the original."""
    lowered = text.lower()
    if len(lowered) != len(text):  # e.g. 'İ' lowercases to two code points
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    for src, dst in _UNIFY:
        if src in lowered:
            lowered = lowered.replace(src, dst)
    for tag in _TAGS:
        if tag in lowered:
            lowered = lowered.replace(tag, " " * len(tag))
    return lowered


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def phrase_units(phrase: str) -> list[str]:
    """A normalised phrase as regex units: escaped characters, ``\\s+`` for each space."""
    return [r"\s+" if ch == " " else re.escape(ch) for ch in phrase]


def trie_regex(phrases: Iterable[str]) -> str:
    """One regex alternation for many literal phrases, built as a trie.

    At every node the longer continuations are tried before stopping, so the regex
    prefers the longest phrase at a position and backtracks to shorter ones when the
    boundary after the longer one fails.
    """
    root: dict[str, dict] = {}
    end = ""  # key marking the end of a phrase (no unit is empty)
    for phrase in phrases:
        node = root
        for unit in phrase_units(phrase):
            node = node.setdefault(unit, {})
        node[end] = {}

    def emit(node: dict[str, dict]) -> str:
        alternatives = [unit + emit(child) for unit, child in sorted(node.items()) if unit != end]
        if end in node:
            alternatives.append("")
        if len(alternatives) == 1:
            return alternatives[0]
        return "(?:" + "|".join(alternatives) + ")"

    return emit(root) if root else "(?!)"


def can_start_at(text: str, k: int) -> bool:
    """Whether a match beginning with a word character may start at ``text[k]``."""
    if k == 0:
        return True
    prev = text[k - 1]
    if _is_word_char(prev) or prev == "\\":
        return False
    return not (prev in "-'" and k >= 2 and _is_word_char(text[k - 2]))


def phrase_alternation(phrases: Iterable[str]) -> str | None:
    """Regex for literal phrases with their lead boundary (no tail); None when empty.

    Phrases that begin with a word character share one trie behind the word lead; the
    few that begin with punctuation (``$i$``) form a second trie with no lead.
    """
    word, other = [], []
    for phrase in phrases:
        (word if _is_word_char(phrase[0]) else other).append(phrase)
    parts = []
    if word:
        parts.append(LEAD_WORD + trie_regex(sorted(word)))
    if other:
        parts.append(trie_regex(sorted(other)))
    return "|".join(parts) if parts else None


def regex_alternation(regexes: Iterable[str]) -> str | None:
    """Regex forms behind the general lead (no tail); None when empty."""
    parts = [f"(?:{r})" for r in regexes]
    return LEAD_ANY + "(?:" + "|".join(parts) + ")" if parts else None
