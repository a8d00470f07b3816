"""Answer extraction: the final part of a response, its boxes, normalisation.

Extraction follows the paper's code (arXiv 2505.14216): drop the ``<think>`` reasoning,
take the *last* ``\\boxed{...}``/``\\fbox{...}`` (also the brace-less ``\\boxed 5``); see
:mod:`traceanalysis.grading.final_answer` for answer statements and combined boxes.
Everything here runs in the main process on untrusted text, so every function is one
linear pass (regular expressions without nested quantifiers, one scan with a stack).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from traceanalysis.io.think import split_think

# One token per interesting position: a box command (with the opening brace when there
# is one), an escaped character or command start (\{, \}, \\, \f...), or a brace.
_TOKENS = re.compile(
    r"(?P<box>\\(?:boxed|fbox)(?![A-Za-z@]))[ \t]*(?P<open>\{)?|\\.|[{}]", re.DOTALL
)
_BARE_TOKEN = re.compile(r"[^\s${}]+")  # the argument of the brace-less \boxed 5
_BOX_COMMAND = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z@])")


@dataclass(frozen=True)
class Box:
    """A closed box: ``text[start:end]`` is the whole command, ``content`` its argument."""

    start: int
    end: int
    content: str


def final_part(response: str) -> tuple[str, bool]:
    """Return ``(final, unclosed)``: the text after the reasoning, and whether ``<think>`` never closed."""
    _, final, unclosed = split_think(response)
    return final, unclosed


def find_boxes(text: str, *, unwrap: bool = True) -> tuple[list[Box], int]:
    """The top-level closed boxes of ``text`` in order, and how many boxes never close.

    One forward scan with a brace stack (linear in ``len(text)``); escaped braces ``\\{``
    ``\\}`` and ``\\\\`` are skipped. A box nested in another closed box is part of the
    outer one's content; a box whose braces never balance is no box.
    """
    spans: list[tuple[int, int, int, int]] = []  # start, content start, content end, end
    stack: list[tuple[int, int]] = []  # (box start or -1 for a plain brace, content start)
    starts = [p for p in (text.find("\\boxed"), text.find("\\fbox")) if p != -1]
    if not starts:
        return [], 0
    # braces before the first box cannot close a box: the scan starts there
    for m in _TOKENS.finditer(text, min(starts)):
        token = m.group(0)
        if token == "{":
            stack.append((-1, m.end()))
        elif token == "}":
            if stack:
                start, content_start = stack.pop()
                if start >= 0:
                    spans.append((start, content_start, m.start(), m.end()))
        elif m.group("open") is not None:  # \boxed{
            stack.append((m.start(), m.end()))
        elif m.group("box") is not None:
            bare = _BARE_TOKEN.match(text, m.end())
            if bare:  # \boxed 5: read up to the next space, $ or brace
                spans.append((m.start(), bare.start(), bare.end(), bare.end()))
    spans.sort()
    boxes: list[Box] = []
    outer_end = -1
    for start, c_start, c_end, end in spans:
        if start < outer_end:  # nested inside the previous top-level box
            continue
        content = text[c_start:c_end]
        if c_end == end:  # brace-less form
            content = content.rstrip(".,;")
        boxes.append(Box(start, end, _unwrap(content) if unwrap else content.strip()))
        outer_end = end
    unclosed = sum(1 for start, _ in stack if start >= 0)
    return boxes, unclosed


def _unwrap(content: str) -> str:
    """``\\boxed{\\boxed{5}}`` is ``5``: a content that is one whole box is that box's content."""
    for _ in range(3):
        stripped = content.strip()
        if not _BOX_COMMAND.match(stripped):
            break
        inner, _ = find_boxes(stripped, unwrap=False)
        if len(inner) != 1 or inner[0].start != 0 or inner[0].end != len(stripped):
            break
        content = inner[0].content
    return content.strip()


