"""Statistics over the extracted answers of a problem: maj@k and answer entropy.

Answers are compared by :func:`traceanalysis.grading.normalize_answer` (layout-only
LaTeX removed), the key the grader also uses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceanalysis.grading.extract import normalize_answer
from traceanalysis.metrics.passk import counted_rows


def _answers(df: pd.DataFrame) -> pd.DataFrame:
    """Graded rows with an answer: run, problem_id, sample_idx, answer key, correct."""
    mask = df["correct"].notna() & df["extracted"].notna() & df["grade_status"].eq("ok")
    part = df.loc[mask, ["run", "problem_id", "sample_idx", "extracted", "correct"]].copy()
    part["answer"] = _normalized(part["extracted"])
    return part


def _normalized(extracted: pd.Series) -> list[str]:
    """normalize_answer of every value, computed once per distinct value (answers repeat)."""
    values = [str(a) for a in extracted]
    keys = {a: normalize_answer(a) for a in dict.fromkeys(values)}
    return [keys[a] for a in values]


def majority_vote(answers: list[str], correct: list[bool]) -> bool:
    """Is the most frequent answer correct? Ties go to the answer that appeared first."""
    if not answers:
        return False
    counts: dict[str, int] = {}
    verdict: dict[str, bool] = {}
    for answer, ok in zip(answers, correct, strict=True):
        counts[answer] = counts.get(answer, 0) + 1
        verdict.setdefault(answer, bool(ok))
    best = max(counts.values())
    winner = next(a for a in counts if counts[a] == best)  # dicts keep first-seen order
    return verdict[winner]


def _majority_verdicts(voters: pd.DataFrame) -> dict[tuple[object, object], bool]:
    """(run, problem_id) -> is its most frequent answer correct; what :func:`majority_vote`
    gives on each problem's rows in order, computed for all problems at once."""
    if voters.empty:
        return {}
    pos = np.arange(len(voters))
    keyed = pd.DataFrame(
        {
            "run": voters["run"].to_numpy(),
            "problem_id": voters["problem_id"].to_numpy(),
            "answer": voters["answer"].to_numpy(),
            "pos": pos,
        }
    )
    stats = keyed.groupby(["run", "problem_id", "answer"], sort=False)["pos"].agg(["size", "min"])
    # The winner: most votes, ties to the answer seen first; its verdict is the
    # correctness of that answer's first occurrence.
    stats = stats.reset_index().sort_values(["size", "min"], ascending=[False, True], kind="stable")
    stats = stats.drop_duplicates(["run", "problem_id"], keep="first")
    correct = voters["correct"].to_numpy()[stats["min"].to_numpy()]
    return {
        (run, pid): bool(ok)
        for run, pid, ok in zip(stats["run"], stats["problem_id"], correct, strict=True)
    }


# Graders that give a verdict without extracting an answer: their samples cannot vote.
NO_ANSWER_GRADERS = frozenset({"source"})


def _without_answers(graded: pd.DataFrame) -> set[tuple[object, object]]:
    """(run, problem_id) whose every sample was judged by a grader in NO_ANSWER_GRADERS."""
    if "grader" not in graded.columns or graded.empty:
        return set()
    judged = graded["grader"].astype("string").isin(NO_ANSWER_GRADERS).fillna(False)
    every = judged.groupby([graded["run"], graded["problem_id"]], observed=True).all()
    return set(every.index[every.to_numpy(dtype=bool)])


def majority_at_k(df: pd.DataFrame, k: int | None = None) -> pd.DataFrame:
    """Per (run, problem_id): ``maj`` (0/1) over the first ``k`` graded samples by sample_idx.

    ``k=None`` uses all of a problem's counted samples (maj@n, each problem its own n;
    which samples count: :func:`~traceanalysis.metrics.passk.counted_rows`). Samples that
    carry no verified answer (no_answer, truncated, unverified) are among the k but do
    not vote; a problem with no vote counts as wrong. Problems with fewer than
    ``k`` graded samples are left out. A problem whose samples were all judged by a
    grader that extracts no answer (``grader == "source"``: the input's own labels) has
    no majority vote: ``maj`` is NaN there, never a 0 from answers nobody extracted.
    """
    graded = df.loc[counted_rows(df)].sort_values(["run", "problem_id", "sample_idx"])
    if k is not None:
        graded = graded.groupby(["run", "problem_id"], observed=True, sort=False).head(k)
    sizes = graded.groupby(["run", "problem_id"], observed=True, sort=True).size()
    winners = _majority_verdicts(_answers(graded))
    unvoted = _without_answers(graded)
    rows = []
    for (run, pid), n in sizes.items():
        if k is not None and n < k:
            continue
        maj = np.nan if (run, pid) in unvoted else float(winners.get((run, pid), False))
        rows.append({"run": run, "problem_id": pid, "n": int(n), "maj": maj})
    return pd.DataFrame(rows, columns=["run", "problem_id", "n", "maj"])


def entropy_bits(answers: list[str]) -> float:
    """Shannon entropy (bits) of the empirical distribution of ``answers``; NaN when empty."""
    if not answers:
        return float("nan")
    _, counts = np.unique(np.asarray(answers, dtype=object), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def answer_entropy(df: pd.DataFrame) -> pd.DataFrame:
    """Per (run, problem_id): ``entropy`` (bits) of its extracted answers and ``n_answers``.

    Every sample with an extracted answer counts (whatever its grade); samples without
    one are left out, and a problem with no answer at all has NaN entropy.
    """
    mask = df["extracted"].notna()
    part = df.loc[mask, ["run", "problem_id", "extracted"]]
    part = part.assign(answer=_normalized(part["extracted"]))
    all_problems = df[["run", "problem_id"]].drop_duplicates()
    # Answer counts per problem in sorted answer order (np.unique's), then the entropy of
    # each problem's slice: the same arithmetic as entropy_bits, without a group loop.
    counts = part.groupby(["run", "problem_id", "answer"], observed=True, sort=True).size()
    problems = counts.index.droplevel("answer")
    starts = np.flatnonzero(np.r_[True, ~(problems[1:] == problems[:-1])]) if len(counts) else []
    values = counts.to_numpy()
    ends = list(starts[1:]) + [len(values)] if len(counts) else []
    rows = []
    for start, end in zip(starts, ends, strict=True):
        c = values[start:end]
        p = c / c.sum()
        run, pid = problems[start]
        rows.append(
            {
                "run": run,
                "problem_id": pid,
                "entropy": float(-(p * np.log2(p)).sum()),
                "n_answers": int(c.sum()),
            }
        )
    ent = pd.DataFrame(rows, columns=["run", "problem_id", "entropy", "n_answers"])
    out = all_problems.merge(ent, on=["run", "problem_id"], how="left")
    out["n_answers"] = out["n_answers"].fillna(0).astype(int)
    return out.sort_values(["run", "problem_id"]).reset_index(drop=True)
