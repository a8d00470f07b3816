"""Training dynamics: metrics per training step with bootstrap CIs over prompts.

A **series** is a set of responses ordered by training step (docs/dynamics.md):

- the dumps of one run folder by their ``step`` column (verl ``<step>.jsonl``, TRL
  ``completions_<step>.parquet``): the series is the run, each row its own step;
- checkpoint runs, each at one step: ``"step": N`` (and ``"series": NAME``) in run.json, or
  ``--step RUN=N`` (:func:`parse_steps`); runs without a series name form the series
  ``checkpoints``. A run-level step wins over the rows' own ``step``.

A series needs at least two distinct steps. Per (series, step) every metric is a ratio of
sums over the step's prompts, ``sum_p num[p, s] / sum_p den[p, s]``:

- ``pass@k``: num = the prompt's unbiased pass@k, den = 1 (k <= the step's smallest n);
- ``tokens_mean``: num = tokens (reference tokenizer), den = responses;
- ``<lexicon>_per_1k``: num = 1000 x matches, den = tokens (the pooled rate);
- ``<lexicon>_present`` and ``behavior_<b>_present``: num = responses with a hit, den =
  responses (a share of responses);
- ``answer_entropy``: num = the entropy (bits) of the prompt's extracted answers, den = 1
  for prompts with at least two answers.

The CI resamples prompts: B multinomial weight vectors over the series' prompts (the union
over its steps; a prompt brings its responses at every step, so prompts shared by steps stay
paired), each metric recomputed as ``(w @ num) / (w @ den)``; the 95% percentile interval.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from traceanalysis.errors import InputError
from traceanalysis.lexical.tables import lexicon_names_in
from traceanalysis.metrics.answers import answer_entropy
from traceanalysis.metrics.order import run_infos
from traceanalysis.metrics.passk import pass_matrix, problem_counts

DEFAULT_SERIES = "checkpoints"  # the series of checkpoint runs that name none
STEPS_COLUMNS = ["run", "step", "metric", "value", "lo", "hi", "n"]
# The reflection lexicon of the headline curve: SimpleRL-Zoo's list first.
REFLECTION_ORDER = ("reflection_simplerl", "reflection_ur1z", "reflection_kim2025")
_CHUNK = 4_000_000  # weight-matrix entries drawn at a time (replicates x prompts)


def reflection_lexicon(metrics: set[str]) -> str | None:
    """The reflection lexicon of the headline figure: SimpleRL-Zoo's list when present."""
    for name in REFLECTION_ORDER:
        if f"{name}_per_1k" in metrics:
            return name
    found = sorted(m[: -len("_per_1k")] for m in metrics if m.startswith("reflection"))
    return next((m for m in found if f"{m}_per_1k" in metrics), None)


def parse_steps(text: str | list[str] | None) -> dict[str, int] | None:
    """``--step RUN=N`` values (repeated flags or ``a=1,b=2``) as ``{run: step}``; None when
    none. A malformed value, a negative step or one run given two steps is an InputError;
    run names are checked against the runs by :func:`series_steps`."""
    if not text:
        return None
    items = [text] if isinstance(text, str) else list(text)
    out: dict[str, int] = {}
    for part in (p.strip() for item in items for p in item.split(",")):
        if not part:
            continue
        run, sep, value = part.partition("=")
        if not sep or not run.strip():
            raise InputError(f"--step {part!r}: expected RUN=STEP")
        try:
            step = int(value.strip())
        except ValueError:
            raise InputError(f"--step {part!r}: the step must be an integer") from None
        if step < 0:
            raise InputError(f"--step {part!r}: the step must be >= 0")
        if out.get(run.strip(), step) != step:
            raise InputError(
                f"--step: run {run.strip()!r} given two steps ({out[run.strip()]}, {step})"
            )
        out[run.strip()] = step
    return out or None


def series_steps(df: pd.DataFrame, steps: dict[str, int] | None = None) -> pd.DataFrame:
    """Per row of ``df``: ``series`` and ``series_step`` (null for rows in no series).

    ``steps`` (``--step``) over run.json's ``step``/``series`` over the rows' ``step``.
    Series with fewer than two distinct steps are left out.
    """
    known = {r.name for r in run_infos(df)}
    unknown = sorted(set(steps or {}) - known)
    if unknown:
        raise InputError(f"--step names no run: {', '.join(unknown)} (runs: {', '.join(known)})")
    run = df["run"].astype(str)
    series = pd.Series(pd.NA, index=df.index, dtype="string")
    step = pd.Series(pd.NA, index=df.index, dtype="Int64")
    if "step" in df.columns:
        own = df["step"].astype("Int64")
        series = series.mask(own.notna(), run)
        step = own
    for info in run_infos(df):
        extra = info.extra or {}
        level = (steps or {}).get(info.name, extra.get("step"))
        if level is None:
            continue
        try:
            level = int(level)
        except (TypeError, ValueError):
            raise InputError(
                f"run {info.name}: run.json step {level!r} is not an integer"
            ) from None
        mask = run == info.name
        series = series.mask(mask, str(extra.get("series") or DEFAULT_SERIES))
        step = step.mask(mask, level)
    key = series.fillna("")
    distinct = step.groupby(key).transform("nunique")
    keep = series.notna() & step.notna() & (distinct >= 2)
    return pd.DataFrame(
        {"series": series.where(keep), "series_step": step.where(keep)}, index=df.index
    )


