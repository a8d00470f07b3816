"""The self-distillation table (``self_distill.csv``) and its short Markdown report.

pass@k per model: the unbiased estimator per problem (:func:`pass_matrix`) averaged over
problems, with the report's seeded percentile bootstrap over problems (95%). The two
students are compared per problem (paired bootstrap CI and sign-flip p of the mean
difference), as the report's ``comparisons`` table does.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from traceanalysis.metrics.bootstrap import bootstrap_ci
from traceanalysis.metrics.paired import paired_bootstrap_ci, sign_flip_p
from traceanalysis.metrics.passk import pass_matrix, problem_counts


def grade_runs(runs: Path, *, quiet: bool = True) -> pd.DataFrame:
    """Load and grade a runs folder with the product's plan (load and grade stages only)."""
    from traceanalysis.pipeline import ReportOptions, run_plan

    state, _ = run_plan(runs, ReportOptions(quiet=quiet), targets=["grade"])
    return state.features[["run", "problem_id", "correct", "grade_status"]].copy()


def _level(problem_id: pd.Series) -> pd.Series:
    return problem_id.astype(str).str.split("-").str[0]


def _rows(counts: pd.DataFrame, k: int) -> dict[str, float]:
    matrix = pass_matrix(counts, k)[:, [0, k - 1]]
    point = matrix.mean(axis=0)
    lo, hi = bootstrap_ci(matrix)
    out: dict[str, float] = {}
    for j, kk in enumerate((1, k)):
        out[f"pass@{kk}"] = round(float(point[j]), 4)
        out[f"pass@{kk}_lo"] = round(float(lo[j]), 4)
        out[f"pass@{kk}_hi"] = round(float(hi[j]), 4)
    return out


def self_distill_table(samples: pd.DataFrame, labels: dict[str, str], k: int) -> pd.DataFrame:
    """One row per (model, level): ``level`` "all" then each task level (the problem_id's
    prefix); pass@1 and pass@k with ``_lo``/``_hi`` 95% bootstrap CIs over problems.

    ``labels`` maps run -> teacher data (also the row order). Needs n >= k per problem.
    """
    counts = problem_counts(samples)
    counts["level"] = _level(counts["problem_id"])
    if (counts["n"] < k).any():
        raise ValueError(f"pass@{k} needs at least {k} samples of every problem")
    rows = []
    for run, label in labels.items():
        mine = counts[counts["run"] == run]
        groups = [("all", mine)] + list(mine.groupby("level", sort=True))
        for level, g in groups:
            base = {"student": run, "teacher_data": label, "level": level}
            size = {"n_problems": len(g), "n_samples": int(g["n"].sum())}
            rows.append({**base, **size, **_rows(g, k)})
    return pd.DataFrame(rows)


def paired_difference(samples: pd.DataFrame, a: str, b: str, k: int) -> dict[str, float]:
    """Mean per-problem pass@1 and pass@k of run ``a`` minus run ``b`` on their common
    problems, with the paired bootstrap CI and the sign-flip p."""
    counts = problem_counts(samples)
    pa = counts[counts["run"] == a].set_index("problem_id")
    pb = counts[counts["run"] == b].set_index("problem_id")
    common = pa.index.intersection(pb.index)
    ma = pass_matrix(pa.loc[common].reset_index(), k)
    mb = pass_matrix(pb.loc[common].reset_index(), k)
    out: dict[str, float] = {"n_problems": len(common)}
    for kk in (1, k):
        diff = ma[:, kk - 1] - mb[:, kk - 1]
        lo, hi = paired_bootstrap_ci(diff)
        p, _ = sign_flip_p(diff)
        out |= {
            f"delta_pass@{kk}": round(float(diff.mean()), 4),
            f"delta_pass@{kk}_lo": round(lo, 4),
            f"delta_pass@{kk}_hi": round(hi, 4),
            f"p_pass@{kk}": round(p, 4),
        }
    return out


def verdict(diff: dict[str, float]) -> str:
    """Whether the measured pass@1 difference (rlvr-data student minus base-data student)
    agrees with 2505.14216's finding that RLVR's data teaches more."""
    lo, hi, d = diff["delta_pass@1_lo"], diff["delta_pass@1_hi"], diff["delta_pass@1"]
    if lo > 0:
        return f"agrees: the rlvr-data student is ahead by {d:+.3f} (95% CI {lo:+.3f} to {hi:+.3f})"
    if hi < 0:
        return (
            f"disagrees: the base-data student is ahead, difference {d:+.3f} "
            f"(95% CI {lo:+.3f} to {hi:+.3f})"
        )
    return (
        f"does not reproduce it: difference {d:+.3f}, 95% CI {lo:+.3f} to {hi:+.3f} "
        "includes 0 (no credible difference at this size)"
    )


