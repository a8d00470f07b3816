"""The ``choice`` grader: the letter of a multiple-choice answer, as lighteval and lm-eval read it.

Patterns in tiers, as lighteval's ``IndicesExtractionConfig`` (a lower tier wins; inside a
tier the *last* match in the final part wins, as lighteval's rightmost match and lm-eval's
``multi_choice_regex`` with ``group_select: -1``). Letters are A-J, upper case; a lower-case
one only inside parentheses (``(c)``) or ending an answer statement (``the answer is c``).
``\\text{..}``, ``\\mathrm{..}`` and the like are unwrapped first.

0. the last ``\\boxed{C}`` (also ``\\boxed{(C)}``, ``\\boxed{\\text{C}}``, ``\\boxed{C) 42}``), or
   a box holding exactly one listed option's text;
1. an answer statement: the letter right after it (``The answer is (C)``, ``Answer: C``,
   ``ANSWER: C`` as inspect_ai's ``multiple_choice`` asks, ``correct option is C``), or the
   nearest letter within 50 characters after the word (``The answer is for sure D; not A``),
   as lighteval's ``answer.{0,50}?`` patterns; a statement giving two letters (``The
   answer is (C) or (D)``, ``C/D``) is no answer;
2. a letter standing alone: at the very start followed by ``.``, ``:``, ``)`` or the end of
   the line (``C. because ...``; not ``A car ...``), on a line of its own (``**C**``,
   ``(C)``, ``C.``), in bold, or after ``option``/``choice`` (``Option C is correct``);
3. any option letter: ``(C)`` anywhere (lm-eval's flexible-extract for GPQA), or a capital
   A-J standing as a word before punctuation or the end (``not A, so it's B``) — never
   ``A``/``I`` followed by a lower-case word (the article, the pronoun).

Golds: ``C``, ``(C)``, ``C)``, ``C) text``, ``C. text``, ``C: text``; a gold that is an
option's text is mapped to that option's letter when the prompt lists options one per
line (``A) ...``, ``(B) ...``, ``C. ...``). A gold that is neither is a ``parse_error``
(``correct`` null).
"""

from __future__ import annotations

import re

import pandas as pd

from traceanalysis.grading.extract import last_boxed
from traceanalysis.grading.registry import grader, grading_attrs
from traceanalysis.grading.rows import Verdict, clean, column, grade_rows, with_verdicts
from traceanalysis.grading.text_grader import normalize_text

VERSION = "choice-1"
LETTERS = "ABCDEFGHIJ"

_L = f"[{LETTERS}]"
_ANSWER_WORD = (
    r"(?i:\b(?:final\s+answer|answer|correct\s+(?:option|choice)|best\s+(?:option|choice)))"
)
_START = r"(?<![\w'’\\])"  # the letter starts a word: not the "B" of "AB", not "\B"
_END = r"(?=[.,;:!?)/\]$*]|\s|$)"  # and ends one: not "B12", not "A's"
# A bare capital that may be prose: "A car", "I think" (an article, a pronoun) are no answer.
_PROSE = r"(?![AI]\s+[a-z])"
_PAREN = rf"\(\s*(?P<p>{_L}|[a-j])\s*\)|\[(?P<b>{_L})\]"
_LOWER_END = r"(?=[.,;:!?)]|\s*$)"  # "the answer is c", "the answer is c."
_TOKEN = rf"(?:{_PAREN}|{_START}(?P<w>{_L}){_END}|{_START}(?P<l>[a-j]){_LOWER_END})"
_STRICT_TOKEN = rf"(?:{_PAREN}|{_START}{_PROSE}(?P<w>{_L}){_END})"
_GOLD = re.compile(rf"^\(?({_L})\)?(?:$|\)\s*\S|[.:]\s+\S|\s+\S)")
_BOX_LETTER = re.compile(rf"^\(?({_L})\)?(?:$|[).:\s])")
_TEXT = re.compile(r"\\(?:text|textbf|textrm|mathrm|mathbf)\s*\{([^{}]*)\}")

