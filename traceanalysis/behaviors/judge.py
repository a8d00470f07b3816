"""The LLM judge: plan, sample, call (or read from cache) and attach labels.

One label = one (response, behaviour) pair = one call with the behaviour's prompt.
Identical responses share a label. Per row the result is ``judge_B_present`` (boolean),
``judge_B_count`` (Int64) — both <NA> unless that label's status is ``ok`` — plus
``judge_status`` and ``judge_id``. ``judge_status`` is ``ok`` (every behaviour labelled),
``failed`` (some label failed: no answer after all attempts, or an answer that is not a
valid label, see :mod:`~traceanalysis.behaviors.judge_answer`), ``partial`` (some labels
missing because ``max_calls`` stopped the run) or ``not_judged`` (row outside the
sample, or no label at all). Only ``ok`` labels are cached; failed ones are asked again
on the next run.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from tqdm import tqdm

from traceanalysis.behaviors.definitions import Behavior
from traceanalysis.behaviors.judge_cache import CachedLabel, JudgeCache
from traceanalysis.behaviors.judge_setup import (
    chosen_behaviors,
    label_key_base,
    make_backend,
    shown_hash,
)
from traceanalysis.behaviors.judge_types import JudgeConfig, JudgeRequest, JudgeResult
from traceanalysis.behaviors.prompts import load_prompt
from traceanalysis.cache import content_hash
from traceanalysis.errors import InputError

CHARS_PER_TOKEN = 4.0  # OpenAI's rule of thumb for English text; used only for --dry-run


@dataclass(frozen=True)
class JudgePlan:
    """What a judge run needs: labels, how many are cached, calls to make, tokens (approx.)."""

    judge_id: str
    n_responses: int
    n_selected: int
    n_labels: int
    n_cached: int
    n_calls: int
    n_capped: int
    approx_prompt_tokens: int
    max_output_tokens: int


def stratified_sample(df: pd.DataFrame, n: int, seed: int) -> np.ndarray:
    """Positions of ``n`` rows drawn without replacement, proportionally per stratum.

    Strata are ``run`` x ``correct`` where those columns exist; each stratum gets its
    largest-remainder share of ``n``. Seeded: the same inputs give the same rows.
    """
    if n >= len(df):
        return np.arange(len(df))
    keys = [c for c in ("run", "correct") if c in df.columns]
    strata = (
        df[keys].astype("string").fillna("<NA>").agg("|".join, axis=1)
        if keys
        else pd.Series("all", index=df.index)
    )
    groups = {k: np.flatnonzero((strata == k).to_numpy()) for k in sorted(strata.unique())}
    exact = {k: n * len(v) / len(df) for k, v in groups.items()}
    take = {k: int(np.floor(x)) for k, x in exact.items()}
    by_remainder = sorted(groups, key=lambda k: (-(exact[k] - take[k]), k))
    for k in by_remainder[: n - sum(take.values())]:
        take[k] += 1
    rng = np.random.default_rng(seed)
    picked = [rng.choice(groups[k], size=take[k], replace=False) for k in sorted(groups)]
    return np.sort(np.concatenate(picked)) if picked else np.arange(0)


class _Session:
    """The pieces of one judge run: config, behaviours, prompt, backend, keys."""

    def __init__(self, df: pd.DataFrame, config: JudgeConfig):
        if config.column not in df.columns:
            raise InputError(f"judge: the samples table has no column {config.column!r}")
        self.config = config
        self.prompt = load_prompt(config.prompt)
        self.behaviors: tuple[Behavior, ...] = chosen_behaviors(config)
        self.backend = make_backend(config, self.prompt)
        self.judge_id: str = self.backend.judge_id
        self.texts = ["" if pd.isna(t) else str(t) for t in df[config.column].tolist()]
        positions = (
            stratified_sample(df, config.sample, config.sample_seed)
            if config.sample is not None
            else np.arange(len(df))
        )
        self.selected = [int(p) for p in positions]
        base = label_key_base(self.judge_id, self.prompt, config)
        self.response_hash = {p: content_hash(self.texts[p]) for p in self.selected}
        shown = {b.name: shown_hash(b) for b in self.behaviors}
        self.keys = {
            (p, b.name): content_hash(base, b.name, shown[b.name], self.response_hash[p])
            for p in self.selected
            for b in self.behaviors
        }

    @staticmethod
    def usable(cached: dict[str, CachedLabel]) -> dict[str, CachedLabel]:
        """Cached labels to reuse: only valid ones (an older cache may hold others)."""
        return {k: v for k, v in cached.items() if v.status == "ok"}

    def missing(self, cached: dict[str, CachedLabel]) -> list[tuple[int, Behavior, str]]:
        """Uncached labels, one per distinct key, in row then behaviour order."""
        seen: set[str] = set()
        out = []
        for p in self.selected:
            for b in self.behaviors:
                key = self.keys[(p, b.name)]
                if key not in cached and key not in seen:
                    seen.add(key)
                    out.append((p, b, key))
        return out


def plan_judge(df: pd.DataFrame, config: JudgeConfig) -> JudgePlan:
    """Count labels, cached labels, calls to make and approximate prompt tokens (no calls)."""
    s = _Session(df, config)
    cache = JudgeCache(config.cache_path)
    try:
        cached = s.usable(cache.get_many(s.keys.values()))
    finally:
        cache.close()
    todo = s.missing(cached)
    capped = todo[: config.max_calls] if config.max_calls is not None else todo
    chars = sum(
        sum(len(m["content"]) for m in s.prompt.messages(b, s.texts[p], config.max_response_chars))
        for p, b, _ in capped
    )
    return JudgePlan(
        judge_id=s.judge_id,
        n_responses=len(df),
        n_selected=len(s.selected),
        n_labels=len(s.keys),
        n_cached=sum(1 for k in s.keys.values() if k in cached),
        n_calls=len(capped),
        n_capped=len(todo) - len(capped),
        approx_prompt_tokens=int(round(chars / CHARS_PER_TOKEN)),
        max_output_tokens=len(capped) * config.max_tokens,
    )


def judge_behaviors(
    df: pd.DataFrame, judge: str | JudgeConfig, *, progress: bool = False, **options: object
) -> pd.DataFrame:
    """Label every (selected) response for every behaviour with an LLM judge.

    ``judge`` is ``openai:MODEL`` / ``hf:PATH`` (``options`` are :class:`JudgeConfig`
    fields) or a ready JudgeConfig (``options`` then override its fields). Cached labels
    are reused; new ones are committed to the cache as they arrive. Adds
    ``judge_B_present``, ``judge_B_count``, ``judge_status`` and ``judge_id``;
    ``df.attrs["judge"]`` holds the judge identity and call statistics for the manifest.
    """
    if isinstance(judge, JudgeConfig):
        config = dataclasses.replace(judge, **options) if options else judge  # type: ignore[arg-type]
    else:
        config = JudgeConfig(judge=judge, **options)  # type: ignore[arg-type]
    s = _Session(df, config)
    cache = JudgeCache(config.cache_path)
    labels: dict[str, CachedLabel] = s.usable(cache.get_many(s.keys.values()))
    n_cached = len(labels)
    todo = s.missing(labels)
    capped = todo[: config.max_calls] if config.max_calls is not None else todo
    requests = [
        JudgeRequest(
            key, b.name, partial(s.prompt.messages, b, s.texts[p], config.max_response_chars)
        )
        for p, b, key in capped
    ]
    response_hash = {key: s.response_hash[p] for p, _, key in capped}
    errors: Counter[str] = Counter()
    bar = tqdm(total=len(requests), disable=not progress, desc="judge", unit="call")

    def on_result(req: JudgeRequest, res: JudgeResult) -> None:
        bar.update(1)
        a = res.answer
        label = CachedLabel(
            res.status,
            a.present if a else None,
            a.count if a else None,
            a.justification if a else res.error,
        )
        labels[req.key] = label
        if res.status != "ok":  # a failed label is never cached: the next run asks again
            errors[res.error] += 1
            return
        cache.put(
            req.key,
            judge_id=s.judge_id,
            prompt_version=s.prompt.version,
            behavior=req.behavior,
            response_hash=response_hash[req.key],
            status=res.status,
            present=label.present,
            count=label.count,
            justification=label.justification,
            raw=res.raw,
        )

    try:
        s.backend.run(requests, on_result)
    finally:
        bar.close()
        cache.close()
    out = _attach(df, s, labels)
    statuses = Counter(labels[k].status for k in s.keys.values() if k in labels)
    out.attrs["judge"] = {
        "judge_id": s.judge_id,
        **s.backend.describe(),
        "prompt_version": s.prompt.version,
        "prompt_hash": s.prompt.text_hash,
        "params": config.params(),
        "behaviors": {b.name: b.version for b in s.behaviors},
        "n_selected": len(s.selected),
        "n_labels": len(s.keys),
        "n_cached": n_cached,
        "n_calls": len(requests),
        "n_requests": s.backend.calls,
        "n_capped": len(todo) - len(capped),
        "label_status": dict(sorted(statuses.items())),
        "n_failed": statuses.get("failed", 0),
        "errors": [f"{n} x {msg}" for msg, n in errors.most_common(10)],
        "sample": config.sample,
        "sample_seed": config.sample_seed,
    }
    return out


def _attach(df: pd.DataFrame, s: _Session, labels: dict[str, CachedLabel]) -> pd.DataFrame:
    n = len(df)
    status = np.full(n, "not_judged", dtype=object)
    judged = np.zeros(n, dtype=bool)
    out = df.copy()
    per_row: dict[int, list[str]] = {p: [] for p in s.selected}
    for b in s.behaviors:
        present = pd.array([pd.NA] * n, dtype="boolean")
        count = pd.array([pd.NA] * n, dtype="Int64")
        for p in s.selected:
            label = labels.get(s.keys[(p, b.name)])
            per_row[p].append(label.status if label else "missing")
            if label is not None and label.status == "ok":
                present[p] = label.present
                count[p] = label.count
        out[f"judge_{b.name}_present"] = present
        out[f"judge_{b.name}_count"] = count
    for p, sts in per_row.items():
        judged[p] = any(x != "missing" for x in sts)
        if "failed" in sts:
            status[p] = "failed"
        elif all(x == "ok" for x in sts):
            status[p] = "ok"
        elif judged[p]:
            status[p] = "partial"
    out["judge_status"] = pd.array(status, dtype="string")
    out["judge_id"] = pd.array(np.where(judged, s.judge_id, None), dtype="string")
    return out


# Read by the report pipeline's stage cache (like a registered stage's version); bump it
# when judge_behaviors' output for the same labels changes.
JUDGE_VERSION = "2"
judge_behaviors.stage_version = JUDGE_VERSION  # type: ignore[attr-defined]