def last_boxed(text: str) -> str | None:
    """The content of the last top-level ``\\boxed{}``/``\\fbox{}`` in ``text``, or None."""
    boxes, _ = find_boxes(text)
    return boxes[-1].content if boxes else None


# --- normalisation ---------------------------------------------------------------------
# Layout that never changes a value. Spacing commands become a space (a space between two
# digits means something to math-verify); the rest is removed.
_REMOVED = re.compile(r"\\left(?![A-Za-z])|\\right(?![A-Za-z])|\\displaystyle|\\!")
_SPACING = re.compile(r"\\[,;: ]|\\q?quad(?![A-Za-z])|\\thinspace(?![A-Za-z])|~")
_FRAC_VARIANTS = re.compile(r"\\[dtc]frac(?![A-Za-z])")
_EMPTY_SET = re.compile(r"\\varnothing(?![A-Za-z])")  # one symbol, two spellings
_SPACES = re.compile(r"\s+")
# Digit groups of three apart by one space ("10 455", "10\,455" after _SPACING): the SI
# thousands separator, one number (math-verify would read "1 222" as the mixed number 223).
_SPACED_THOUSANDS = re.compile(r"(?<![\w.^_\\}])(?<!\d )\d{1,3}(?: \d{3})+(?![\d.]| \d)")
# A comma followed by a space separates items; with digits on both sides and a group of
# exactly three after it ("32, 349") the space is what tells a list from "32,349".
_LIST_COMMA = re.compile(r"(?<=\d) ?, (?=\d{3}(?![\d]))")
_OPERATOR_SPACES = re.compile(r" ?([{}()\[\],=+\-*/^_]) ?")
_SPACE_BEFORE_COMMAND = re.compile(r" (?=\\)")  # math mode ignores it
_SINGLE_BRACED_SCRIPT = re.compile(r"([\^_])\{([A-Za-z0-9])\}(?![A-Za-z0-9.])")  # x^{2} -> x^2
_BARE_FRAC = re.compile(r"\\frac(\d)(\d)(?!\d)")  # \frac12 -> \frac{1}{2}, not \frac123
_BARE_SQRT = re.compile(r"\\sqrt(\d)")  # \sqrt3 -> \sqrt{3}; \sqrt32 -> \sqrt{3}2 as TeX reads it
_TRAILING_PERIOD = re.compile(r"(?<!\.)\.$")  # "5." -> "5", but "1,2,..." stays
_LIST_MARK = "\x00"
_ROW_BREAK = "\x01"


def _strip_dollars(s: str) -> str:
    """Surrounding ``$`` signs and spaces, never an escaped ``\\$`` (one pass each side)."""
    s = s.lstrip(" \t\r\n$")
    t = s.rstrip(" \t\r\n$")
    if t.endswith("\\") and len(t) < len(s):
        t += "$"
    return t


