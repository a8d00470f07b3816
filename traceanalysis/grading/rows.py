"""What the text, choice and source graders share: reading rows, the fixed statuses, output.

Every grader takes the same decisions before looking at an answer (the order of the
status table in docs/grading.md): no gold -> ``ungraded`` (the answer is still
extracted); cut off (``finish_reason == "length"``, ``truncated``, or ``<think>`` never
closed) -> ``truncated``; nothing after the reasoning -> ``no_answer``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from traceanalysis.grading.extract import final_part


@dataclass(frozen=True)
class Verdict:
    """One row's grade: the answer taken, the verdict, the status."""

    extracted: str | None
    correct: bool | None
    status: str


def clean(value: object) -> str | None:
    """``value`` as text, or None when missing or blank."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value)
    return text if text.strip() else None


def truncated_flags(df: pd.DataFrame) -> list[bool]:
    """Per row: ``finish_reason == "length"`` or ``truncated`` is true."""
    flags = pd.Series(False, index=df.index)
    if "finish_reason" in df.columns:
        flags |= df["finish_reason"].astype("string").str.lower().eq("length").fillna(False)
    if "truncated" in df.columns:
        flags |= df["truncated"].astype("boolean").fillna(False)
    return flags.astype(bool).tolist()


def column(df: pd.DataFrame, name: str) -> list[object]:
    """The column's values, or None for every row when the table lacks it."""
    return df[name].tolist() if name in df.columns else [None] * len(df)


# judge(final text, gold or None, row context) -> the row's verdict
Judge = Callable[[str, str | None, object], Verdict]


def grade_rows(df: pd.DataFrame, judge: Judge, contexts: list[object]) -> tuple[list[Verdict], int]:
    """Apply the fixed statuses, then ``judge`` on each remaining row's final part.

    ``judge`` gives ``ok``, ``no_answer`` or ``parse_error`` verdicts; it also runs on rows
    without a gold (their ``extracted`` is kept, the status is ``ungraded``) and on cut-off
    rows (``truncated``, incorrect). Returns the verdicts and the number of distinct
    (final part, gold, context) judged.
    """
    memo: dict[tuple[str, str | None, object], Verdict] = {}
    verdicts: list[Verdict] = []
    rows = zip(
        column(df, "response"), column(df, "gold"), truncated_flags(df), contexts, strict=True
    )
    for response, gold_value, truncated, context in rows:
        gold = clean(gold_value)
        text = clean(response) or ""
        final, unclosed = final_part(text)
        final = final.strip()
        if final:
            key = (final, gold.strip() if gold else None, context)
            if key not in memo:
                memo[key] = judge(final, key[1], context)
            found = memo[key]
        else:
            found = Verdict(None, False, "no_answer")
        if gold is None:
            verdicts.append(Verdict(found.extracted, None, "ungraded"))
        elif truncated or unclosed:
            verdicts.append(Verdict(found.extracted, False, "truncated"))
        else:
            verdicts.append(found)
    return verdicts, len(memo)


def with_verdicts(df: pd.DataFrame, verdicts: list[Verdict]) -> pd.DataFrame:
    """``df`` plus ``extracted``, ``correct`` and ``grade_status`` from ``verdicts``."""
    out = df.copy()
    out["extracted"] = pd.array([v.extracted for v in verdicts], dtype="string")
    out["correct"] = pd.array([v.correct for v in verdicts], dtype="boolean")
    out["grade_status"] = pd.array([v.status for v in verdicts], dtype="string")
    return out
