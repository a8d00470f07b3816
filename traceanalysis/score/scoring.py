"""Score a batch of the samples table: the NLL of each response under the reference model.

:func:`score_frame` formats every row (:mod:`traceanalysis.score.text`), looks its key up
in the NLL cache (:mod:`traceanalysis.score.store`), and tokenises and sends only the rows
not yet scored to the model: longest first (a batch's rows have similar lengths and
little padding), at most ``batch_size`` sequences and ``BATCH_TOKENS`` padded tokens per
forward pass (long responses go in smaller batches). Each finished batch is committed
before the next starts. The model is loaded once per process (and not at all when every
row is cached). A sequence longer than the model's position limit is not scored: its NLL
is null and the stage's record counts it.

``TRACEANALYSIS_SCORE_LOG=FILE`` appends one JSON line per model call (process id and the
keys scored): an audit trail of what was computed, used by the resume test.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from traceanalysis.generate.backend_hf import SMALL_MODEL_PARAMS
from traceanalysis.score.model import (
    BACKENDS,
    load_tokenizer,
    load_transformers,
    max_length,
    model_fingerprint,
    resolve_model,
)
from traceanalysis.score.nll import batch_nll
from traceanalysis.score.store import NllStore, row_key
from traceanalysis.score.text import as_format, encode_pairs, has_chat_template, is_missing, render

LOG_ENV = "TRACEANALYSIS_SCORE_LOG"
BATCH_TOKENS = 32_768  # padded tokens per forward pass at most (bounds the logits' memory)
SMALL = SMALL_MODEL_PARAMS  # parameters below which CPU scoring uses one thread


@dataclass
class Scorer:
    """A reference model: its folder, fingerprint, tokenizer and (lazily) its weights."""

    folder: Path
    backend: str = "transformers"
    device: str | None = None
    dtype: str = "auto"
    fingerprint: str = ""
    tokenizer: Any = None
    max_len: int | None = None
    _engine: Any = field(default=None, repr=False)

    def engine(self) -> Any:
        """The loaded model (transformers: (model, device); vLLM: the scorer)."""
        if self._engine is None:
            if self.backend == "vllm":
                from traceanalysis.score.backend_vllm import VllmScorer

                self._engine = VllmScorer(self.folder, dtype=self.dtype, max_len=self.max_len)
            else:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # "Loading weights": ours is the bar
                try:
                    model, _tok, device = load_transformers(
                        self.folder, device=self.device, dtype=self.dtype
                    )
                finally:
                    hf_logging.enable_progress_bar()
                self._engine = (model, device)
                if device == "cpu" and sum(p.numel() for p in model.parameters()) < SMALL:
                    # as in generation: a small model's matrices gain nothing from threads,
                    # and threads lose a lot on shared cores
                    import torch

                    torch.set_num_threads(1)
        return self._engine

    def nll(self, pairs: list[tuple[list[int], list[int]]]) -> list[tuple[float, int]]:
        """(total NLL, response tokens) per (prompt ids, response ids) pair, one call."""
        engine = self.engine()
        if self.backend == "vllm":
            return engine.nll(pairs)
        model, device = engine
        pad = self.tokenizer.pad_token_id
        pad = pad if pad is not None else (self.tokenizer.eos_token_id or 0)
        return batch_nll(model, pairs, pad_id=int(pad), device=device)


@lru_cache(maxsize=2)
def _cached_scorer(folder: str, fingerprint: str, backend: str, device: Any, dtype: str) -> Scorer:
    from transformers import AutoConfig

    path = Path(folder)
    config = AutoConfig.from_pretrained(folder, local_files_only=True)
    return Scorer(
        folder=path,
        backend=backend,
        device=device,
        dtype=dtype,
        fingerprint=fingerprint,
        tokenizer=load_tokenizer(path),
        max_len=max_length(config),
    )


def get_scorer(
    model: str | Path, *, backend: str = "transformers", device: str | None = None,
    dtype: str = "auto",
) -> Scorer:  # fmt: skip
    """The :class:`Scorer` for ``model`` (one per process and fingerprint: loaded once)."""
    if backend not in BACKENDS:
        from traceanalysis.errors import InputError

        raise InputError(f"unknown scoring backend {backend!r}; expected one of {BACKENDS}")
    if backend == "vllm":
        from traceanalysis.score.backend_vllm import import_vllm

        import_vllm()  # fail before any work when vLLM is missing
    folder = resolve_model(model)
    return _cached_scorer(str(folder), model_fingerprint(folder), backend, device, dtype)


def chunks(
    items: list[str], lengths: list[int], batch_size: int, batch_tokens: int = BATCH_TOKENS
) -> Iterator[list[str]]:
    """Consecutive batches of ``items`` (sorted longest first): at most ``batch_size`` rows
    and at most ``batch_tokens`` padded tokens (rows x the batch's longest), at least one
    row. The logits of a batch are that many tokens x the vocabulary."""
    i = 0
    while i < len(items):
        width = lengths[i]  # the longest of the batch: items are sorted longest first
        rows = max(1, min(batch_size, batch_tokens // max(width, 1)))
        yield items[i : i + rows]
        i += rows


def _log(keys: list[str]) -> None:
    path = os.environ.get(LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"pid": os.getpid(), "keys": keys}) + "\n")


def score_frame(
    df: pd.DataFrame, formats: dict[str, dict[str, Any]], *, scorer: Scorer, store: NllStore,
    name: str, batch_size: int = 16, progress: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:  # fmt: skip
    """The columns ``nll_<name>``, ``nll_<name>_per_token`` and ``n_tokens_<name>`` for
    ``df`` (run, prompt, response; same index), and a record of what was done (rows, cached, computed, too long,
    templates per run)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    tok = scorer.tokenizer
    keys: list[str] = []
    texts: dict[str, tuple[str, bool, str]] = {}  # key -> (prompt text, special, response)
    templates: dict[str, str] = {}
    for run, prompt, response in zip(df["run"], df["prompt"], df["response"], strict=True):
        response = "" if is_missing(response) else str(response)
        fmt = as_format(formats.get(str(run)))
        text, special = render(fmt, prompt, tok)
        if fmt.chat and not has_chat_template(tok):
            templates[str(run)] = f"{fmt.ident} (the model has no chat template: its text only)"
        else:
            templates.setdefault(str(run), fmt.ident)
        ident = f"{fmt.ident}|special={special}"
        key = row_key(scorer.fingerprint, scorer.backend, scorer.dtype, ident, text, response)
        keys.append(key)
        texts.setdefault(key, (text, special, response))
    found = store.get(keys)
    todo = [k for k in texts if k not in found]
    encoded = dict(zip(todo, encode_pairs(tok, [texts[k] for k in todo]), strict=True))
    too_long = [k for k in todo if scorer.max_len and sum(map(len, encoded[k])) > scorer.max_len]
    if too_long:
        store.put(scorer.fingerprint, [(k, None, len(encoded[k][1])) for k in too_long])
        found.update({k: (None, len(encoded[k][1])) for k in too_long})
    todo = sorted((k for k in todo if k not in found), key=lambda k: -sum(map(len, encoded[k])))
    bar = tqdm(total=len(todo), desc=f"score {name}", unit="row", disable=not progress or not todo)
    try:
        for chunk in chunks(todo, [sum(map(len, encoded[k])) for k in todo], batch_size):
            results = scorer.nll([encoded[k] for k in chunk])
            rows = [(k, nll, n) for k, (nll, n) in zip(chunk, results, strict=True)]
            store.put(scorer.fingerprint, rows)
            _log(chunk)
            found.update({k: (nll, n) for k, nll, n in rows})
            bar.update(len(chunk))
    finally:
        bar.close()
    nll = np.array([np.nan if found[k][0] is None else found[k][0] for k in keys], dtype=float)
    n_tok = np.array([found[k][1] for k in keys], dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_token = np.where(n_tok > 0, nll / np.maximum(n_tok, 1), np.nan)
    out = pd.DataFrame(index=df.index)
    out[f"nll_{name}"] = nll
    out[f"nll_{name}_per_token"] = per_token
    out[f"n_tokens_{name}"] = pd.array(n_tok, dtype="Int64")
    record = {
        "rows": len(df),
        "distinct": len(texts),
        "computed": len(todo),
        "cached": len(texts) - len(encoded),
        "too_long": int(np.isnan(nll).sum()),
        "templates": templates,
    }
    return out, record