def normalize_answer(answer: str) -> str:
    """A canonical string for an extracted answer: layout commands and spacing removed.

    Every edit keeps the value math-verify reads (tests/grading/test_grading_normalise.py
    checks each rule and its neighbours against math-verify): ``\\left``/``\\right``,
    ``\\!``, spacing commands, ``\\dfrac`` -> ``\\frac``, ``\\varnothing`` -> ``\\emptyset``, surrounding ``$``, a trailing
    period, spaces around operators and before commands, ``x^{2}`` -> ``x^2``,
    ``\\frac12`` -> ``\\frac{1}{2}``, ``\\sqrt3`` -> ``\\sqrt{3}``. A comma and space before
    a group of three digits stays (``32, 349`` is a list, ``32,349`` one number), and digit
    groups of three apart by a space or thin space are one number (``10\\,455`` = 10455).
    Two answers with the same key get the same verdict; the key serves the grading
    cache, deduplication, maj@k and entropy.
    """
    s = _strip_dollars(answer).replace("\\\\", _ROW_BREAK)  # so "\\ 3" is no "\ " space
    s = _REMOVED.sub("", s)
    s = _SPACING.sub(" ", s)
    s = _FRAC_VARIANTS.sub(r"\\frac", s)
    s = _EMPTY_SET.sub(r"\\emptyset", s)
    s = _SPACES.sub(" ", s).strip()
    s = _TRAILING_PERIOD.sub("", s).rstrip()
    s = _SPACED_THOUSANDS.sub(lambda m: m.group(0).replace(" ", ""), s)
    s = _BARE_FRAC.sub(lambda m: "\\frac{" + m.group(1) + "}{" + m.group(2) + "}", s)
    s = _BARE_SQRT.sub(lambda m: "\\sqrt{" + m.group(1) + "}", s)
    s = _LIST_COMMA.sub(_LIST_MARK, s)
    s = _OPERATOR_SPACES.sub(lambda m: m.group(1), s)
    s = _SPACE_BEFORE_COMMAND.sub("", s)
    s = _SINGLE_BRACED_SCRIPT.sub(lambda m: m.group(1) + m.group(2), s)
    return s.replace(_LIST_MARK, ", ").replace(_ROW_BREAK, "\\\\")


_ITEM_WORDS = re.compile(r"\\text\{(?:and|or)\}| (?:and|or) ")
_SET_BRACES = re.compile(r"^\\\{(.*)\\\}$", re.DOTALL)
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def written_items(gold: str) -> tuple[str, ...]:
    """The items a gold writes as a list (``1331, 1728``, ``\\{1, 2\\}``, ``2 and 3``).

    Commas, semicolons, "and"/"or" outside brackets separate items; a comma inside a
    number (``1,728``) does not. A single expression (``\\pm 2021``, ``(1, 2)``) is one
    item. Linear scan.
    """
    s = _ITEM_WORDS.sub(",", normalize_answer(gold))
    inner = _SET_BRACES.match(s)
    if inner:
        s = inner.group(1)
    items: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(s):
        ch = s[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "([{":
            depth += 1
        elif ch in _CLOSERS and depth > 0:
            depth -= 1
        elif ch in ",;" and depth == 0:
            thousands = ch == "," and i > 0 and s[i - 1].isdigit() and _is_group(s, i + 1)
            if not thousands:
                items.append(s[start:i])
                start = i + 1
        i += 1
    items.append(s[start:])
    items = [item.strip() for item in items if item.strip()]
    return tuple(items) if len(items) >= 2 else ()


def _is_group(s: str, j: int) -> bool:
    """Whether ``s[j:]`` starts with exactly three digits (a thousands group)."""
    return s[j : j + 3].isdigit() and len(s[j : j + 3]) == 3 and not s[j + 3 : j + 4].isdigit()


# What may stand between two boxes of one answer: separators, math delimiters, and a
# "x =" before the next box.
_BOX_GAP = re.compile(
    r"(?:\s|\$|,|;|&|\\[,;:!]|\\q?quad|\\[()\[\]]|\\text\{\s*(?:and|or|,)?\s*\}"
    r"|\b(?:and|or)\b|[A-Za-z](?:_\{?\w{1,3}\}?)?\s*=)*"
)
_MAX_GAP = 80
MAX_GROUP = 20  # more boxes (or formulas) in a row than this are no list: the last alone


def box_group(final: str, boxes: list[Box]) -> str:
    """The last box of ``boxes`` (from :func:`find_boxes` on ``final``) together with the boxes
    written just before it in the same sentence, their contents joined by ``", "``."""
    group = [boxes[-1]]
    for box in reversed(boxes[:-1]):
        gap = final[box.end : group[0].start]
        if len(gap) > _MAX_GAP or "\n" in gap or not _BOX_GAP.fullmatch(gap):
            break
        group.insert(0, box)
        if len(group) > MAX_GROUP:
            return boxes[-1].content
    return ", ".join(dict.fromkeys(b.content for b in group))  # a repeated box is one
