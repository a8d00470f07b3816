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
from traceanalysis.grading.extract import final_part, last_boxed, normalize_answer
from traceanalysis.grading.fastpath import fast_verdict
from traceanalysis.grading.pool import VerifierPool
from traceanalysis.grading.verifier import GRADER_VERSION, Job, Outcome


@dataclass
class _RowPlan:
    """How one row gets its verdict: a fixed status, or the key of a job."""

    extracted: str | None
    status: str | None = None
    correct: bool | None = None
    key: str | None = None


def _clean(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value)
    return text if text.strip() else None


class _Planner:
    """Turns rows into plans and unique jobs; answers repeat, so each (box, gold) is done once."""

    def __init__(self, strict_sets: bool):
        self.strict_sets = strict_sets
        self.options = {"strict_sets": strict_sets}
        self.jobs: dict[str, Job] = {}
        self._boxed: dict[tuple[str, str], _RowPlan] = {}

    def plan(self, response: str, gold: str | None, truncated: bool) -> _RowPlan:
        """The plan for one row (see the status table in docs/grading.md)."""
        final, unclosed = final_part(response)
        boxed = last_boxed(final) if final else None
        if gold is None:
            if boxed is not None or unclosed or truncated or not final.strip():
                return _RowPlan(boxed, "ungraded", None)
            return self._text_job(final.strip(), None)  # extraction only
        if truncated or unclosed:
            return _RowPlan(boxed, "truncated", False)
        if boxed is not None:
            memo = self._boxed.get((boxed, gold))
            if memo is None:
                memo = self._boxed[(boxed, gold)] = self._box_job(boxed, gold.strip())
            return memo
        if not final.strip():
            return _RowPlan(None, "no_answer", False)
        return self._text_job(final.strip(), gold.strip())

    def _box_job(self, boxed: str, gold: str) -> _RowPlan:
        norm = normalize_answer(boxed)
        if not norm:
            return _RowPlan(boxed, "no_answer", False)
        gold_norm = normalize_answer(gold)
        if norm == gold_norm:  # math-verify's string comparison says yes
            return _RowPlan(boxed, "ok", True)
        verdict = fast_verdict(norm, gold_norm)
        if verdict is not None:  # both plain rationals: exact comparison
            return _RowPlan(boxed, "ok", verdict)
        key = content_hash("box", norm, gold, GRADER_VERSION, self.options)
        self.jobs.setdefault(key, Job(key, norm, None, gold, self.strict_sets))
        return _RowPlan(boxed, key=key)

    def _text_job(self, final: str, gold: str | None) -> _RowPlan:
        key = content_hash("text", final, gold, GRADER_VERSION, self.options)
        self.jobs.setdefault(key, Job(key, None, final, gold, self.strict_sets))
        return _RowPlan(None, key=key)


def _truncated_flags(df: pd.DataFrame) -> list[bool]:
    flags = pd.Series(False, index=df.index)
    if "finish_reason" in df.columns:
        flags |= df["finish_reason"].astype("string").str.lower().eq("length").fillna(False)
    if "truncated" in df.columns:
        flags |= df["truncated"].astype("boolean").fillna(False)
    return flags.astype(bool).tolist()


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
    """
    if "response" not in df.columns:
        raise KeyError("grade needs a 'response' column")
    planner = _Planner(strict_sets)
    golds = df["gold"].tolist() if "gold" in df.columns else [None] * len(df)
    plans = [
        planner.plan(str(resp) if _clean(resp) else "", _clean(gold), trunc)
        for resp, gold, trunc in zip(
            df["response"].tolist(), golds, _truncated_flags(df), strict=True
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
    out.attrs["grading"] = {
        "grader_version": GRADER_VERSION,
        "strict_sets": strict_sets,
        "timeout_s": timeout,
        "cache": str(cache_path or default_cache_path()),
        "n_responses": len(df),
        "n_unique": len(jobs),
        "n_cached": hits,
        "n_verified": len(todo),
        "n_timeout": sum(outcomes[k].status == "timeout" for k in jobs),
        "n_killed": stats.killed if stats else 0,
        "worker_cpu_s": round(stats.worker_cpu_s, 3) if stats else 0.0,
    }
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
