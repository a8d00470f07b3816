"""Answer extraction: the final part of a response, its last ``\\boxed{}``, normalisation.

Extraction follows the paper's code (arXiv 2505.14216): drop the ``<think>`` reasoning,
take the *last* ``\\boxed{...}`` or ``\\fbox{...}`` with brace matching (also the brace-less
``\\boxed 5``). Responses without a box fall back to math-verify's plain-text extraction,
which runs in the worker processes (see :mod:`traceanalysis.grading.verifier`).
"""

from __future__ import annotations

import re

from traceanalysis.io.think import split_think

_BOX_COMMANDS = ("\\boxed", "\\fbox")
# Layout-only LaTeX that never changes a value: removed before answers are compared as keys.
_LAYOUT = re.compile(
    r"\\left(?![A-Za-z])|\\right(?![A-Za-z])|\\displaystyle|\\!|\\,|\\;|\\:|\\q?quad|~"
)
_FRAC_VARIANTS = re.compile(r"\\[dt]frac")
_SPACES = re.compile(r"\s+")
_OPERATOR_SPACES = re.compile(r"\s*([{}()\[\],=+\-*/^_])\s*")
_SPACE_BEFORE_COMMAND = re.compile(r"\s+(?=\\)")  # math mode ignores it
_SINGLE_BRACED_SCRIPT = re.compile(r"([\^_])\{([A-Za-z0-9])\}")  # x^{2} -> x^2
_BARE_FRAC = re.compile(r"\\frac(\d)(\d)")  # \frac12 -> \frac{1}{2}
_BARE_SQRT = re.compile(r"\\sqrt(\d)")  # \sqrt3 -> \sqrt{3}
_TRAILING_PERIOD = re.compile(r"(?<!\.)\.$")  # "5." -> "5", but "1,2,..." stays


def final_part(response: str) -> tuple[str, bool]:
    """Return ``(final, unclosed)``: the text after the reasoning, and whether ``<think>`` never closed."""
    _, final, unclosed = split_think(response)
    return final, unclosed


def _box_argument(text: str, start: int) -> str | None:
    """The argument of a box command whose name ends at ``start``: ``{...}`` or a bare token."""
    i = start
    while i < len(text) and text[i] in " \t":
        i += 1
    if i >= len(text):
        return None
    if text[i] == "{":
        depth = 0
        j = i
        while j < len(text):
            ch = text[j]
            if ch == "\\":  # a command or an escaped brace (\{, \}): skip the next character
                j += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return text[i + 1 : j]
            j += 1
        return None  # unbalanced: the box never closes
    match = re.match(r"[^\s$]+", text[i:])
    return match.group(0).rstrip(".,;") if match else None


def last_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{}``/``\\fbox{}`` in ``text`` (brace-matched), or None."""
    best_pos = -1
    best: str | None = None
    for command in _BOX_COMMANDS:
        pos = text.rfind(command)
        while pos != -1:
            end = pos + len(command)
            nxt = text[end : end + 1]
            if not (nxt.isalpha() or nxt == "@"):  # skip e.g. \boxedsomething
                arg = _box_argument(text, end)
                if arg is not None:
                    if pos > best_pos:
                        best_pos, best = pos, arg
                    break
            pos = text.rfind(command, 0, pos)
    return best.strip() if best is not None else None


def normalize_answer(answer: str) -> str:
    """A canonical string for an extracted answer: layout commands and spacing removed.

    Only value-preserving edits: ``\\left``/``\\right``, thin spaces, ``\\dfrac`` -> ``\\frac``,
    surrounding ``$``, a trailing period, spaces around operators and before commands,
    ``x^{2}`` -> ``x^2``, ``\\frac12`` -> ``\\frac{1}{2}``, ``\\sqrt3`` -> ``\\sqrt{3}``. Two answers
    with the same key therefore get the same verdict; the key serves the grading cache,
    deduplication, maj@k and entropy.
    """
    s = answer.strip().strip("$").strip()
    s = _LAYOUT.sub("", s)
    s = _FRAC_VARIANTS.sub(r"\\frac", s)
    s = _SPACES.sub(" ", s).strip()
    s = _TRAILING_PERIOD.sub("", s).rstrip()
    s = _BARE_FRAC.sub(lambda m: "\\frac{" + m.group(1) + "}{" + m.group(2) + "}", s)
    s = _BARE_SQRT.sub(lambda m: "\\sqrt{" + m.group(1) + "}", s)
    s = _OPERATOR_SPACES.sub(lambda m: m.group(1), s)
    s = _SPACE_BEFORE_COMMAND.sub("", s)
    s = _SINGLE_BRACED_SCRIPT.sub(lambda m: m.group(1) + m.group(2), s)
    return s