@dataclass
class SeriesBoot:
    """One series' metrics: point values, bootstrap replicates and prompt counts.

    ``point`` and ``n`` are (metrics x steps); ``boot`` is (replicates x metrics x steps).
    """

    series: str
    steps: list[int]
    metrics: list[str]
    point: np.ndarray
    boot: np.ndarray
    n: np.ndarray


def _cells(rows: pd.DataFrame, lexicons: list[str], behaviors: list[str]) -> pd.DataFrame:
    """Per (problem_id, step): responses and the summed counts every metric needs."""
    sums = {"responses": ("run", "size")}
    if "n_tokens" in rows.columns:
        sums["tokens"] = ("n_tokens", "sum")
    for name in lexicons:
        sums[f"{name}_count"] = (f"{name}_count", "sum")
        sums[f"{name}_present"] = (f"{name}_hit", "sum")
    for b in behaviors:
        sums[f"behavior_{b}_present"] = (f"behavior_{b}_present", "sum")
    hits = {f"{n}_hit": rows[f"{n}_count"].to_numpy(dtype=float) > 0 for n in lexicons}
    frame = rows.assign(**hits)
    for b in behaviors:
        frame[f"behavior_{b}_present"] = frame[f"behavior_{b}_present"].astype(float)
    return frame.groupby(["problem_id", "series_step"], observed=True).agg(**sums).astype(float)


