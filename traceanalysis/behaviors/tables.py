"""The ``behaviors`` table (run x behaviour) and the rules-vs-judge agreement table.

Agreement is Cohen's kappa (scikit-learn ``cohen_kappa_score``) between the rule tagger's
presence flag and the judge's, on the responses both labelled; kappa is NaN when it is
undefined (no responses, or both raters gave one and the same label to every response).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from traceanalysis.behaviors.definitions import BEHAVIORS
from traceanalysis.metrics.order import in_role_order, role_order


def _behaviors_in(df: pd.DataFrame) -> list[str]:
    found = [b for b in BEHAVIORS if f"behavior_{b}_present" in df.columns]
    extra = sorted(
        c[len("behavior_") : -len("_present")]
        for c in df.columns
        if c.startswith("behavior_") and c.endswith("_present")
    )
    return found + [b for b in extra if b not in found]


def kappa(rules: np.ndarray, judge: np.ndarray) -> float:
    """Cohen's kappa of two boolean label vectors; NaN when undefined."""
    if len(rules) == 0:
        return math.nan
    rules, judge = rules.astype(bool), judge.astype(bool)
    if len(set(rules.tolist()) | set(judge.tolist())) == 1:
        return math.nan  # both raters constant and equal: expected agreement is 1
    return float(cohen_kappa_score(rules, judge, labels=[False, True]))


def _paired(df: pd.DataFrame, b: str) -> tuple[np.ndarray, np.ndarray]:
    judge = df[f"judge_{b}_present"]
    mask = judge.notna().to_numpy()
    rules = df[f"behavior_{b}_present"].to_numpy(dtype=bool)[mask]
    return rules, judge[mask].to_numpy(dtype=bool)


def behaviors_table(df: pd.DataFrame) -> pd.DataFrame:
    """Long table: run, behavior, share_present, mean_count, n_responses (+ judge columns).

    With judge labels (``judge_B_present``): judge_share_present (over judged responses),
    kappa and n_both (responses labelled by both). With learned-classifier labels
    (``learned_B_present``): learned_share_present — over judge labels where they exist and
    classifier predictions elsewhere, i.e. the judge-quality estimate for the whole run.
    """
    rows = []
    for run, group in df.groupby("run", sort=True, observed=True):
        for b in _behaviors_in(df):
            row: dict[str, object] = {
                "run": run,
                "behavior": b,
                "share_present": float(group[f"behavior_{b}_present"].astype(bool).mean()),
                "mean_count": float(group[f"behavior_{b}_count"].astype(float).mean()),
                "n_responses": len(group),
            }
            if f"judge_{b}_present" in df.columns:
                rules, judge = _paired(group, b)
                row["judge_share_present"] = float(judge.mean()) if len(judge) else math.nan
                row["kappa"] = kappa(rules, judge)
                row["n_both"] = len(judge)
            if f"learned_{b}_present" in df.columns:
                learned = group[f"learned_{b}_present"]
                if f"judge_{b}_present" in df.columns:
                    learned = group[f"judge_{b}_present"].fillna(learned)
                learned = learned.dropna().astype(bool)
                row["learned_share_present"] = float(learned.mean()) if len(learned) else math.nan
            rows.append(row)
    return in_role_order(pd.DataFrame(rows), role_order(df))  # base, rl, distilled, other


def agreement_table(df: pd.DataFrame, *, by_run: bool = False) -> pd.DataFrame:
    """Per behaviour (and run, if ``by_run``): kappa, confusion counts, shares, n_both.

    Columns: [run,] behavior, n_both, kappa, both_present, rules_only, judge_only,
    neither, rules_share, judge_share, observed_agreement. Empty when no judge labels.
    """
    groups = df.groupby("run", sort=True, observed=True) if by_run else [("all", df)]
    rows = []
    for run, group in groups:
        for b in _behaviors_in(df):
            if f"judge_{b}_present" not in df.columns:
                continue
            rules, judge = _paired(group, b)
            (tn, fp), (fn, tp) = (
                confusion_matrix(judge, rules, labels=[False, True])
                if len(judge)
                else ((0, 0), (0, 0))
            )
            n = len(judge)
            row = {"run": run} if by_run else {}
            row |= {
                "behavior": b,
                "n_both": n,
                "kappa": kappa(rules, judge),
                "both_present": int(tp),
                "rules_only": int(fp),
                "judge_only": int(fn),
                "neither": int(tn),
                "rules_share": float(rules.mean()) if n else math.nan,
                "judge_share": float(judge.mean()) if n else math.nan,
                "observed_agreement": float((rules == judge).mean()) if n else math.nan,
            }
            rows.append(row)
    return pd.DataFrame(rows)
