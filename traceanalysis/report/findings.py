"""Measured statements, in plain words, for each section of the report.

Every sentence quotes numbers read from the aggregate tables; nothing is asserted that a
table does not show. Which runs are compared follows :func:`comparison_pairs`: with base,
RL and distilled runs present, the seed papers' comparisons lead (RL vs base, distilled
vs RL); with any other mix, each run is compared with the reference run.
"""

from __future__ import annotations

import pandas as pd

from traceanalysis.audit import AUDIT_FDR, AUDIT_MIN_PROBLEMS
from traceanalysis.flexible import flexible_findings
from traceanalysis.metrics.order import comparison_pairs, in_role_order
from traceanalysis.metrics.ragged import ragged_sentences
from traceanalysis.report import data_quality as dq
from traceanalysis.report.dynamics_view import dynamics_findings
from traceanalysis.report.findings_accuracy import accuracy_findings
from traceanalysis.report.findings_difficulty import (  # noqa: F401 (re-exported)
    _reference_n,
    bin_change_sentence,
    difficulty_findings,
)
from traceanalysis.report.findings_language import behavior_findings, language_findings
from traceanalysis.schema import RunInfo
from traceanalysis.score.findings import score_findings


def data_findings(samples: pd.DataFrame, runs: list[RunInfo], n_rejected: int) -> list[str]:
    """Counts of responses, problems and samples per problem; guessed roles; rejections."""
    out = [
        f"{len(samples):,} responses from {len(runs)} run(s) on "
        f"{samples['problem_id'].nunique():,} problems."
    ]
    slim = samples[["run", "problem_id"]]
    for r in runs:
        part = slim[slim["run"] == r.name]
        per = part.groupby("problem_id").size()
        spp = (
            f"{int(per.min())}" if per.min() == per.max() else f"{int(per.min())}-{int(per.max())}"
        )
        guessed = " (role guessed from the name)" if r.role_guessed else ""
        out.append(f"{r.name}: role {r.role}{guessed}, {len(part):,} responses, {spp} per problem.")
    if "grade_status" in samples.columns:
        ungraded = samples.groupby("run")["correct"].apply(lambda s: s.isna().all())
        for run in ungraded[ungraded].index:
            out.append(f"{run} could not be graded (no gold answers): it has no accuracy figures.")
    out.append(
        f"{n_rejected:,} input row(s) rejected (listed below)."
        if n_rejected
        else "No input row was rejected."
    )
    present = {r.name for r in runs}
    for name, info in dict(samples.attrs.get("runs") or {}).items():
        if str(name) not in present:
            files = ", ".join(getattr(info, "files", None) or []) or "no files"
            out.append(f"{name}: no response was read from its files ({files}); it is in no table.")
    skipped = dq.skipped_files(samples.attrs)
    if skipped:
        out.append(f"{len(skipped):,} file(s) were not read (listed below with the reason).")
    issues = dq.label_issues(samples.attrs)
    if issues:
        out.append(
            f"{len(issues):,} label(s) could not be read and became null; their responses "
            "are kept (counted below by run and reason)."
        )
    match = dq.match_sentence(samples.attrs.get("problem_match"), len(runs))
    if match:
        out.append(match)
    if "correct" in samples.columns:
        out.extend(ragged_sentences(samples))  # ragged n, unverified samples
    return out


def audit_findings(audit: pd.DataFrame) -> list[str]:
    """How many tests the audit ran and at what FDR, then the verdict of the main features
    per run (length, reflection keywords) and any feature that predicts correctness."""
    if audit is None or audit.empty:
        return ["No audit (no graded responses or no features)."]
    lead = []
    if {"p_value", "q_value"} <= set(audit.columns):
        tested = int(audit["p_value"].notna().sum())
        kinds = ("predicts", "no evidence", "inconclusive", "cannot tell")
        counts = {k: int(audit["verdict"].str.startswith(k).sum()) for k in kinds}
        words = {"predicts": "predict correctness", "no evidence": "show no evidence of it",
                 "inconclusive": "are inconclusive", "cannot tell": "cannot tell"}  # fmt: skip
        tally = ", ".join(f"{counts[k]} {words[k]}" for k in kinds if counts[k] or k == kinds[0])
        lead.append(
            f"The audit ran {tested} tests (within-problem permutation test of the "
            f"within-problem AUROC, one per feature x run x bin with at least "
            f"{AUDIT_MIN_PROBLEMS} informative problems), with q-values by "
            f"Benjamini-Hochberg over all {tested} at a false discovery rate of "
            f"{AUDIT_FDR:.0%}. Of its {len(audit)} rows, {tally}."
        )
    overall = audit[audit["bin"] == "all"]
    main = overall[overall["feature"].isin(["n_tokens", "n_chars", "reflection_kim2025_count"])]
    other = overall[~overall.index.isin(main.index) & overall["verdict"].str.startswith("predicts")]
    return lead + [
        f"{r.label}, {r.run}: {r.verdict}." for r in pd.concat([main, other]).itertuples()
    ]


def build_findings(
    tables: dict[str, pd.DataFrame],
    samples: pd.DataFrame,
    runs: list[RunInfo],
    reference: str | None,
    *,
    n_rejected: int = 0,
) -> dict[str, list[str]]:
    """Section key -> measured statements, for every section of :data:`SECTIONS`."""
    pairs = comparison_pairs(runs, reference)
    roles = {r.name: r.role for r in runs}
    tables = {k: in_role_order(v, [r.name for r in runs]) for k, v in tables.items()}
    lead = []
    if pairs:
        lead = ["Comparisons: " + "; ".join(f"{a} vs {b}" for a, b in pairs) + "."]
    return {
        "data": data_findings(samples, runs, n_rejected),
        "accuracy": lead + accuracy_findings(tables.get("accuracy"), pairs, tables),
        "difficulty": difficulty_findings(
            tables.get("difficulty"), pairs, reference, _reference_n(samples, reference)
        ),
        "language": language_findings(tables.get("lexical"), pairs, samples),
        "behaviors": behavior_findings(tables.get("behaviors"), pairs, samples),
        "flexible": flexible_findings(
            samples, tables.get("flexible", pd.DataFrame()), pairs, roles
        ),
        "audit": audit_findings(tables.get("audit")),
        "dynamics": dynamics_findings(tables),
        "score": score_findings(tables.get("nll"), tables.get("nll_novel")),
    }
