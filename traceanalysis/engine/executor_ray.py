"""The ``ray`` executor: a per-row stage's row groups as a Ray Data ``map_batches``.

The dataset is the row-group indices of the input Parquet file, one block each; every Ray
task reads its own row group (:func:`~traceanalysis.engine.store.read_batch`, so the file
must be readable where the tasks run: always so on a local instance) and returns one row
holding the pickled result of ``func``, whatever it is (a frame, a ``(frame, partial)``
tuple): the driver gets back exactly what the local executor would have computed. Ray
Data's streaming executor owns the back-pressure; ``preserve_order`` keeps row-group order.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from traceanalysis.engine import store
from traceanalysis.errors import InputError

INSTALL = 'pip install "traceanalysis[ray]"'


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] != "ray":
            raise  # a dependency of an installed ray is broken: show that, not the hint
        raise InputError(
            f"--executor ray needs Ray Data, which is not installed: {INSTALL}"
        ) from None
    return ray


def _ray_task(
    func: Callable[[pd.DataFrame], Any], path: str, columns: list[str], batch: pa.Table
) -> pa.Table:
    indices = batch.column("id").to_pylist()
    results = [pickle.dumps(func(store.read_batch(Path(path), i, columns))) for i in indices]
    return pa.table(
        {"index": pa.array(indices, pa.int64()), "result": pa.array(results, pa.large_binary())}
    )


class RayExecutor:
    """Row groups as Ray tasks on a running Ray instance (a local one started if none is)."""

    name = "ray"

    def __init__(self, workers: int | None = None):
        """Connect to the running Ray instance, or start a local one with ``workers`` CPUs
        (default: every core) that :meth:`close` shuts down again."""
        self._ray = _import_ray()
        self._started = False
        if not self._ray.is_initialized():
            self._ray.init(
                num_cpus=workers,
                include_dashboard=False,
                logging_level=logging.WARNING,
                configure_logging=True,
                log_to_driver=True,
            )
            self._started = True
        cpus = int(self._ray.cluster_resources().get("CPU", 1))
        self.workers = min(workers, cpus) if workers else cpus

    def map(
        self, func: Callable[[pd.DataFrame], Any], path: Path, columns: Sequence[str]
    ) -> Iterator[Any]:
        """``func`` on each row group of ``path`` (only ``columns``), in row-group order."""
        n = store.row_groups(path)
        if n == 0:
            return
        data = self._ray.data
        context = data.DataContext.get_current()
        saved = (context.execution_options.preserve_order, context.enable_progress_bars)
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        try:
            dataset = data.range(n, override_num_blocks=n).map_batches(
                partial(_ray_task, func, str(path), list(columns)),
                batch_size=1,
                batch_format="pyarrow",
                concurrency=self.workers,
            )
            expected = 0
            for batch in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
                for index, blob in zip(
                    batch.column("index").to_pylist(),
                    batch.column("result").to_pylist(),
                    strict=True,
                ):
                    if index != expected:
                        raise RuntimeError(f"Ray Data returned row group {index}, not {expected}")
                    expected += 1
                    yield pickle.loads(blob)
            if expected != n:
                raise RuntimeError(f"Ray Data returned {expected} of {n} row groups")
        finally:
            context.execution_options.preserve_order, context.enable_progress_bars = saved

    def close(self) -> None:
        """Shut the Ray instance down if this executor started it."""
        if self._started:
            self._started = False
            self._ray.shutdown()

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close()