def _graded(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """pass@k per (step, problem) for k = powers of two <= the step's smallest n."""
    if "correct" not in rows.columns or not rows["correct"].notna().any():
        return {}
    keyed = rows.assign(run=rows["series_step"].astype(str))
    counts = problem_counts(keyed)
    if counts.empty:
        return {}
    counts["series_step"] = counts["run"].astype(int)
    n_min = counts.groupby("series_step")["n"].transform("min").to_numpy()
    k_max = int(n_min.max())
    matrix = pass_matrix(counts, k_max)
    out = {}
    k = 1
    while k <= k_max:
        value = np.where(n_min >= k, matrix[:, k - 1], np.nan)
        part = counts[["problem_id", "series_step"]].assign(num=value, den=1.0)
        out[f"pass@{k}"] = part[np.isfinite(value)]
        k *= 2
    return out


def _entropy(rows: pd.DataFrame) -> pd.DataFrame | None:
    """Answer entropy per (step, problem) with at least two extracted answers."""
    if "extracted" not in rows.columns or not rows["extracted"].notna().any():
        return None
    keyed = rows.assign(run=rows["series_step"].astype(str))
    ent = answer_entropy(keyed)
    ent = ent[ent["n_answers"] >= 2]
    if ent.empty:
        return None
    return pd.DataFrame(
        {
            "problem_id": ent["problem_id"].to_numpy(),
            "series_step": ent["run"].astype(int).to_numpy(),
            "num": ent["entropy"].to_numpy(dtype=float),
            "den": 1.0,
        }
    )


def metric_parts(
    rows: pd.DataFrame, lexicons: list[str], behaviors: list[str]
) -> dict[str, pd.DataFrame]:
    """Metric -> a frame of (problem_id, series_step, num, den): the ratio's summands."""
    parts = dict(_graded(rows))
    cells = _cells(rows, lexicons, behaviors).reset_index()
    ids = cells[["problem_id", "series_step"]]

    def ratio(num: pd.Series, den: pd.Series) -> pd.DataFrame:
        return ids.assign(num=num.to_numpy(), den=den.to_numpy())

    if "tokens" in cells.columns:
        parts["tokens_mean"] = ratio(cells["tokens"], cells["responses"])
        for name in lexicons:
            parts[f"{name}_per_1k"] = ratio(1000.0 * cells[f"{name}_count"], cells["tokens"])
    for name in lexicons:
        parts[f"{name}_present"] = ratio(cells[f"{name}_present"], cells["responses"])
    for b in behaviors:
        parts[f"behavior_{b}_present"] = ratio(cells[f"behavior_{b}_present"], cells["responses"])
    entropy = _entropy(rows)
    if entropy is not None:
        parts["answer_entropy"] = entropy
    return parts


def draw_weights(n_prompts: int, n_boot: int, seed: int):  # noqa: ANN201 - an iterator
    """Multinomial resampling weights (replicates x prompts), in chunks of rows; the rows
    are those of one ``default_rng(seed).multinomial(n, 1/n, size=n_boot)`` draw."""
    rng = np.random.default_rng(seed)
    probs = np.full(n_prompts, 1.0 / n_prompts)
    step = max(1, _CHUNK // max(n_prompts, 1))
    for start in range(0, n_boot, step):
        yield rng.multinomial(n_prompts, probs, size=min(step, n_boot - start)).astype(float)


def series_bootstrap(
    rows: pd.DataFrame, series: str, *, n_boot: int, seed: int,
    lexicons: list[str], behaviors: list[str],
) -> SeriesBoot:  # fmt: skip
    """Point values, bootstrap replicates and prompt counts of every metric of one series
    (``rows``: its responses with ``series_step``)."""
    parts = metric_parts(rows, lexicons, behaviors)
    steps = sorted(int(s) for s in rows["series_step"].unique())
    prompts = sorted(rows["problem_id"].astype(str).unique())
    p_index = {p: i for i, p in enumerate(prompts)}
    s_index = {s: j for j, s in enumerate(steps)}
    names = list(parts)
    n_cols = len(names) * len(steps)
    r, c, vn, vd = [], [], [], []
    for m, name in enumerate(names):
        part = parts[name]
        r.append(part["problem_id"].astype(str).map(p_index).to_numpy())
        c.append(m * len(steps) + part["series_step"].astype(int).map(s_index).to_numpy())
        vn.append(part["num"].to_numpy(dtype=float))
        vd.append(part["den"].to_numpy(dtype=float))
    where = (np.concatenate(r), np.concatenate(c))
    num = sparse.csr_matrix((np.concatenate(vn), where), shape=(len(prompts), n_cols))
    den = sparse.csr_matrix((np.concatenate(vd), where), shape=(len(prompts), n_cols))
    shape = (len(names), len(steps))
    point = _ratio(np.asarray(num.sum(axis=0)).ravel(), np.asarray(den.sum(axis=0)).ravel())
    n = np.asarray((den > 0).sum(axis=0)).ravel().reshape(shape)
    reps = []
    for w in draw_weights(len(prompts), n_boot, seed):
        reps.append(_ratio((num.T @ w.T).T, (den.T @ w.T).T))
    boot = np.vstack(reps) if reps else np.empty((0, n_cols))
    return SeriesBoot(
        series=series, steps=steps, metrics=names, point=point.reshape(shape),
        boot=boot.reshape((-1, *shape)), n=n,
    )  # fmt: skip


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def all_series(
    df: pd.DataFrame, *, n_boot: int, seed: int, steps: dict[str, int] | None = None
) -> list[SeriesBoot]:
    """Every series of ``df`` (see the module doc), in order of first appearance."""
    assigned = series_steps(df, steps)
    if assigned["series"].isna().all():
        return []
    rows = df.assign(series=assigned["series"], series_step=assigned["series_step"])
    rows = rows[rows["series"].notna()]
    lexicons = lexicon_names_in(df) if "n_tokens" in df.columns else []
    behaviors = [
        c[len("behavior_") : -len("_present")]
        for c in df.columns
        if c.startswith("behavior_") and c.endswith("_present")
    ]
    return [
        series_bootstrap(
            part, str(name), n_boot=n_boot, seed=seed, lexicons=lexicons, behaviors=behaviors
        )
        for name, part in rows.groupby("series", sort=False, observed=True)
    ]


def steps_table(boots: list[SeriesBoot], level: float = 0.95) -> pd.DataFrame:
    """The ``steps`` table: one row per (series, step, metric) with a value; long format."""
    alpha = (1.0 - level) / 2.0
    rows = []
    for sb in boots:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: CI is NaN
            lo = np.nanquantile(sb.boot, alpha, axis=0) if len(sb.boot) else sb.point * np.nan
            hi = np.nanquantile(sb.boot, 1 - alpha, axis=0) if len(sb.boot) else sb.point * np.nan
        for m, metric in enumerate(sb.metrics):
            for j, step in enumerate(sb.steps):
                if not np.isfinite(sb.point[m, j]):
                    continue
                rows.append((sb.series, step, metric, sb.point[m, j], lo[m, j], hi[m, j],
                             int(sb.n[m, j])))  # fmt: skip
    table = pd.DataFrame(rows, columns=STEPS_COLUMNS)
    return table.astype({"run": "string", "step": "int64", "metric": "string", "n": "int64"})