def _md(table: pd.DataFrame) -> str:
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines) + "\n"


def _ci(row: pd.Series, name: str) -> str:
    return f"{row[name]:.3f} [{row[name + '_lo']:.3f}, {row[name + '_hi']:.3f}]"


def markdown_report(table: pd.DataFrame, diff: dict, summary: dict, k: int) -> str:
    """The short report: setup, the two training sets, results with CIs, the verdict."""
    o, ev = summary["options"], summary["evaluation"]
    overall = table[table["level"] == "all"]
    res = pd.DataFrame(
        {
            "model": overall["student"],
            "trained on": overall["teacher_data"],
            "pass@1 [95% CI]": [_ci(r, "pass@1") for _, r in overall.iterrows()],
            f"pass@{k} [95% CI]": [_ci(r, f"pass@{k}") for _, r in overall.iterrows()],
        }
    )
    data = pd.DataFrame([{"teacher": t, **s} for t, s in summary["data"].items()])
    levels = table[table["level"] != "all"].pivot(index="level", columns="student", values="pass@1")
    levels = levels[list(dict.fromkeys(table["student"]))].reset_index()
    secs = summary["seconds"]
    return "\n".join(
        [
            "# Self-distillation in the lab (arXiv 2505.14216, section 4)\n",
            "Two students are fine-tuned from `base` with the same recipe: one on `rlvr`'s "
            "correct responses, one on `base`'s own correct responses to the same pool of "
            f"training problems (1-5 base operations), {o['examples']} examples requested "
            f"each (capped by the fewer correct), {o['steps']} SFT steps x {o['batch']}, "
            f"lr {o['lr']}, seed {o['seed']}. Teachers sampled once per problem at "
            f"temperature {o['teacher_temperature']}. Evaluation like the demo: "
            f"{ev['per_level']} held-out problems per level, {ev['n']} samples each, "
            f"temperature {ev['temperature']}, top_k {ev['top_k']}, graded by the "
            "product's grader; 95% bootstrap CIs over problems.\n",
            "## Training data\n",
            _md(data),
            "## Results (all levels)\n",
            _md(res),
            "## pass@1 by level\n",
            _md(levels),
            "## rlvr-data student minus base-data student (paired over problems)\n",
            _md(pd.DataFrame([diff])),
            f"**Against 2505.14216's finding** (RLVR's correct data teaches more than the "
            f"base's own): {verdict(diff)}.\n",
            f"Time: {secs['total']:.0f} s wall ("
            + ", ".join(f"{k_} {v:.0f} s" for k_, v in secs.items() if k_ != "total")
            + ").\n",
        ]
    )


def write_outputs(out: Path, runs: Path, summary: dict, t0: float, *, quiet: bool) -> dict:
    """Grade, tabulate and write ``self_distill.csv``, ``.md`` and ``.json`` into ``out``."""
    from traceanalysis.lab.self_distill import EVAL_RUNS, summary_json

    t = time.time()
    samples = grade_runs(runs, quiet=quiet)
    k = int(samples.groupby(["run", "problem_id"]).size().min())
    labels = {run: label for run, (label, _) in EVAL_RUNS.items()}
    table = self_distill_table(samples, labels, k)
    diff = paired_difference(samples, "sd-rlvr", "sd-base", k)
    summary["seconds"]["grading"] = round(time.time() - t, 1)
    summary["seconds"]["total"] = round(time.time() - t0, 1)
    summary["difference_sd_rlvr_minus_sd_base"] = diff
    summary["verdict"] = verdict(diff)
    table.to_csv(out / "self_distill.csv", index=False)
    (out / "self_distill.md").write_text(markdown_report(table, diff, summary, k))
    summary_json(out, summary)
    if not quiet:
        print(table[table["level"] == "all"].to_string(index=False))
        print(summary["verdict"])
    return summary


def overall_pass1(table: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    """run -> (pass@1, lo, hi) of the ``all`` rows (for callers and tests)."""
    rows = table[table["level"] == "all"]
    return {r["student"]: (r["pass@1"], r["pass@1_lo"], r["pass@1_hi"]) for _, r in rows.iterrows()}
