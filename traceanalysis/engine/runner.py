"""Running the report's stages: :class:`StageRunner` runs each through the stage cache
(timing it, ticking one progress bar, caching only the columns a per-response stage
adds) and :class:`StepTimer` times the steps after the analysis."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
from tqdm import tqdm

from traceanalysis.engine.cache import StageCache, stage_cache_dir
from traceanalysis.engine.memory import (
    release_free_memory,
    row_batches,
    stage_input,
    stage_meter,
)


class StageRunner:
    """Runs stages through the stage cache, timing each and ticking one progress bar."""

    def __init__(self, options: Any, total: int) -> None:
        self.cache = StageCache(stage_cache_dir(options.cache), enabled=options.stage_cache)
        self.stages: dict[str, dict[str, object]] = {}
        self.extras: dict[str, object] = {}
        self.bar = tqdm(total=total, desc="report", unit="stage", disable=options.quiet)

    def run(
        self, name: str, version: str, opts: dict[str, object], deps: list[str], compute, keep=None
    ):  # noqa: ANN001, ANN201
        """Value of stage ``name`` (cached or computed) and its key; ``keep(value)`` False:
        not stored in the stage cache."""
        self.bar.set_postfix_str(name)
        key = StageCache.key(name, version, opts, *deps)
        meter = stage_meter()
        record: dict[str, object] = {"version": version, "key": key[:16], **meter.begin(name)}
        start = time.perf_counter()
        value = self.cache.cached(name, key, compute, keep)
        release_free_memory()
        record.update(cached=self.cache.hits[name], seconds=round(time.perf_counter() - start, 3))
        self.stages[name] = {**record, **meter.end(name)}
        self.bar.update(1)
        return value, key

    def add_columns(
        self,
        name: str,
        version: str,
        opts: dict[str, object],
        deps: list[str],
        df: pd.DataFrame,
        func,
        keep=None,
    ):  # noqa: ANN001
        """Run a per-response stage ``func(df) -> df`` and cache only the columns it adds.

        ``func`` may return ``(df, extra)``: ``extra`` (e.g. word counts) is cached with
        the columns and left in ``self.extras[name]``. ``func`` gets the table without the
        text columns it does not read, in row batches for the stages listed in
        :data:`~traceanalysis.engine.memory.BATCH_ROWS` (same rows, same output).
        """

        def compute() -> tuple[pd.DataFrame, dict[str, object], object]:
            pieces: list[pd.DataFrame] = []
            attrs: dict[str, object] | None = None
            extra = None
            for batch in row_batches(name, stage_input(name, df)):
                result = func(batch)
                out, extra = result if isinstance(result, tuple) else (result, None)
                if extra is not None and len(batch) != len(df):
                    raise RuntimeError(f"stage {name} returns extra data: it cannot run in batches")
                if len(out) != len(batch):
                    raise RuntimeError(f"stage {name} changed the number of rows")
                new = [c for c in out.columns if c not in df.columns]
                part = {k: v for k, v in out.attrs.items() if k not in df.attrs}
                if attrs is not None and part != attrs:
                    raise RuntimeError(f"stage {name} gave different attrs for two row batches")
                attrs = part
                pieces.append(out[new].reset_index(drop=True))
                del result, out
            cols = pieces[0] if len(pieces) == 1 else pd.concat(pieces, ignore_index=True)
            return cols, attrs or {}, extra

        keep_attrs = None if keep is None else (lambda value: keep(value[1]))  # on its attrs
        (cols, attrs, self.extras[name]), key = self.run(
            name, version, opts, deps, compute, keep_attrs
        )
        merged = pd.concat([df.reset_index(drop=True), cols.set_axis(range(len(df)))], axis=1)
        merged.attrs = {**df.attrs, **attrs}
        return merged, key


class StepTimer:
    """``with timer(name):`` records the block's seconds in ``stages[name]``."""

    def __init__(self, stages: dict[str, dict[str, object]]) -> None:
        self.stages = stages
        self.name = ""
        self.start = 0.0
        self.begun: dict[str, object] = {}

    def __call__(self, name: str) -> StepTimer:
        self.name = name
        return self

    def __enter__(self) -> None:
        self.begun = stage_meter().begin(self.name)
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        seconds = round(time.perf_counter() - self.start, 3)
        release_free_memory()
        record = self.stages.setdefault(self.name, {})
        record.update(self.begun, seconds=seconds, **stage_meter().end(self.name))
