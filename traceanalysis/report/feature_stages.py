"""The per-response stages of the report pipeline, each run through the stage cache.

Each function calls the stage owned by its package (io, grading, metrics, lexical,
behaviors), caches only the columns that stage adds, and returns the widened table with
the stage's cache key. A stage whose package cannot be imported is skipped with a note;
the report then says what is missing instead of crashing.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Any

import pandas as pd

from traceanalysis.cache import content_hash
from traceanalysis.errors import InputError
from traceanalysis.schema import ROLES, RunInfo

LOAD_VERSION = "5"  # 2: empty responses kept, unreadable labels null; 3: readers (issue 12);
# 4: inspect_ai multiple-choice prompts hold their options; 5: unmatched reasons
DIFFICULTY_VERSION = "2"  # 2: bins that fit n (labels out of n, empty paper bins merged)
SKIPPED = "skipped"


def optional(module: str, name: str) -> Any:
    """``module.name`` if the module imports and defines it, else None."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def version_of(func: Any, fallback: str = "0") -> str:
    """The registered stage version of ``func`` (``@stage``), else ``fallback``."""
    return str(getattr(func, "stage_version", fallback))


def load(
    runs_path: Path,
    columns: dict[str, str] | None,
    *,
    progress: bool,
    roles: dict[str, str] | None = None,
    source_metric: str | None = None,
) -> pd.DataFrame:
    """``io.load_runs`` on ``runs_path``; InputError when no response was found."""
    from traceanalysis.io import load_runs

    df = load_runs(runs_path, columns, progress=progress, roles=roles, source_metric=source_metric)
    if len(df) == 0:
        rejected = len(df.attrs.get("rejections", []))
        raise InputError(f"no responses found ({rejected} rows rejected)", file=str(runs_path))
    return df


def run_infos(df: pd.DataFrame) -> list[RunInfo]:
    """The runs in display order (base, rl, distilled, other; stable within a role), from ``df.attrs["runs"]`` (a RunInfo guessed if absent)."""
    known = df.attrs.get("runs", {})
    names = [str(r) for r in pd.unique(df["run"])]
    infos = [known.get(n) or RunInfo(name=n) for n in names]
    infos = [RunInfo(**i) if isinstance(i, dict) else i for i in infos]
    return sorted(infos, key=lambda i: ROLES.index(i.role) if i.role in ROLES else len(ROLES))


def align_problems(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, object]]:
    """Keep only the problems every run has, so runs are compared on the same problems.

    Returns the table and a record of what was dropped (per run: problems and responses)
    with plain-words ``notes``. When no problem is in every run, nothing is dropped and a
    note says so: that the runs share no problem only when no two runs share one.
    """
    per_run = {
        str(run): set(part.dropna().astype(str))
        for run, part in df.groupby("run", sort=False)["problem_id"]
    }
    if len(per_run) < 2:
        return df, {"notes": []}
    common = set.intersection(*per_run.values())
    every = set.union(*per_run.values())
    if not common:
        runs = list(per_run.values())
        shared = any(a & b for i, a in enumerate(runs) for b in runs[i + 1 :])
        note = (
            "No problem is in every run: each run is analysed on all its own problems, "
            "and two runs are compared on the problems they share."
            if shared
            else "The runs share no problem: each run is analysed on its own problems."
        )
        return df, {"notes": [note], "problems_used": len(every), "by_run": {}}
    if common == every:
        return df, {"notes": [], "problems_used": len(common), "by_run": {}}
    keep = df["problem_id"].isin(common)
    by_run = {}
    for run, problems in per_run.items():
        extra = sorted(problems - common)
        if extra:
            rows = int((~keep & (df["run"] == run)).sum())
            by_run[str(run)] = {"problems": len(extra), "responses": rows, "first": extra[:5]}
    notes = [
        f"Runs are compared on the {len(common):,} problems present in every run; "
        f"{len(every) - len(common):,} problem(s) missing from some run were dropped."
    ] + [
        f"{run}: dropped {d['problems']} problem(s), {d['responses']} response(s) "
        f"(e.g. {', '.join(map(str, d['first']))})."
        for run, d in by_run.items()
    ]
    out = df.loc[keep].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out, {"notes": notes, "problems_used": len(common), "by_run": by_run}


def grade_stage(
    runner: Any, df: pd.DataFrame, load_key: str, options: Any
) -> tuple[pd.DataFrame, str]:
    """Grade every response (each run by its grader; math-verify verdicts cached in SQLite)."""
    from traceanalysis.grading import grade

    grader = getattr(options, "grader", None)
    opts = {"timeout": options.grade_timeout, "grader": grader}
    func = lambda d: grade(  # noqa: E731
        d, grader=grader, workers=options.workers, timeout=options.grade_timeout,
        cache_path=options.cache, progress=not options.quiet,
    )  # fmt: skip
    return runner.add_columns("grade", version_of(grade), opts, [load_key], df, func)


def pick_reference(df: pd.DataFrame, runs: list[RunInfo], explicit: str | None) -> str | None:
    """The reference run (metrics.choose_reference), or None when no run is graded."""
    from traceanalysis.metrics.reference import choose_reference

    name = choose_reference(runs, explicit)
    graded = df.loc[df["correct"].notna(), "run"].unique()
    if name not in set(graded):
        if explicit is not None:
            raise InputError(f"--reference {explicit!r} has no graded responses (no gold answers?)")
        fallback = [r.name for r in runs if r.name in set(graded)]
        return fallback[0] if fallback else None
    return name


