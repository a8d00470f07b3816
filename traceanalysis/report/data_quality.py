"""What the report says about its inputs and its grading, shared by the HTML and Markdown.

- files not read (``attrs["skipped"]``), labels that could not be read and became null
  (``attrs["label_issues"]``) and how problems were matched across runs
  (``attrs["problem_match"]``), for the data section and the manifest;
- the grading banner: per run, our accuracy and the source's own on the responses both
  label, and how many disagree, shown at the top of the report whenever any do.

Every attr may be absent (an older loader, a hand-made table): then nothing is said.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from traceanalysis.schema import Rejection

DISAGREEMENTS_TABLE = "disagreements"
AGREEMENT_TABLE = "agreement"


def skipped_files(attrs: Mapping[str, object]) -> list[tuple[str, str]]:
    """``attrs["skipped"]`` as (path, reason) pairs (tuples, lists or dicts accepted)."""
    out = []
    for entry in attrs.get("skipped") or []:  # type: ignore[union-attr]
        if isinstance(entry, Mapping):
            out.append((str(entry.get("path", "?")), str(entry.get("reason", ""))))
        elif isinstance(entry, (tuple, list)) and len(entry) == 2:
            out.append((str(entry[0]), str(entry[1])))
        else:
            out.append((str(entry), ""))
    return out


def label_issues(attrs: Mapping[str, object]) -> list[Rejection]:
    """``attrs["label_issues"]``: labels that could not be read and became null."""
    return list(attrs.get("label_issues") or [])  # type: ignore[call-overload]


def label_issue_counts(issues: Iterable[Rejection]) -> pd.DataFrame:
    """Label issues counted by run and reason, most frequent first."""
    counts = Counter((i.run or "?", i.reason) for i in issues)
    rows = [{"run": r, "reason": why, "labels": n} for (r, why), n in counts.most_common()]
    return pd.DataFrame(rows, columns=["run", "reason", "labels"])


def count_summary(issues: list[Rejection]) -> dict[str, object]:
    """Total, by run and by reason (the manifest's record of label issues)."""
    return {
        "total": len(issues),
        "by_run": dict(sorted(Counter(i.run or "?" for i in issues).items())),
        "by_reason": dict(sorted(Counter(i.reason for i in issues).items())),
    }


def match_sentence(match: Mapping[str, object] | None, n_runs: int) -> str | None:
    """How many problems matched across runs by which key, in words (None: nothing to say)."""
    if not match or n_runs < 2:
        return None
    counts = dict(match.get("counts") or {})  # type: ignore[call-overload]
    unmatched = list(match.get("unmatched") or [])  # type: ignore[call-overload]
    total = int(match.get("n_problems") or 0)  # type: ignore[call-overload]
    by = ", ".join(f"{int(n):,} by {key}" for key, n in counts.items()) or "none"
    text = f"Problems matched across runs: {by} (of {total:,} problems)"
    if unmatched:
        text += f"; {len(unmatched):,} found in one run only (listed below)"
    return text + "."


def unmatched_frame(match: Mapping[str, object] | None) -> pd.DataFrame:
    """The problems found in one run only: run, problem id, the input's own id, why."""
    rows = list((match or {}).get("unmatched") or [])  # type: ignore[call-overload]
    columns = ["run", "problem_id", "source_problem_id", "reason"]
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)


def unmatched_lines(match: Mapping[str, object] | None, n_runs: int) -> list[str]:
    """One line per problem found in one run only (the data section's list; none for a
    single run)."""
    if n_runs < 2:
        return []
    return [
        f"{r.run}: problem {r.problem_id}"
        + (
            f" (id in the file: {r.source_problem_id})"
            if r.source_problem_id not in (None, r.problem_id)
            else ""
        )  # fmt: skip
        + f": {r.reason}"
        for r in unmatched_frame(match).itertuples()
    ]


@dataclass
class BannerRow:
    """One run of the grading banner."""

    run: str
    grader: str
    accuracy_ours: float
    accuracy_source: float
    n_both: int
    n_disagree: int


def grader_label(graders: Mapping[str, Mapping[str, str]], run: str) -> str:
    """The run's grader and why (``math: ...``) from ``attrs["grading"]["graders"]``;
    "" when unknown."""
    g = graders.get(run)
    if not isinstance(g, Mapping) or not g.get("grader"):
        return ""
    return f"{g['grader']}: {g['why']}" if g.get("why") else str(g["grader"])


def banner_rows(
    agreement: pd.DataFrame | None, graders: Mapping[str, Mapping[str, str]], runs: list[str]
) -> list[BannerRow]:
    """The banner's rows (runs in display order) when any response disagrees, else []."""
    if agreement is None or agreement.empty or int(agreement["n_disagree"].sum()) == 0:
        return []
    order = {r: i for i, r in enumerate(runs)}
    table = agreement.assign(_o=agreement["run"].astype(str).map(order).fillna(len(order)))
    return [
        BannerRow(
            run=str(r.run),
            grader=grader_label(graders, str(r.run)),
            accuracy_ours=float(r.accuracy_ours),
            accuracy_source=float(r.accuracy_source),
            n_both=int(r.n_both),
            n_disagree=int(r.n_disagree),
        )
        for r in table.sort_values("_o", kind="stable").itertuples()
    ]


def context_banner_rows(ctx: Any) -> list[BannerRow]:
    """:func:`banner_rows` of a report context (its agreement table, graders and runs)."""
    return banner_rows(ctx.tables.get(AGREEMENT_TABLE), ctx.graders, [r.name for r in ctx.runs])


def banner_headline(rows: list[BannerRow]) -> str:
    """The banner's first sentence."""
    n = sum(r.n_disagree for r in rows)
    runs = sum(1 for r in rows if r.n_disagree)
    return (
        f"Our grade and the source's own scores disagree on {n:,} response"
        f"{'s' if n != 1 else ''} in {runs} run{'s' if runs != 1 else ''}: check the grader "
        "before using these accuracies."
    )


def banner_cells(row: BannerRow) -> list[str]:
    """The banner row as display cells (same order as :data:`BANNER_HEADER`): the numbers
    first, the grader's long explanation last, so a narrow screen cuts only that."""
    share = f" ({100 * row.n_disagree / row.n_both:.1f}%)" if row.n_both else ""
    return [
        row.run,
        f"{row.n_disagree:,}{share}",
        f"{100 * row.accuracy_ours:.1f}%",
        f"{100 * row.accuracy_source:.1f}%",
        f"{row.n_both:,}",
        row.grader or "–",
    ]


BANNER_HEADER = ["run", "disagree", "our accuracy", "source's accuracy", "scored by both", "grader"]
BANNER_NUMERIC = [False, True, True, True, True, False]
