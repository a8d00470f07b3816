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
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

from traceanalysis.grading.math_version import GRADER_VERSION as GRADER_VERSION

_BOXED_ONLY = [LatexExtractionConfig(boxed_match_priority=0)]
_PLAIN_TEXT = [LatexExtractionConfig(), ExprExtractionConfig()]

# math-verify warns once that its own timeout is off; ours replaces it.
logging.getLogger("math_verify").setLevel(logging.ERROR)


class Deadline(BaseException):
    """Raised inside a worker when an item has used up its CPU budget."""


@dataclass(frozen=True)
class Job:
    """One unique (answer, gold) pair to verify; ``gold_items`` are the gold's written
    list items (``"1331, 1728"`` -> two), used by the lenient "find all" rule."""

    key: str
    answer: str
    gold: str
    gold_items: tuple[str, ...] = ()
    strict_sets: bool = False


@dataclass(frozen=True)
class Outcome:
    """The verdict for one job: the answer it found, its grade status and correctness.

    ``verified`` is True when the status is what math-verify returned (or an honest
    timeout); a crash inside the worker is False and is never cached.
    """

    key: str
    extracted: str | None
    status: str
    correct: bool | None
    verified: bool = True


@lru_cache(maxsize=512)  # jobs arrive grouped by problem: one gold parse serves many answers
def _parse_gold(gold: str) -> tuple[object, ...]:
    wrapped = gold if "\\boxed" in gold else "\\boxed{" + gold + "}"
    parsed = parse(wrapped, extraction_config=_PLAIN_TEXT, parsing_timeout=None)
    return tuple(parsed or parse(gold, extraction_config=_PLAIN_TEXT, parsing_timeout=None))


def _gold_candidates(job: Job, parsed_gold: tuple[object, ...]) -> list[object]:
    """The gold, and without strict sets each written item of a list gold.

    Only items the gold *writes* count (``1331, 1728``): the two roots of ``\\pm 2021``
    are one item, so ``2021`` alone does not match it.
    """
    candidates = list(parsed_gold)
    if not job.strict_sets and len(job.gold_items) >= 2:
        for item in job.gold_items:
            candidates.extend(p for p in _parse_gold(item) if not isinstance(p, str))
    return candidates


def grade_job(job: Job) -> Outcome:
    """Verify one job (no deadline here: :func:`grade_with_deadline` adds it)."""
    pred = parse("\\boxed{" + job.answer + "}", extraction_config=_BOXED_ONLY, parsing_timeout=None)
    if not pred:
        return Outcome(job.key, job.answer, "parse_error", False)
    gold = _parse_gold(job.gold)
    if not gold:
        return Outcome(job.key, job.answer, "parse_error", None)
    candidates = _gold_candidates(job, gold)
    ok = verify(candidates, pred, timeout_seconds=None)
    if not ok and job.answer.endswith("\\%") and "%" not in job.gold:
        # "1.5\%" for the gold 1.5: the percent sign is the unit the gold leaves out
        # (math-verify itself accepts "28\%" for 28, not "1.5\%" for 1.5)
        bare = parse(
            "\\boxed{" + job.answer[:-2] + "}", extraction_config=_BOXED_ONLY, parsing_timeout=None
        )
        ok = bool(bare) and verify(candidates, bare, timeout_seconds=None)
    return Outcome(job.key, job.answer, "ok", bool(ok))


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
        grade_job(Job("warm-up", answer, "1"))
    grade_job(Job("warm-up", "3", "1, 2", ("1", "2")))


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
    except Exception:  # noqa: BLE001 - sympy raises anything; unverified, never cached
        return Outcome(job.key, job.answer, "parse_error", None, verified=False)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def worker_main(conn: object, timeout: float) -> None:
    """Worker loop: receive a :class:`Job`, send back its :class:`Outcome`; None ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    # A 5,000-digit answer is an answer: the per-item deadline bounds what it costs here.
    sys.set_int_max_str_digits(0)
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


def worker_entry(target: Callable[[object, float], None], conn: object, timeout: float) -> None:
    """What a worker process runs: say it is ready (the parent waits for that), then loop."""
    conn.send(("ready", os.getpid()))  # type: ignore[attr-defined]
    target(conn, timeout)
