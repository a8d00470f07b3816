"""The plan's behaviour stages: rule-tagged behaviours, LLM-judge labels (``--judge``)
and the behaviours table."""

from __future__ import annotations

from typing import Any

import pandas as pd

from traceanalysis.behaviors.judge import judge_behaviors
from traceanalysis.behaviors.judge_setup import judge_identity
from traceanalysis.behaviors.judge_types import JudgeConfig
from traceanalysis.behaviors.tables import behaviors_table
from traceanalysis.behaviors.tagger import tag_behaviors
from traceanalysis.engine.registry import stage, table


@stage(
    "behaviors",
    "1",
    reads=("response",),
    adds=("behavior_*_count", "behavior_*_present", "behavior_spans"),
)
def behavior_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rule-tagged cognitive behaviours per sentence: counts, presence and spans."""
    return tag_behaviors(df)


def judge_complete(meta: dict[str, Any] | None) -> bool:
    """True when a judge run left no label missing (none failed, none over ``max_calls``)."""
    meta = meta or {}
    return not meta.get("n_failed") and not meta.get("n_capped")


def judge_note(meta: dict[str, Any]) -> str | None:
    """The report's sentence about failed or missing judge labels (None when all came)."""
    failed, capped = int(meta.get("n_failed") or 0), int(meta.get("n_capped") or 0)
    if not failed and not capped:
        return None
    total = int(meta.get("n_labels") or 0)
    parts = []
    if failed:
        errors = list(meta.get("errors") or [])
        why = f" (most common: {errors[0]})" if errors else ""
        parts.append(f"{failed:,} of {total:,} judge labels failed{why}")
    if capped:
        parts.append(f"{capped:,} of {total:,} were not asked (--judge-max-calls)")
    return (
        "; ".join(parts) + ". Those labels are missing (null) from the judge columns and "
        "shares; rerun the report to ask for them again (the labels that came are cached)."
    )


def judge_config(options: dict[str, Any]) -> JudgeConfig:
    """The judge stage's :class:`JudgeConfig` from the plan's options."""
    return JudgeConfig(
        judge=str(options["judge"]), cache_path=options.get("cache"),
        **dict(options.get("judge_options") or {}),
    )  # fmt: skip


def _judge_key(options: dict[str, Any]) -> dict[str, Any]:
    # the judge's identity (endpoint or model fingerprint, prompt, answer rules, parameters,
    # behaviours, sample), not the spec string alone; the strata (run x correct) of a
    # sample follow from the grade stage, a dependency
    return judge_identity(judge_config(options))


def _judge_meta(partials: list[dict[str, Any]]) -> dict[str, Any]:
    return dict(partials[0]) if partials else {}


@stage(
    "judge",
    "1",
    reads=("run", "correct", "response"),
    adds=("judge_*",),
    options=("judge", "judge_options"),
    runtime=("cache", "quiet"),
    key=_judge_key,
    combine=_judge_meta,
    keep=judge_complete,  # labels that failed are asked again next time
    executor="own",  # HTTP calls or a local model, with its own concurrency
    batch_rows=0,  # the sample is stratified over the whole table
)
def judge_rows(
    df: pd.DataFrame, *, judge: str, judge_options: dict[str, Any], cache: str | None = None,
    quiet: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:  # fmt: skip
    """LLM-judge labels for every (sampled) response and behaviour (cached per call)."""
    config = judge_config({"judge": judge, "judge_options": judge_options, "cache": cache})
    out = judge_behaviors(df, config, progress=not quiet)
    return out, dict(out.attrs.get("judge", {}))


@table("behaviors_table", reads=("behavior_*", "judge_*"))
def behaviors(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The ``behaviors`` table: each behaviour's share per run (rules; judge and agreement
    where judge labels exist)."""
    if not any(str(c).startswith("behavior_") for c in df.columns):
        return {}
    return {"behaviors": behaviors_table(df)}
