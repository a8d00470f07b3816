"""Which part of a response's final text is its answer.

Candidates, in text order: every closed top-level box (see
:func:`~traceanalysis.grading.extract.find_boxes`) and every explicit answer statement
near the end ("the final answer is ...", "Final Answer: ...", "The answer is ...",
"Answer: ...", GSM8K's "#### 51" and few-shot "A: 51"). The **last** candidate is the
answer; boxes written one after another in the same sentence (``\\boxed{1}, \\boxed{2}
and \\boxed{3}``, ``x = \\boxed{1} or x = \\boxed{2}``) are one answer, their contents
joined by ``", "``. With no candidate, a final text that is nothing but a short math
expression (``51``, ``$\\frac{1}{2}$``) is the answer; anything else has no answer — the
rest of a trace (a cut-off one above all) is never searched for a number.

Every function is linear in the length of the text: the patterns have no nested
quantifiers and bounded gaps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from traceanalysis.grading.extract import Box, find_boxes

STATEMENT_WINDOW = 1500  # an answer statement counts only in the last this many characters
SHORT_ANSWER = 120  # a final text this short that is only math is its own answer

_STATEMENT = re.compile(
    r"(?:"
    r"\b(?:final\s+)?answer\b(?:[ \t]+(?:to|for|of)\b[^.:=\n]{0,60}?)?[ \t]*(?:\*\*)?[ \t]*"
    r"(?:(?:is|was|would[ \t]+be|will[ \t]+be)\b|=|:)"
    r"|(?:^|(?<=[.!?] ))[ \t]*(?:\*\*)?A(?:\*\*)?[ \t]*:"
    r"|####"
    r")[ \t]*:?[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
# What may stand between two boxes of one answer: separators, math delimiters, and a
# "x =" before the next box.
_BOX_GAP = re.compile(
    r"(?:\s|\$|,|;|&|\\[,;:!]|\\q?quad|\\[()\[\]]|\\text\{\s*(?:and|or|,)?\s*\}"
    r"|\b(?:and|or)\b|[A-Za-z](?:_\{?\w{1,3}\}?)?\s*=)*"
)
_MAX_GAP = 80
_MAX_GROUP = 20  # more boxes in a row than this are no list: the last box alone
# A few-shot continuation: the model goes on to write the next question itself.
_NEXT_QUESTION = re.compile(r"\n[ \t]*(?:Q|Question|Problem)[ \t]*:", re.IGNORECASE)
_BOLD = re.compile(r"^\*\*|\*\*$")
_DELIMITED = re.compile(
    r"\$\$(?P<a>[^$]*)\$\$|\$(?P<b>(?:\\\$|[^$])*)\$|\\\((?P<c>.*?)\\\)|\\\[(?P<d>.*?)\\\]"
)
# Bare math: commands, \text{..}, single letters, and anything that is not a letter;
# it stops at the first word (units, "since", "I hope ...").
_BARE_MATH = re.compile(
    r"(?:\\(?:text|mathrm|textbf|mbox|operatorname)\{[^{}\n]*\}|\\[A-Za-z]+|\\.|"
    r"\b(?:and|or)\b|[A-Za-z](?![A-Za-z])|[^A-Za-z\n])+"
)
_SENTENCE_END = re.compile(r"\.(?=\s|$)|;|\?|!|\bI hope\b")
_CURRENCY = re.compile(r"^\$(?=\d)")


@dataclass(frozen=True)
class Extraction:
    """The answer string found in a final text and where it came from."""

    answer: str | None
    source: str  # "box", "statement", "short", or "none"
    unclosed_boxes: int = 0


def drop_continuation(final: str) -> str:
    """The final text up to a line where the model starts the next few-shot question."""
    m = _NEXT_QUESTION.search(final)
    return final[: m.start()] if m and final[: m.start()].strip() else final


def _clean_math(text: str) -> str | None:
    """The math at the start of ``text`` (one line): a delimited formula or bare math."""
    s = _BOLD.sub("", text.strip()).strip()
    delimited = _DELIMITED.match(s)
    if delimited:
        s = next(g for g in delimited.groups() if g is not None)
    else:
        s = _CURRENCY.sub("", s)  # "$18." with no closing "$" is a price
        end = _SENTENCE_END.search(s)
        if end:
            s = s[: end.start()]
        bare = _BARE_MATH.match(s)
        s = bare.group(0) if bare else ""
    s = _BOLD.sub("", s.strip()).strip().rstrip(".,:;").strip()
    s = re.sub(r"\s+(?:and|or)\s+", ", ", s)
    if not re.search(r"[0-9A-Za-z]", s):
        return None
    return s


def _statements(final: str) -> list[tuple[int, str]]:
    """(position, answer) of every explicit answer statement near the end of ``final``."""
    found: list[tuple[int, str]] = []
    window_start = max(0, len(final) - STATEMENT_WINDOW)
    for m in _STATEMENT.finditer(final, window_start):
        line_end = final.find("\n", m.end())
        rest = final[m.end() : line_end if line_end != -1 else len(final)]
        if "\\boxed" in rest or "\\fbox" in rest:  # the box is the candidate (or no box)
            continue
        answer = _clean_math(rest)
        if answer is not None:
            found.append((m.start(), answer))
    return found


def _box_group(final: str, boxes: list[Box]) -> str:
    """The last box together with the boxes written just before it in the same sentence."""
    group = [boxes[-1]]
    for box in reversed(boxes[:-1]):
        gap = final[box.end : group[0].start]
        if len(gap) > _MAX_GAP or "\n" in gap or not _BOX_GAP.fullmatch(gap):
            break
        group.insert(0, box)
        if len(group) > _MAX_GROUP:
            return boxes[-1].content
    return ", ".join(b.content for b in group)


def extract_final_answer(final: str) -> Extraction:
    """The answer of a response's final text (after ``</think>``), see the module doc."""
    final = drop_continuation(final)
    boxes, unclosed = find_boxes(final)
    statements = _statements(final)
    last_box = boxes[-1].start if boxes else -1
    if statements and statements[-1][0] > last_box:
        return Extraction(statements[-1][1], "statement", unclosed)
    if boxes:
        return Extraction(_box_group(final, boxes), "box", unclosed)
    text = final.strip()
    if 0 < len(text) <= SHORT_ANSWER and "\n" not in text and unclosed == 0:
        if "\\boxed" not in text and "\\fbox" not in text:
            answer = _clean_math(text)
            if answer is not None and _whole(text, answer):
                return Extraction(answer, "short", unclosed)
    return Extraction(None, "none", unclosed)


def _whole(text: str, answer: str) -> bool:
    """Whether ``answer`` is all of ``text`` bar delimiters, bold and a final period."""
    rest = text.replace(answer, "", 1)
    return not re.sub(r"[\s$*.,:;]|\\[()\[\]]", "", rest)
