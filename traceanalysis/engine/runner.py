"""Running a plan: every stage through the stage cache, per-row stages on the executor.

- The source stage (``load``) writes the samples table, text included, to one Parquet
  file; only its text-free columns are kept in memory (:attr:`RunState.features`).
- A per-row stage reads the columns it declares from that file one row group at a time
  (on the executor: this process, worker processes or Ray Data); the columns it adds are
  written batch by batch to a Parquet file of its own; the text-free ones join the
  features, the ``*_spans`` ones stay on disk for the report's examples.
- A corpus stage (a reduce, a table) reads the features and the values of the stages it
  needs.

Each stage's key hashes its name, version, options and the keys of the stages it depends
on, so a changed option recomputes that stage and the ones downstream only.
:class:`StepTimer` times the report-writing steps after the analysis.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from tqdm import tqdm

from traceanalysis.cache import content_hash
from traceanalysis.engine import store
from traceanalysis.engine.cache import StageCache, file_sha256
from traceanalysis.engine.executors import LocalExecutor
from traceanalysis.engine.memory import is_text_column, release_free_memory, stage_meter
from traceanalysis.engine.plan import Plan, matches
from traceanalysis.engine.registry import Stage
from traceanalysis.engine.state import RunState


def apply_rows(
    func: Callable[..., Any], options: Mapping[str, Any], combine: bool, batch: pd.DataFrame
) -> tuple[pd.DataFrame, Any, dict[str, Any]]:
    """Run a per-row stage on one batch: (the columns it added, its partial, its attrs)."""
    result = func(batch, **options)
    frame, partial = result if combine else (result, None)
    if len(frame) != len(batch):
        raise RuntimeError(
            f"stage {getattr(func, 'stage_name', func)} returned {len(frame)} rows for "
            f"{len(batch)}: a per-row stage keeps every row"
        )
    new = [c for c in frame.columns if c not in batch.columns]
    attrs = {k: v for k, v in frame.attrs.items() if k not in batch.attrs}
    added = frame[new].reset_index(drop=True)
    added.attrs = {}
    return added, partial, attrs


class PlanRunner:
    """Runs the stages of a plan in order through the stage cache (see the module doc)."""

    def __init__(
        self,
        plan: Plan,
        options: Mapping[str, Any],
        *,
        cache: StageCache,
        executor: Any = None,
        scratch: Path,
        progress: bool = True,
    ) -> None:
        self.plan = plan
        self.options = dict(options)
        self.cache = cache
        self.executor = executor if executor is not None else LocalExecutor(1)
        self.scratch = Path(scratch)
        self.state = RunState()
        self.bar = tqdm(total=len(plan.stages), desc="stages", unit="stage", disable=not progress)

    def run(self) -> RunState:
        """Run every stage of the plan; returns the :class:`RunState`."""
        try:
            for s in self.plan.stages:
                self.bar.set_postfix_str(s.name)
                self._run_stage(s)
                self.bar.update(1)
        finally:
            self.bar.close()
        return self.state

    # -- one stage ---------------------------------------------------------------------------

    def _options(self, s: Stage) -> tuple[dict[str, Any], dict[str, Any]]:
        missing = [n for n in (*s.options, *s.runtime) if n not in self.options]
        if missing:
            raise KeyError(f"stage {s.name!r} takes option(s) {missing} that this run lacks")
        return {n: self.options[n] for n in s.options}, {n: self.options[n] for n in s.runtime}

    def _run_stage(self, s: Stage) -> None:
        opts, runtime = self._options(s)
        material = s.key(opts) if s.key is not None else opts
        deps = [self.state.keys[d] for d in self.plan.deps[s.name]]
        key = StageCache.key(s.name, s.version, material, *deps)
        meter = stage_meter()
        record: dict[str, object] = {"version": s.version, "key": key[:16], **meter.begin(s.name)}
        start = time.perf_counter()
        hit = self._cached(s, key)
        if hit is None:
            hit = self._compute(s, key, {**opts, **runtime})
            cached = False
        else:
            cached = True
        entry, kept = hit
        self._absorb(s, entry)
        if not kept:  # downstream keys on this output's own values
            key = content_hash(key, "unkept", self._digest(s, entry))
        self.state.keys[s.name] = key
        release_free_memory()
        record.update(cached=cached, seconds=round(time.perf_counter() - start, 3))
        self.state.records[s.name] = {**record, **meter.end(s.name)}

    def _file(self, s: Stage, key: str) -> Path:
        root = self.cache.root if self.cache.enabled else self.scratch
        return root / f"{s.name}-{key[:24]}.parquet"

    def _cached(self, s: Stage, key: str) -> tuple[dict[str, Any], bool] | None:
        entry = self.cache.get(s.name, key)
        if entry is StageCache.MISSING:
            return None
        digest = entry.get("sha256")
        if digest is not None:
            path = self._file(s, key)
            if not path.is_file() or file_sha256(path)[0] != digest:
                self.state.notes.append(
                    f"Stage cache: {path.name} was missing or damaged; stage {s.name} recomputed."
                )
                return None
            entry = {**entry, "file": path}
        return entry, True

    def _compute(self, s: Stage, key: str, options: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        if s.kind == "source":
            entry = self._source(s, key, options)
        elif s.kind == "rows":
            entry = self._rows(s, key, options)
        else:
            entry = {"value": self._corpus(s, options)}
        kept = s.keep is None or s.keep(entry.get("value"))
        if kept and self.cache.enabled:
            stored = {k: v for k, v in entry.items() if k != "file"}
            self.cache.put(s.name, key, stored)
        return entry, kept

    def _source(self, s: Stage, key: str, options: dict[str, Any]) -> dict[str, Any]:
        path = self._file(s, key)
        attrs = s.func(path, **options)
        return {"attrs": attrs, "value": None, "sha256": file_sha256(path)[0], "file": path}

    def _rows(self, s: Stage, key: str, options: dict[str, Any]) -> dict[str, Any]:
        text = self.state.text_file
        if text is None:
            raise RuntimeError(f"stage {s.name!r} runs before any source stage")
        on_disk = store.column_names(text)
        read = [c for c in on_disk if matches(c, s.reads)]
        in_memory = [
            c for c in self.state.features.columns if c not in on_disk and matches(c, s.reads)
        ]
        needs = {n: self.state.values.get(n) for n in s.needs}
        task = functools.partial(apply_rows, s.func, {**options, **needs}, s.combine is not None)
        if s.batch_rows == 0:  # one call on the whole table
            whole = store.read_columns(text, read)
            if in_memory:
                whole = pd.concat(
                    [whole, self.state.features[in_memory].reset_index(drop=True)], axis=1
                )
            results: Any = iter([task(whole)])
        elif s.executor == "shared" and not in_memory:
            results = self.executor.map(task, text, read)
        else:
            results = self._in_process(task, text, read, in_memory, s.batch_rows)
        partials: list[Any] = []
        attrs: dict[str, Any] = {}

        def frames() -> Iterator[pd.DataFrame]:
            for added, partial, part_attrs in results:
                partials.append(partial)
                if not attrs:
                    attrs.update(part_attrs)
                yield added

        path = self._file(s, key)
        rows = store.write_batches(path, frames(), _row_group_rows(text))
        if rows != len(self.state.features):
            raise RuntimeError(f"stage {s.name!r} wrote {rows} rows for {len(self.state.features)}")
        value = s.combine(partials) if s.combine is not None else None
        return {"attrs": attrs, "value": value, "sha256": file_sha256(path)[0], "file": path}

    def _in_process(
        self,
        task: Callable[[pd.DataFrame], Any],
        text: Path,
        read: list[str],
        in_memory: list[str],
        batch_rows: int | None,
    ) -> Iterator[Any]:
        """``task`` on consecutive row groups of ``text`` joined up to ``batch_rows`` rows
        (one row group per call when None), with the in-memory columns it reads."""
        meta = pq.ParquetFile(text).metadata
        groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        start = 0
        i = 0
        while i < len(groups):
            j, rows = i + 1, groups[i]
            while batch_rows and j < len(groups) and rows + groups[j] <= batch_rows:
                rows += groups[j]
                j += 1
            parts = [store.read_batch(text, g, read) for g in range(i, j)]
            batch = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
            if in_memory:
                part = self.state.features[in_memory].iloc[start : start + len(batch)]
                batch = pd.concat([batch, part.reset_index(drop=True)], axis=1)
            start += len(batch)
            i = j
            yield task(batch)

    def _upstream(self, name: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.plan.deps[name])
        while todo:
            d = todo.pop()
            if d not in seen:
                seen.add(d)
                todo.extend(self.plan.deps.get(d, ()))
        return seen

    def _corpus(self, s: Stage, options: dict[str, Any]) -> Any:
        # a corpus stage sees the columns of the stages upstream of it, text excluded
        features = self.state.features
        upstream = self._upstream(s.name)
        cols = [c for c in features.columns if self.state.origin.get(c) in upstream]
        df = features[cols] if len(cols) != len(features.columns) else features
        df.attrs = dict(features.attrs)
        needs = {n: self.state.values.get(n) for n in s.needs}
        return s.func(df, **options, **needs)

    # -- results into the state --------------------------------------------------------------

    def _absorb(self, s: Stage, entry: dict[str, Any]) -> None:
        state = self.state
        state.values[s.name] = entry.get("value")
        if s.kind == "source":
            path = entry["file"]
            state.text_file = path
            names = store.column_names(path)
            state.columns = list(names)
            keep = [c for c in names if not is_text_column(c)]
            state.features = store.read_columns(path, keep)
            state.column_files.update({c: path for c in names if is_text_column(c)})
            state.features.attrs = dict(entry.get("attrs") or {})
            state.origin.update({c: s.name for c in names})
            return
        if s.kind == "rows":
            added = self._join_columns(entry["file"], dict(entry.get("attrs") or {}))
            state.origin.update({c: s.name for c in added if c not in state.origin})
            return
        value = entry.get("value")
        if s.table:
            tables = value if isinstance(value, dict) else {s.name: value}
            for name, frame in tables.items():
                if isinstance(frame, pd.DataFrame):
                    state.tables[name] = frame
                    state.table_stage[name] = s.name
        elif s.adds and isinstance(value, pd.DataFrame) and len(value) == len(state.features):
            self._join_frame(value)
            state.origin.update({c: s.name for c in value.columns if c not in state.origin})

    def _join_columns(self, path: Path, attrs: dict[str, Any]) -> list[str]:
        names = store.column_names(path)
        keep = [c for c in names if not is_text_column(c)]
        frame = store.read_columns(path, keep) if keep else pd.DataFrame(index=range(0))
        self.state.column_files.update({c: path for c in names if is_text_column(c)})
        self._join_frame(frame, extra=[c for c in names if is_text_column(c)])
        self.state.features.attrs.update(attrs)
        return names

    def _join_frame(self, frame: pd.DataFrame, extra: list[str] | None = None) -> None:
        state = self.state
        attrs = dict(state.features.attrs)
        new = [c for c in frame.columns if c not in state.features.columns]
        if new:
            state.features = pd.concat(
                [state.features, frame[new].set_axis(state.features.index)], axis=1
            )
        state.features.attrs = attrs
        for c in [*frame.columns, *(extra or [])]:
            if c not in state.columns:
                state.columns.append(c)

    def _digest(self, s: Stage, entry: dict[str, Any]) -> str:
        if "sha256" in entry:
            return str(entry["sha256"])
        return content_hash(repr(entry.get("value")))


def _row_group_rows(path: Path) -> int:
    meta = pq.ParquetFile(path).metadata
    return max((meta.row_group(i).num_rows for i in range(meta.num_row_groups)), default=1)


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
