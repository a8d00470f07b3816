"""The math grader: extract each response's answer and verify it against the gold.

Work is done once per unique (normalised answer, gold) pair — answers repeat a lot across
samples — and once ever per pair thanks to the SQLite cache. Only pairs missing from the
cache go to the worker processes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from traceanalysis.cache import content_hash, default_cache_path
from traceanalysis.grading.cache_store import GradeCache
from traceanalysis.grading.extract import final_part, normalize_answer, written_items
from traceanalysis.grading.fastpath import fast_verdict
from traceanalysis.grading.final_answer import extract_final_answer
from traceanalysis.grading.math_version import GRADER_VERSION
from traceanalysis.grading.pool import VerifierPool
from traceanalysis.grading.registry import grader, grading_attrs
from traceanalysis.grading.rows import clean, truncated_flags
from traceanalysis.grading.verifier import Job, Outcome

_UNSEEN = object()


@dataclass
class _RowPlan:
    """How one row gets its verdict: a fixed status, or the key of a job."""

    extracted: str | None
    status: str | None = None
    correct: bool | None = None
    key: str | None = None


class _Planner:
    """Turns rows into plans and unique jobs; answers repeat, so each (answer, gold) is done once."""

    def __init__(self, strict_sets: bool):
        self.strict_sets = strict_sets
        self.options = {"strict_sets": strict_sets}
        self.jobs: dict[str, Job] = {}
        self._memo: dict[tuple[str, str], _RowPlan] = {}
        self._golds: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._answers: dict[str, str | None] = {}

    def plan(self, response: str, gold: str | None, truncated: bool) -> _RowPlan:
        """The plan for one row (see the status table in docs/grading.md)."""
        final, unclosed = final_part(response)
        answer = self._answers.get(final, _UNSEEN)
        if answer is _UNSEEN:  # identical final texts (short answers) repeat across samples
            answer = self._answers[final] = (
                extract_final_answer(final).answer if final.strip() else None
            )
        if gold is None:
            return _RowPlan(answer, "ungraded", None)
        if truncated or unclosed:
            return _RowPlan(answer, "truncated", False)
        if answer is None:
            return _RowPlan(None, "no_answer", False)
        memo = self._memo.get((answer, gold))
        if memo is None:
            memo = self._memo[(answer, gold)] = self._answer_job(answer, gold.strip())
        return memo

    def _gold(self, gold: str) -> tuple[str, tuple[str, ...]]:
        known = self._golds.get(gold)
        if known is None:
            known = self._golds[gold] = (normalize_answer(gold), written_items(gold))
        return known

    def _answer_job(self, answer: str, gold: str) -> _RowPlan:
        norm = normalize_answer(answer)
        if not norm:
            return _RowPlan(answer, "no_answer", False)
        gold_norm, gold_items = self._gold(gold)
        if norm == gold_norm:  # math-verify's string comparison says yes
            return _RowPlan(answer, "ok", True)
        verdict = fast_verdict(norm, gold_norm)
        if verdict is not None:  # both plain rationals: exact comparison
            return _RowPlan(answer, "ok", verdict)
        key = content_hash("answer", norm, gold, GRADER_VERSION, self.options)
        self.jobs.setdefault(key, Job(key, norm, gold, gold_items, self.strict_sets))
        return _RowPlan(answer, key=key)


@grader("math", version=GRADER_VERSION)
def grade_math(
    df: pd.DataFrame,
    *,
    workers: int | None = None,
    timeout: float = 5.0,
    strict_sets: bool = False,
    cache_path: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Grade every row with math-verify: add ``extracted``, ``correct``, ``grade_status``.

    ``workers`` processes (default: CPU count) run math-verify with a budget of ``timeout``
    CPU seconds per unique (answer, gold) pair; ``strict_sets`` requires the whole set for
    "find all" answers. Verdicts are cached in the SQLite file ``cache_path`` (default
    :func:`traceanalysis.cache.default_cache_path`). ``out.attrs["grading"]`` reports counts:
    responses, unique pairs, cache hits, newly verified, timeouts, killed workers.

    The answer is the last box (boxes of one sentence combined) or a later explicit answer
    statement; see docs/grading.md. Works from scripts, ``python -``, ``python -c`` and
    notebooks. Raises :class:`~traceanalysis.errors.GradingWorkerError` when a worker
    process cannot start or dies twice on one answer (verdicts finished before are kept in
    the cache; nothing else is recorded). This signature is what the grader registry
    (``grade(df, grader="math")``) calls; options are only ever added, as keywords.
    """
    if "response" not in df.columns:
        raise KeyError("grade needs a 'response' column")
    planner = _Planner(strict_sets)
    golds = df["gold"].tolist() if "gold" in df.columns else [None] * len(df)
    plans = [
        planner.plan(str(resp) if clean(resp) else "", clean(gold), trunc)
        for resp, gold, trunc in zip(
            df["response"].tolist(), golds, truncated_flags(df), strict=True
        )
    ]
    jobs = planner.jobs
    cache = GradeCache(cache_path)
    try:
        outcomes = cache.lookup(jobs, timeout)
        hits = len(outcomes)
        todo = [job for key, job in jobs.items() if key not in outcomes]
        stats = None
        if todo:
            n_workers = workers if workers is not None else (os.cpu_count() or 1)
            pool = VerifierPool(min(n_workers, len(todo)), timeout)
            bar = _progress_bar(len(todo), progress)

            def record(outcome: Outcome) -> None:
                outcomes[outcome.key] = outcome
                cache.add(outcome, timeout)
                bar.update(1)

            stats = pool.run(todo, record)
            bar.close()
    finally:
        cache.close()
    out = _assemble(df, plans, outcomes)
    out.attrs["grading"] = grading_attrs(
        "math",
        GRADER_VERSION,
        strict_sets=strict_sets,
        timeout_s=timeout,
        cache=str(cache_path or default_cache_path()),
        n_responses=len(df),
        n_unique=len(jobs),
        n_cached=hits,
        n_verified=len(todo),
        n_timeout=sum(outcomes[k].status == "timeout" for k in jobs),
        n_killed=stats.killed if stats else 0,
        worker_cpu_s=round(stats.worker_cpu_s, 3) if stats else 0.0,
    )
    return out


def _progress_bar(total: int, enabled: bool):  # noqa: ANN202 - tqdm type
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, desc="grading", unit="answer")


def _assemble(
    df: pd.DataFrame, plans: list[_RowPlan], outcomes: dict[str, Outcome]
) -> pd.DataFrame:
    extracted: list[str | None] = []
    status: list[str] = []
    correct: list[bool | None] = []
    for plan in plans:
        if plan.key is None:
            extracted.append(plan.extracted)
            status.append(plan.status or "ungraded")
            correct.append(plan.correct)
            continue
        outcome = outcomes[plan.key]
        extracted.append(plan.extracted if plan.extracted is not None else outcome.extracted)
        status.append(outcome.status)
        correct.append(outcome.correct)
    out = df.copy()
    out["extracted"] = pd.array(extracted, dtype="string")
    out["correct"] = pd.array(correct, dtype="boolean")
    out["grade_status"] = pd.array(status, dtype="string")
    return out
