"""The ``text`` grader: normalised exact match of short text answers (Yes/No, True/False, names).

Rules (docs/grading.md, "Graders"):

1. Only the final part of the response is read (after ``</think>``).
2. The answer region is the *last* of: a ``\\boxed{...}`` and an answer statement
   (``Answer: Yes``, ``the answer is no``, ``Final answer: **True**``; the text after it to
   the end of its line, or the next line when the statement ends the line). Without
   either, the last non-empty line — unless that line is not exactly a label and the
   *first* line is (``No.`` then an explanation): then the first line.
3. Normalisation, as SQuAD's and lm-eval's ``normalize_answer``: LaTeX ``\\text{...}`` and
   Markdown emphasis unwrapped, lower case, punctuation (every Unicode ``P*`` character)
   and the symbols ``* _ ` ~ | \\ ^ < > = + $`` made spaces, the articles a/an/the
   dropped, whitespace collapsed. ``"Yes."``, ``"yes"`` and ``"**YES**"`` are all ``yes``.
4. The region normalised equal to the gold: correct. Otherwise the *contains* rule: of the
   candidate labels (the gold, its partners yes/no/maybe, true/false, and every gold of
   the run when the run has at most 10 distinct golds) exactly one appears as whole words
   in the region: that label is the answer. Two or more: the label the region opens
   with as a clause of its own (``Yes, no doubt.``) unless a later clause is another label
   on its own (``No, wait, yes.``); else ``no_answer`` (ambiguous).
   None: an answer statement, a box, or a last line of at most 5 words is the answer
   (incorrect); a longer last line is ``no_answer``.
5. A gold that normalises to nothing (punctuation only) is a ``parse_error`` (``correct`` null).
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

import pandas as pd

from traceanalysis.grading.extract import last_boxed
from traceanalysis.grading.registry import grader, grading_attrs
from traceanalysis.grading.rows import Verdict, clean, column, grade_rows, with_verdicts

VERSION = "text-2"
CLOSED_SET_MAX = 10  # a run with at most this many distinct golds has a closed label set
SHORT_LAST_LINE = 5  # words: a last line this short is an answer even without a label
REGION_CHARS = 500  # an answer region is read up to this many characters
_PARTNERS = ({"yes", "no"}, {"yes", "no", "maybe"}, {"true", "false"})

_TEXT_COMMAND = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|emph)\s*\{([^{}]*)\}")
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_STATEMENT = re.compile(
    r"\b(?:final\s+answer|answer)\b(?:\s*\((?:yes|no|true|false)[^)]*\))?"
    r"(?:\s+(?:is|would\s+be|will\s+be|should\s+be)\b)?\s*[:=]?[ \t]*",
    re.IGNORECASE,
)
_LEAD = re.compile(r"\s*([^,.!;:?\n]{1,40})[,.!;:]")  # a first clause and its stop
_NEXT_LINE = re.compile(r"(?:[^\S\n]*\n)+[^\S\n]*(\S[^\n]*)")  # from a line end
_EXPLICIT = re.compile(
    r"\b(?:final\s+answer|answer)\b\s*(?:\s(?:is|would\s+be|will\s+be|should\s+be)\b|[:=])",
    re.IGNORECASE,
)


@functools.cache
def _punctuation_table() -> dict[int, str]:
    """Every Unicode punctuation character (category ``P*``, as lm-eval) -> a space."""
    return {
        i: " " for i in range(sys.maxunicode + 1) if unicodedata.category(chr(i)).startswith("P")
    }


def normalize_text(text: str) -> str:
    """SQuAD/lm-eval style normal form: unwrapped LaTeX/Markdown, lower case, no punctuation or articles."""
    s = _TEXT_COMMAND.sub(r"\1", text)
    s = s.replace("$", " ").lower().translate(_punctuation_table())
    s = re.sub(r"[*_`~|\\^<>=+]", " ", s)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def _statement_region(final: str, match: re.Match[str]) -> str:
    """The text an answer statement gives: the rest of its line, or the next non-blank line."""
    start = _STATEMENT.match(final, match.start())
    begin = start.end() if start else match.end()
    line_end = final.find("\n", begin)
    rest = final[begin : line_end if line_end != -1 else len(final)][:REGION_CHARS]
    if not normalize_text(rest) and line_end != -1:  # "Answer:\nYes"
        following = _NEXT_LINE.match(final, line_end)
        rest = following.group(1)[:REGION_CHARS] if following else ""
    return rest.strip()


def _last_statement(final: str) -> tuple[int, str] | None:
    """(position, text) of the last answer statement that gives some text, or None.

    Statements are tried from the last one back, each reading at most REGION_CHARS: linear
    in the length of ``final`` even for a response repeating "the answer is" thousands of
    times.
    """
    for match in reversed(list(_EXPLICIT.finditer(final))):
        region = _statement_region(final, match)
        if normalize_text(region):
            return match.start(), region
    return None


def answer_region(final: str) -> tuple[str, bool]:
    """``(region, explicit)``: the last box or answer statement (explicit), else the last line."""
    candidates = []
    statement = _last_statement(final)
    if statement is not None:
        candidates.append(statement)
    box = last_boxed(final)
    if box is not None and normalize_text(box):
        pos = max(final.rfind("\\boxed"), final.rfind("\\fbox"))
        candidates.append((pos, box))
    if candidates:
        return max(candidates, key=lambda c: c[0])[1], True
    lines = final.rstrip().rsplit("\n", 1)
    return lines[-1].strip()[-REGION_CHARS:], False


def _display(region: str) -> str:
    """The region as shown in ``extracted``: without surrounding emphasis, quotes, final stop."""
    shown = _TEXT_COMMAND.sub(r"\1", region).strip().strip("$*_`\"'").strip()
    return shown.rstrip(".!;,").strip() or region.strip()


def _contains(region: str, label: str) -> bool:
    return re.search(rf"(?<!\S){re.escape(label)}(?!\S)", region) is not None


def _lead_label(region: str, labels: frozenset[str]) -> str | None:
    """The label a region opens with as a clause of its own ("Yes, no doubt."), unless a
    later clause is another label on its own ("No, wait, yes."): then None."""
    lead = _LEAD.match(region)
    first = normalize_text(lead.group(1)) if lead else None
    if first not in labels:
        return None
    rest = region[lead.end() :].lower()  # type: ignore[union-attr]
    for label in labels - {first}:
        if re.search(rf"\b{re.escape(label)}\b[ \t]*(?:[,.!;:?]|$)", rest):
            return None
    return first


def _labels_for(gold: str, run_labels: frozenset[str]) -> frozenset[str]:
    labels = {gold} | set(run_labels)
    for group in _PARTNERS:
        if gold in group:
            labels |= group
    return frozenset(label for label in labels if label)


def judge_text(final: str, gold: str | None, run_labels: frozenset[str]) -> Verdict:
    """The verdict for one final part against ``gold`` (see the module docstring for the rules)."""
    region, explicit = answer_region(final)
    norm = normalize_text(region)
    gold_norm = normalize_text(gold) if gold is not None else None
    if gold_norm == "":  # a gold of punctuation only: nothing to compare with
        return Verdict(_display(region), None, "parse_error")
    labels = _labels_for(gold_norm, run_labels) if gold_norm else frozenset(run_labels)
    if not explicit and norm not in labels:  # "No.\nThe number 91 = 7 x 13 is not prime."
        first = final.lstrip().split("\n", 1)[0].strip()[:REGION_CHARS]
        if normalize_text(first) in labels:
            region, norm = first, normalize_text(first)
    if not norm:
        return Verdict(None, False, "no_answer")
    if gold_norm is not None and norm == gold_norm:
        return Verdict(_display(region), True, "ok")
    if norm in labels:
        return Verdict(_display(region), norm == gold_norm, "ok")
    found = sorted(label for label in labels if _contains(norm, label))
    # A label inside a longer one ("no" in "no way") is one mention, not two.
    found = [a for a in found if not any(a != b and _contains(b, a) for b in found)]
    if len(found) == 1:
        return Verdict(found[0], found[0] == gold_norm, "ok")
    if len(found) > 1:
        first = _lead_label(region, labels)
        if first is not None:
            return Verdict(first, first == gold_norm, "ok")
        return Verdict(None, False, "no_answer")
    if explicit or len(norm.split()) <= SHORT_LAST_LINE:
        return Verdict(_display(region), False, "ok")
    return Verdict(None, False, "no_answer")


def run_label_sets(df: pd.DataFrame) -> list[frozenset[str]]:
    """Per row: its run's normalised golds when the run has at most CLOSED_SET_MAX of them."""
    runs = [str(r) for r in column(df, "run")]
    golds = [clean(g) for g in column(df, "gold")]
    per_run: dict[str, set[str]] = {}
    for run, gold in set(zip(runs, golds, strict=True)):  # golds repeat for every sample
        if gold is not None:
            per_run.setdefault(run, set()).add(normalize_text(gold))
    closed = {
        run: frozenset(labels) if len(labels) <= CLOSED_SET_MAX else frozenset()
        for run, labels in per_run.items()
    }
    return [closed.get(run, frozenset()) for run in runs]


@grader("text", version=VERSION)
def grade_text(df: pd.DataFrame) -> pd.DataFrame:
    """Normalised exact match of short text answers, with an unambiguous-contains rule."""
    verdicts, n_unique = grade_rows(df, judge_text, run_label_sets(df))
    out = with_verdicts(df, verdicts)
    out.attrs["grading"] = grading_attrs("text", VERSION, n_responses=len(df), n_unique=n_unique)
    return out
