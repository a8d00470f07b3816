"""The plan's score stages: each response's NLL under a reference model (``--score-model``)
and the tables of "Inside the reference distribution?" (``nll``, ``nll_novel``).

- ``score_templates`` (corpus): run name -> the prompt template its run.json records
  (runs made by ``generate``), raw otherwise; read from the load stage's attrs.
- ``score`` (rows, own executor): ``nll_<name>``, ``nll_<name>_per_token``,
  ``n_tokens_<name>``. It runs in this process on batches of up to ``BATCH_ROWS`` rows;
  the model is loaded once per process (:func:`~traceanalysis.score.scoring.get_scorer`)
  and only when some row is not in the NLL cache. Its key is the model folder's
  fingerprint (not its path), the name, backend and dtype; the batch size, device, cache
  file and progress bars do not change a result's key.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from traceanalysis.engine.registry import stage, table
from traceanalysis.score.model import default_name, model_fingerprint, resolve_model, safe_name
from traceanalysis.score.scoring import get_scorer, score_frame
from traceanalysis.score.store import NllStore
from traceanalysis.score.tables import nll_table, novel_table
from traceanalysis.score.text import run_formats

BATCH_ROWS = 65_536  # rows per call of the score stage (one NLL-cache lookup per call)
SCORE_OPTIONS = ("score_model", "score_name", "score_backend", "score_dtype")
SCORE_RUNTIME = ("score_batch_size", "score_device", "cache", "quiet")


@stage("score_templates", "1", kind="corpus", reads=("run",))
def score_templates(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Each run's prompt template as recorded by ``generate`` (raw for other runs)."""
    return run_formats(df.attrs.get("runs") or {})


def column_name(model: str | None, name: str | None) -> str:
    """The suffix of the score columns: ``--score-name`` or the model folder's name."""
    return safe_name(name) if name else default_name(str(model))


def _score_key(options: dict[str, Any]) -> dict[str, Any]:
    folder = resolve_model(str(options["score_model"]))
    return {
        "fingerprint": model_fingerprint(folder),
        "name": column_name(options["score_model"], options.get("score_name")),
        "backend": options.get("score_backend") or "transformers",
        "dtype": options.get("score_dtype") or "auto",
    }


def _records(partials: list[dict[str, Any]]) -> dict[str, Any]:
    """The batches' records summed (templates merged)."""
    total: dict[str, Any] = {"templates": {}}
    for part in partials:
        for key, value in part.items():
            if key == "templates":
                total["templates"].update(value)
            elif isinstance(value, int):
                total[key] = total.get(key, 0) + value
            else:
                total[key] = value
    return total


@stage(
    "score",
    "1",
    reads=("run", "prompt", "response"),
    adds=("nll_*", "n_tokens_*"),
    options=SCORE_OPTIONS,
    needs=("score_templates",),
    runtime=SCORE_RUNTIME,
    key=_score_key,
    combine=_records,
    executor="own",  # the model runs in this process, loaded once
    batch_rows=BATCH_ROWS,
)
def score_rows(
    df: pd.DataFrame, *, score_model: str, score_name: str | None = None,
    score_backend: str | None = "transformers", score_dtype: str | None = "auto",
    score_batch_size: int | None = 16, score_device: str | None = None,
    score_templates: dict[str, dict[str, Any]] | None = None, cache: str | None = None,
    quiet: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:  # fmt: skip
    """NLL of every response given its prompt under the reference model (cached per row)."""
    scorer = get_scorer(
        score_model, backend=score_backend or "transformers", device=score_device,
        dtype=score_dtype or "auto",
    )  # fmt: skip
    name = column_name(score_model, score_name)
    store = NllStore(cache)
    try:
        out, record = score_frame(
            df, score_templates or {}, scorer=scorer, store=store, name=name,
            batch_size=int(score_batch_size or 16), progress=not quiet,
        )  # fmt: skip
    finally:
        store.close()
    record.update(
        name=name, model=str(scorer.folder), fingerprint=scorer.fingerprint,
        backend=scorer.backend, dtype=scorer.dtype, max_len=scorer.max_len,
    )  # fmt: skip
    return out, record


_NLL = ("run", "problem_id", "correct", "difficulty_bin", "nll_*", "n_tokens_*")


@table("nll", reads=_NLL, options=("n_boot", "seed"))
def nll(df: pd.DataFrame, *, n_boot: int, seed: int) -> pd.DataFrame:
    """Per-token NLL under the reference model per run, difficulty bin and correctness."""
    out = nll_table(df, n_boot=n_boot, seed=seed)
    return out if not out.empty else {}


@table("nll_novel", reads=_NLL, options=("n_boot", "seed"), needs=("reference",))
def nll_novel(df: pd.DataFrame, *, n_boot: int, seed: int, reference: str | None) -> pd.DataFrame:
    """Share of each run's correct responses on problems the reference never solved whose
    NLL is above the 95th percentile of the reference's own responses."""
    out = novel_table(df, reference, n_boot=n_boot, seed=seed)
    return out if not out.empty else {}
