"""What a worker process does with one grading job: parse with math-verify, then verify.

Runs inside worker processes only (math-verify's own timeouts use ``SIGALRM``, which fails
outside a main thread). Its internal timeouts are switched off and replaced by one
per-item budget of *CPU* seconds (``ITIMER_PROF``), so a busy machine gives the same
verdicts as an idle one. Overrunning it raises :class:`Deadline` — a ``BaseException`` so
that math-verify's ``except Exception`` handlers cannot swallow it. The parent process
still kills a worker that ignores the signal (a long C-level computation), see
:mod:`traceanalysis.grading.pool`.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify
from sympy import FiniteSet

GRADER_VERSION = f"1+math-verify-{version('math-verify')}"

_BOXED_ONLY = [LatexExtractionConfig(boxed_match_priority=0)]
_PLAIN_TEXT = [LatexExtractionConfig(), ExprExtractionConfig()]

# math-verify warns once that its own timeout is off; ours replaces it.
logging.getLogger("math_verify").setLevel(logging.ERROR)


class Deadline(BaseException):
    """Raised inside a worker when an item has used up its CPU budget."""


@dataclass(frozen=True)
class Job:
    """One unique thing to grade: a boxed answer, or a final text to extract an answer from."""

    key: str
    answer: str | None  # the extracted \boxed{} content, when there was a box
    text: str | None  # the final part of the response, when there was no box
    gold: str | None
    strict_sets: bool


@dataclass(frozen=True)
class Outcome:
    """The verdict for one job: the answer it found, its grade status and correctness."""

    key: str
    extracted: str | None
    status: str
    correct: bool | None


@lru_cache(maxsize=512)  # jobs arrive grouped by problem: one gold parse serves many answers
def _parse_gold(gold: str) -> tuple[object, ...]:
    wrapped = gold if "\\boxed" in gold else "\\boxed{" + gold + "}"
    parsed = parse(wrapped, extraction_config=_PLAIN_TEXT, parsing_timeout=None)
    return tuple(parsed or parse(gold, extraction_config=_PLAIN_TEXT, parsing_timeout=None))


def _gold_candidates(parsed_gold: tuple[object, ...], strict_sets: bool) -> list[object]:
    """Without strict sets, each element of a "find all" gold set also counts as a match."""
    if strict_sets:
        return list(parsed_gold)
    extra = [
        element
        for g in parsed_gold
        if isinstance(g, FiniteSet) and len(g.args) >= 2
        for element in g.args
    ]
    return list(parsed_gold) + extra


def _extract_from_text(text: str) -> tuple[list[object], str | None]:
    parsed = parse(text, extraction_config=_PLAIN_TEXT, parsing_timeout=None)
    if not parsed:
        return [], None
    strings = [p for p in parsed if isinstance(p, str)]
    return parsed, (strings[0] if strings else str(parsed[0]))


def grade_job(job: Job) -> Outcome:
    """Grade one job (no deadline here: :func:`grade_with_deadline` adds it)."""
    if job.answer is not None:
        extracted: str | None = job.answer
        pred = parse(
            "\\boxed{" + job.answer + "}", extraction_config=_BOXED_ONLY, parsing_timeout=None
        )
        if not pred:
            return Outcome(job.key, extracted, "parse_error", False if job.gold else None)
    else:
        pred, extracted = _extract_from_text(job.text or "")
        if not pred:
            return Outcome(
                job.key, None, "no_answer" if job.gold else "ungraded", False if job.gold else None
            )
    if job.gold is None:
        return Outcome(job.key, extracted, "ungraded", None)
    gold = _parse_gold(job.gold)
    if not gold:
        return Outcome(job.key, extracted, "parse_error", None)
    candidates = _gold_candidates(gold, job.strict_sets)
    ok = verify(candidates, pred, timeout_seconds=None)
    return Outcome(job.key, extracted, "ok", bool(ok))


# Answers in the shapes graders meet most. Parsing them once in the forkserver fills the
# LaTeX parser's (antlr4) shared DFA cache, which every forked worker then inherits:
# without it each worker pays the slow ATN simulation again for its first few hundred items.
_WARM_UP_ANSWERS = (
    "-3",
    "0.25",
    "12\\%",
    "\\frac{3}{4}",
    "2\\sqrt{3}",
    "\\frac{\\sqrt{5}-1}{2}",
    "3x^2-4x+7",
    "2^{10}",
    "\\frac{\\pi}{4}",
    "\\sin x",
    "(-\\infty,3]",
    "\\{1,2,3\\}",
    "(3,-4)",
    "x=5",
    "x\\le 4",
    "3\\pm\\sqrt{2}",
    "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}",
    "\\text{(B)}",
    "10\\text{ cm}",
    "\\infty",
    "2+3i",
)


def warm_up() -> None:
    """Parse and compare typical answers once (in the forkserver, for every worker)."""
    for answer in _WARM_UP_ANSWERS:
        grade_job(Job("warm-up", answer, None, "1", False))
    grade_job(Job("warm-up", None, "The final answer is $1$.", "1", False))


def _on_alarm(signum: int, frame: object) -> None:
    raise Deadline()


def grade_with_deadline(job: Job, timeout: float) -> Outcome:
    """Grade ``job`` within ``timeout`` CPU seconds; overrunning gives status ``timeout``."""
    previous = signal.signal(signal.SIGPROF, _on_alarm)
    signal.setitimer(signal.ITIMER_PROF, timeout)
    try:
        return grade_job(job)
    except Deadline:
        return Outcome(job.key, job.answer, "timeout", None)
    except Exception:  # recorded: a crash inside sympy is an unverified item
        return Outcome(job.key, job.answer, "parse_error", None)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def worker_main(conn: object, timeout: float) -> None:
    """Worker loop: receive a :class:`Job`, send back its :class:`Outcome`; None ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    while True:
        try:
            job = conn.recv()  # type: ignore[attr-defined]
        except (EOFError, OSError):  # the parent went away
            return
        if job is None:  # done: report this worker's CPU seconds, then exit
            conn.send(("cpu", time.process_time()))  # type: ignore[attr-defined]
            return
        try:
            outcome = grade_with_deadline(job, timeout)
        except Deadline:  # the signal came between the verdict and its cancellation
            outcome = Outcome(job.key, job.answer, "timeout", None)
        conn.send(outcome)  # type: ignore[attr-defined]