def difficulty_stage(
    runner: Any,
    df: pd.DataFrame,
    grade_key: str,
    reference: str | None,
    notes: dict[str, list[str]],
) -> tuple[pd.DataFrame, str]:
    """Difficulty bins from the reference run's success rates."""
    assign = optional("traceanalysis.metrics", "assign_difficulty") or optional(
        "traceanalysis.metrics.difficulty", "assign_difficulty"
    )
    if assign is None or reference is None:
        why = "no graded run" if reference is None else "metrics.assign_difficulty unavailable"
        notes.setdefault("difficulty", []).append(f"Difficulty bins skipped: {why}.")
        return df, content_hash("difficulty", SKIPPED, why)
    return runner.add_columns(
        "difficulty", DIFFICULTY_VERSION, {"reference": reference}, [grade_key], df,
        lambda d: assign(d, reference),
    )  # fmt: skip


def lexical_stage(
    runner: Any, df: pd.DataFrame, load_key: str, options: Any, notes: dict[str, list[str]]
) -> tuple[pd.DataFrame, str]:
    """Tokens, words, characters and lexicon counts/rates per response, plus word counts
    per run (for the frequency and distinctive-token tables) from the same pass."""
    analyze = optional("traceanalysis.lexical", "analyze_lexical")
    if analyze is None:
        notes.setdefault("language", []).append(
            "Lexical analysis skipped: traceanalysis.lexical unavailable."
        )
        return df, content_hash("lexical", SKIPPED)
    lex_dir = options.lexicons
    opts = {
        "tokenizer": options.tokenizer,
        "lexicons": content_hash(_folder_hashes(Path(lex_dir))) if lex_dir else None,
    }

    def func(d: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, object]]:
        res = analyze(
            d, lexicons=lex_dir, tokenizer=options.tokenizer, group_by="run",
            word_freq=True, token_freq=False,
        )  # fmt: skip
        return res.samples, dict(res.word_counts)

    count = optional("traceanalysis.lexical", "count_lexicons")
    return runner.add_columns("lexical", version_of(count), opts, [load_key], df, func)


def behavior_stage(
    runner: Any, df: pd.DataFrame, load_key: str, notes: dict[str, list[str]]
) -> tuple[pd.DataFrame, str]:
    """Rule-tagged cognitive behaviours."""
    tag = optional("traceanalysis.behaviors", "tag_behaviors")
    if tag is None:
        notes.setdefault("behaviors", []).append(
            "Behaviour tagging skipped: traceanalysis.behaviors unavailable."
        )
        return df, content_hash("behaviors", SKIPPED)
    return runner.add_columns("behaviors", version_of(tag), {}, [load_key], df, tag)


def judge_stage(
    runner: Any, df: pd.DataFrame, load_key: str, options: Any, notes: dict[str, list[str]]
) -> tuple[pd.DataFrame, str]:
    """LLM-judge labels when ``--judge`` names a judge (cached per call in SQLite too).

    The stage key is the judge's identity (endpoint or model fingerprint, prompt, answer
    rules, parameters, behaviours, sample), not the spec string alone. A run in which
    labels failed (or ``max_calls`` stopped) is not stage-cached: the next report asks
    again for the missing labels, and the per-call SQLite cache returns the good ones.
    """
    spec = (options.judge or "none").strip()
    if spec == "none":
        return df, content_hash("judge", "none")
    from traceanalysis.behaviors import JudgeConfig, judge_behaviors
    from traceanalysis.behaviors.judge_setup import judge_identity

    config = JudgeConfig(judge=spec, cache_path=options.cache, **dict(options.judge_options))
    identity = judge_identity(config)
    if config.sample is not None and "correct" in df.columns:  # strata are run x correct
        identity["strata"] = content_hash(
            df["run"].astype(str).tolist(), df["correct"].astype("string").tolist()
        )
    out, key = runner.add_columns(
        "judge", version_of(judge_behaviors), identity, [load_key], df,
        lambda d: judge_behaviors(d, config, progress=not options.quiet),
        keep=lambda attrs: judge_complete(attrs.get("judge", {})),
    )  # fmt: skip
    meta = out.attrs.get("judge", {})
    if not judge_complete(meta):
        # Downstream stages key on this: labels that may still change get a key of their
        # own values, so tables and the audit of an incomplete run are never reused later.
        labels = out[[c for c in out.columns if str(c).startswith("judge_")]]
        values = pd.util.hash_pandas_object(labels, index=False).to_numpy().tobytes()
        key = content_hash(key, "incomplete", hashlib.sha256(values).hexdigest())
        notes.setdefault("behaviors", []).append(judge_note(meta) or "")
    return out, key


def judge_complete(meta: dict[str, Any]) -> bool:
    """True when a judge run left no label missing (none failed, none over ``max_calls``)."""
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


def _folder_hashes(folder: Path) -> list[tuple[str, str]]:
    if not folder.is_dir():
        raise InputError("--lexicons: not a folder", file=str(folder))
    return [
        (p.name, content_hash(p.read_text(encoding="utf-8")))
        for p in sorted(folder.rglob("*.y*ml"))
    ]