_TIERS: list[list[re.Pattern[str]]] = [
    [  # answer statements: the letter right after "answer is", or the nearest within 50
        re.compile(
            _ANSWER_WORD + r"(?:\s+(?i:is|would\s+be|should\s+be))?\s*[:=]?\s*"
            r"(?i:option|choice)?\s*\**\s*" + _TOKEN
        ),
        re.compile(_ANSWER_WORD + r".{0,50}?" + _STRICT_TOKEN),
    ],
    [  # a letter standing alone
        re.compile(rf"\A\s*\**\s*(?:{_PAREN}|(?P<w>{_L})(?=[.:)]|\**[ \t]*(?:\n|$)))"),
        re.compile(rf"(?m)^[ \t>*#-]*(?:{_PAREN}|(?P<w>{_L}))[ \t]*\**[ \t]*[.:]?[ \t]*$"),
        re.compile(rf"\*\*\s*(?:{_PAREN}|(?P<w>{_L}))\s*\*\*"),
        re.compile(rf"(?i:\b(?:option|choice))\s+{_START}(?P<w>{_L}){_END}"),
    ],
    [  # any option letter: "(C)" anywhere (lm-eval's flexible-extract), a delimited capital
        re.compile(rf"\(\s*(?P<p>{_L})\s*\)|{_START}{_PROSE}(?P<w>{_L})(?=[.,;:!?)\]$]|\s*$)"),
    ],
]
# A second letter right after a statement's letter: "(C) or (D)", "C/D", "C and D".
_HEDGE = re.compile(rf" ?(?:,|/|\bor\b|\band\b) ?(?:\(\s*{_L}\s*\)|\[{_L}\]|{_START}{_L}{_END})")
_HSPACE = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r" ?\n[\s]*")
_STARS = re.compile(r"\*{3,}")
_OPTION_LINE = re.compile(rf"(?m)^[ \t]*\(?({_L})[).:][ \t]+(.+)$")


def prompt_options(prompt: str | None) -> dict[str, str]:
    """``{letter: normalised option text}`` when the prompt lists options A, B, ... one per line."""
    if not prompt:
        return {}
    options: dict[str, str] = {}
    for letter, text in _OPTION_LINE.findall(prompt):
        options[letter] = normalize_text(text)
    letters = "".join(sorted(options))
    return options if len(letters) >= 2 and LETTERS.startswith(letters) else {}


def _by_text(text: str, options: dict[str, str]) -> str | None:
    norm = normalize_text(text)
    hits = [letter for letter, option in options.items() if norm and option == norm]
    return hits[0] if len(hits) == 1 else None


def gold_letter(gold: str, options: dict[str, str]) -> str | None:
    """The gold's letter (``C``, ``(C)``, ``C) text``, or an option's text), else None."""
    text = _TEXT.sub(r"\1", gold.strip().strip("$").strip())
    match = _GOLD.match(text)
    if match:
        return match.group(1)
    return _by_text(text, options)


def _squeeze(text: str) -> str:
    """Whitespace runs as one space or one newline, ``***...`` as ``**``.

    The tiers' patterns put optional spaces and stars side by side (``\\s*\\**\\s*``); on
    runs of length one they cannot backtrack far, so extraction stays linear in the text.
    """
    text = _HSPACE.sub(" ", text)
    text = _NEWLINES.sub("\n", text)
    return _STARS.sub("**", text)


def _letter(match: re.Match[str]) -> str:
    groups = match.groupdict()
    found = next(groups[g] for g in ("p", "b", "w", "l") if groups.get(g))
    return found.upper()


def extract_letter(final: str, options: dict[str, str]) -> str | None:
    """The answer's letter by the tiers of the module docstring, or None."""
    final = _squeeze(_TEXT.sub(r"\1", final))  # "$\mathrm{(C)}$" -> "$(C)$"
    box = last_boxed(final)
    if box is not None:
        inner = _TEXT.sub(r"\1", box).strip().strip("*").strip()
        match = _BOX_LETTER.match(inner)
        if match:
            return match.group(1)
        by_text = _by_text(inner, options)
        if by_text:
            return by_text
    for tier, patterns in enumerate(_TIERS):
        last: tuple[int, str] | None = None
        for pattern in patterns:
            for match in pattern.finditer(final):
                if last is None or match.end() >= last[0]:
                    last = (match.end(), _letter(match))
        if last is not None:
            if tier == 0 and _HEDGE.match(final, last[0]):
                return None  # "The answer is (C) or (D).": two answers are none
            return last[1]
    return None


def judge_choice(final: str, gold: str | None, options: tuple[tuple[str, str], ...]) -> Verdict:
    """The verdict for one final part: its letter against the gold's letter."""
    listed = dict(options)
    letter = extract_letter(final, listed)
    if gold is None:
        return Verdict(letter, None, "ungraded")
    want = gold_letter(gold, listed)
    if want is None:
        return Verdict(letter, None, "parse_error")
    if letter is None:
        return Verdict(None, False, "no_answer")
    return Verdict(letter, letter == want, "ok")


@grader("choice", version=VERSION)
def grade_choice(df: pd.DataFrame) -> pd.DataFrame:
    """Multiple-choice letter extraction (lighteval/lm-eval rules), compared with the gold letter."""
    prompts = [clean(p) for p in column(df, "prompt")]  # a problem's samples share one prompt
    listed = {p: tuple(sorted(prompt_options(p).items())) for p in set(prompts)}
    options = [listed[p] for p in prompts]
    verdicts, n_unique = grade_rows(df, judge_choice, options)
    out = with_verdicts(df, verdicts)
    out.attrs["grading"] = grading_attrs("choice", VERSION, n_responses=len(df), n_unique=n_unique)
    return out
