"""Which part of a response's final text is its answer.

Candidates, in text order: every closed top-level box (see
:func:`~traceanalysis.grading.extract.find_boxes`) and every explicit answer statement
near the end ("the final answer is ...", "Final Answer: ...", "The answer is ...",
"Answer: ...", GSM8K's "#### 51" and few-shot "A: 51"). The **last** candidate is the
answer; boxes written one after another in the same sentence (``\\boxed{1}, \\boxed{2}
and \\boxed{3}``, ``x = \\boxed{1} or x = \\boxed{2}``) are one answer, their contents
joined by ``", "``. A statement is taken only as the response's conclusion: nothing but
a unit follows it, or the response ends like a finished sentence (a trace cut off
mid-sentence gets nothing from a statement made on the way). With no candidate, a final
text that is nothing but a short math expression (``51``, ``$\\frac{1}{2}$``) is the
answer; anything else has no answer — the rest of a trace (a cut-off one above all) is
never searched for a number.

Every function is linear in the length of the text: the patterns have no nested
quantifiers and bounded gaps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from traceanalysis.grading.extract import MAX_GROUP, box_group, find_boxes

STATEMENT_WINDOW = 1500  # an answer statement counts only in the last this many characters
SHORT_ANSWER = 120  # a final text this short that is only math is its own answer

# Statements are found from literal words ("answer", "####", "A:"), which the regex engine
# finds fast; each hit is then matched in place. Possessive quantifiers (*+) throughout:
# a run of spaces is never re-split on failure, which would make a long run quadratic.
_PHRASE_REST = (
    r"(?i:s)?\b(?:[ \t]++(?i:to|for|of)\b[^.:=\n]{0,60}?)?[ \t]*+(?:\*\*)?[ \t]*+"
    r"(?:(?i:is|are|was|were|would[ \t]++be|will[ \t]++be)\b|=|:)[ \t]*+:?[ \t]*+"
    r"(?:(?i:approximately|about|roughly|exactly|therefore|thus|then|simply|just)\b[ \t]*+)?"
)
_WORDS = ("answer", "Answer", "ANSWER")
_WORD_HITS = [re.compile(word) for word in _WORDS]
_PHRASES = [re.compile(re.escape(word) + _PHRASE_REST) for word in _WORDS]
_HASHES = re.compile(r"####[ \t]*+")
_A_COLON = re.compile(r"A(?:\*\*)?[ \t]*+:[ \t]*+")
# A heading line ("### Final Answer", "**Final Answer**"): the answer is on the next line.
_HEADING = re.compile(
    r"[ \t]*+(?:#{1,6}[ \t]*+)?(?:\*\*)?[ \t]*+(?:the[ \t]++)?final[ \t]++answer[ \t]*+"
    r"(?:\*\*)?[ \t]*+:?[ \t]*+(?:\*\*)?[ \t]*+",
    re.IGNORECASE,
)
_HEADING_LINE = 80  # a heading is a short line
_TRIES = 20  # statement words tried from the last one back
_FORMULA_GAP = 25  # "the answer is therefore $5$": words allowed before the formula
_FINISHED = set(".!?:;)]}$*\"'")  # last characters of a response that ended by itself
_FINISHED_TAGS = ("</answer>", "</s>", "<|im_end|>", "<|eot_id|>", "<|endoftext|>")
_FORMULA_SPAN = 2000  # a delimited formula is looked for in this many characters
_UNIT_WORDS = re.compile(r"[A-Za-z]{1,12}(?:[ \t]+[A-Za-z]{1,12}){0,2}[23²³]?")
# Words that carry a sentence on, never a unit: "the answer is 7 because" was cut off.
_SENTENCE_WORDS = frozenset(
    "a an and are as at because but by for from hence if in is it let of on or per since "
    "so that the then this thus to was we wait when where which while with".split()
)
_WORD_ANSWER = re.compile(r"\**([A-Za-z]{2,30})\**[.!]?")  # one word: a day, a name
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
_FORMULA_SEPARATOR = re.compile(r"[ \t]*+(?:,[ \t]*+)?(?:(?:and|or)\b[ \t]*+)?")
_ASIDE = re.compile(r"\s\((?=[ \t]*[A-Za-z]{2})")


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
    if delimited:  # "$x=2$ and $x=3$": formulas joined by separators are one list
        parts = [next(g for g in delimited.groups() if g is not None)]
        pos = delimited.end()
        while len(parts) < MAX_GROUP:
            sep = _FORMULA_SEPARATOR.match(s, pos)
            nxt = _DELIMITED.match(s, sep.end()) if sep else None
            if nxt is None:
                break
            parts.append(next(g for g in nxt.groups() if g is not None))
            pos = nxt.end()
        s = ", ".join(parts)
    else:
        s = _CURRENCY.sub("", s)  # "$18." with no closing "$" is a price
        end = _SENTENCE_END.search(s)
        if end:
            s = s[: end.start()]
        aside = _ASIDE.search(s)
        if aside:  # "0.5 (or 1/2)": a bracket that opens prose ends the answer
            s = s[: aside.start()]
        bare = _BARE_MATH.match(s)
        s = bare.group(0).rstrip() if bare else ""
        while s and s[-1] in "([{":  # "12 (the other ...)": the bracket opens the prose
            s = s[:-1].rstrip()
        s = s.replace("°", "^\\circ")
    s = _BOLD.sub("", s.strip()).strip().rstrip(".,:;").strip()
    s = re.sub(r"\s+(?:and|or)\s+", ", ", s)
    if not re.search(r"[0-9A-Za-z]", s):
        return None
    return s


def _region(final: str, pos: int) -> tuple[str, int]:
    """The text an answer statement ending at ``pos`` gives its answer in, and where that
    text ends: the rest of its line, or the next non-empty line when the rest is empty
    (``Answer:\\n$\\frac{3}{8}$``), with a display formula that opens there read to its end."""
    line_end = final.find("\n", pos)
    line_end = line_end if line_end != -1 else len(final)
    rest = final[pos:line_end]
    if rest.strip(" \t*:") or line_end == len(final):
        return rest, line_end
    start = line_end + 1
    while start < len(final) and final[start] in " \t\r\n":
        start += 1
    end = final.find("\n", start)
    end = end if end != -1 else len(final)
    line = final[start:end]
    for opener, closer in (("\\[", "\\]"), ("$$", "$$")):
        if line.lstrip().startswith(opener) and closer not in line.lstrip()[2:]:
            close = final.find(closer, start + line.index(opener) + 2, start + 2000)
            if close != -1:
                return final[start : close + 2], close + 2
    return line, end


def _settled(final: str, end: int, tail: str) -> bool:
    """Whether a statement is the response's conclusion: nothing but punctuation after its
    answer (``tail``: the rest of its region) and its region (which ends at ``end``), or a
    response that ends like a finished sentence. A trace cut off mid-sentence (``... then
    the value of``) never gets its answer from a statement made on the way."""
    rest = tail.strip(" \t.!?*$")
    unit = _UNIT_WORDS.fullmatch(rest) and not _SENTENCE_WORDS & set(rest.lower().split())
    if not final[end:].strip() and (not rest or unit):
        return True  # nothing after the answer but its unit ("2,500 dollars", "12 cm")
    tail = final.rstrip()
    return tail[-1:] in _FINISHED or tail.endswith(_FINISHED_TAGS)


def _formula(region: str, *, last: bool) -> str | None:
    """The math of a region: bare math at its start, else its first (or last) delimited
    formula — the first only when at most a few words stand before it."""
    answer = _clean_math(region)
    if answer is not None:
        return answer
    word = _WORD_ANSWER.fullmatch(region.strip())
    if word:  # "the answer is Tuesday."
        return "\\text{" + word.group(1) + "}"
    # a bounded piece: an unclosed "\\(" costs a scan to the end of the piece
    piece = region[-_FORMULA_SPAN:] if last else region[: _FORMULA_GAP + _FORMULA_SPAN]
    formulas = list(_DELIMITED.finditer(piece))
    if not formulas:
        return None
    chosen = formulas[-1] if last else formulas[0]
    if not last and chosen.start() > _FORMULA_GAP:
        return None
    return _clean_math(chosen.group(0))


def _hits(final: str, start: int) -> list[tuple[int, str]]:
    """(position, kind) of every literal that may begin an answer statement."""
    rest = final[start:]
    if not any(word in rest for word in ("nswer", "NSWER", "####", "A")):
        return []  # the usual case after a final box: nothing to match
    hits = [(m.start(), "phrase") for p in _WORD_HITS for m in p.finditer(final, start)]
    hits += [(m.start(), "hashes") for m in _HASHES.finditer(final, start)]
    hits += [(m.start(), "a") for m in _A_COLON.finditer(final, start)]
    return sorted(hits)


def _statement_end(final: str, pos: int, kind: str) -> tuple[int, bool] | None:
    """Where the answer of a statement at ``pos`` starts, and whether it is a heading."""
    if kind == "hashes":
        return _HASHES.match(final, pos).end(), False  # type: ignore[union-attr]
    if kind == "a":  # "A:" at a line start or after a sentence
        j = pos
        while j > 0 and final[j - 1] in " \t":
            j -= 1
        if j == 0 or final[j - 1] == "\n" or (j < pos and final[j - 1] in ".!?"):
            return _A_COLON.match(final, pos).end(), False  # type: ignore[union-attr]
        return None
    m = next((p.match(final, pos) for p in _PHRASES if p.match(final, pos)), None)
    if m:
        return m.end(), False
    line_start = final.rfind("\n", max(0, pos - _HEADING_LINE), pos) + 1
    line_end = final.find("\n", pos, pos + _HEADING_LINE)
    line_end = line_end if line_end != -1 else min(len(final), pos + _HEADING_LINE)
    if _HEADING.fullmatch(final, line_start, line_end) and (
        line_end == len(final) or final[line_end] == "\n"
    ):
        return line_end, True
    return None


def _after(region: str, answer: str) -> str:
    """What the region holds after the answer (empty when the answer was rewritten)."""
    at = region.find(answer)
    return region[at + len(answer) :] if at != -1 else ""


def _statements(final: str, after: int) -> list[tuple[int, str, int, str]]:
    """(position, answer, region end, text after the answer) of the last explicit answer
    statement near the end of ``final`` that starts at or after ``after`` (the end of the
    last box: earlier ones lose to it).

    "Near the end": starting on the line where the last ``STATEMENT_WINDOW`` characters
    begin, or later. Only the last ``_TRIES`` hits are read (each costs a line).
    """
    window = final.rfind("\n", 0, max(0, len(final) - STATEMENT_WINDOW)) + 1
    for pos, kind in reversed(_hits(final, max(window, after))[-_TRIES:]):
        found = _statement_end(final, pos, kind)
        if found is None:
            continue
        region, end = _region(final, found[0])
        if "\\boxed" in region or "\\fbox" in region:  # the box is the candidate (or no box)
            continue
        answer = _formula(region, last=found[1])
        if answer is not None:
            return [(pos, answer, end, _after(region, answer))]
    return []


def _answer_tags(final: str, after: int) -> list[tuple[int, str, int, str]]:
    """(position, answer, end, "") of the last ``<answer>...</answer>`` (R1-Zero style)
    starting at or after ``after``; one scan."""
    found: list[tuple[int, str, int, str]] = []
    pos = after
    while True:
        start = final.find("<answer>", pos)
        if start == -1:
            break
        end = final.find("</answer>", start)
        if end == -1:
            break
        content = final[start + len("<answer>") : end]
        pos = end + len("</answer>")
        if "\\boxed" in content or "\\fbox" in content:
            continue
        answer = _formula(" ".join(content.split()), last=True)
        if answer is not None:
            found = [(start, answer, pos, "")]
    return found


def extract_final_answer(final: str) -> Extraction:
    """The answer of a response's final text (after ``</think>``), see the module doc."""
    final = drop_continuation(final)
    boxes, unclosed = find_boxes(final)
    after = boxes[-1].end if boxes else 0
    statements = sorted(_statements(final, after) + _answer_tags(final, after))
    if statements and _settled(final, statements[-1][2], statements[-1][3]):
        return Extraction(statements[-1][1], "statement", unclosed)
    if boxes:
        return Extraction(box_group(final, boxes), "box", unclosed)
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
