"""Per-stage memory of the report pipeline, for ``bench_report.py`` (Linux ``/proc``).

This process: the kernel's peak resident set (``VmHWM``), reset as each stage starts
(``/proc/self/clear_refs``), over a base RSS. Worker processes: their private memory
(USS), sampled every 20 ms by a thread. :func:`fresh_process_peak`: the peak memory of a
command run in a fresh process.
"""

from __future__ import annotations

import importlib
import os
import resource
import subprocess
import threading
import time
from pathlib import Path
from types import ModuleType

# Where the pipeline's stage-meter hook lives: issue 14 moved it from report/ to engine/;
# the old place is kept so the benchmark also measures the code from before that move.
STAGE_MEMORY_MODULES = ("traceanalysis.engine.memory", "traceanalysis.report.stage_memory")


def stage_memory_module() -> ModuleType:
    """The module holding ``StageMeter`` and ``set_stage_meter`` in this traceanalysis.

    Looked up as a file inside the imported package: an editable install's finder would
    otherwise serve a module missing from an older checkout on PYTHONPATH from the newer one.
    """
    import traceanalysis

    package = Path(traceanalysis.__file__).parent
    for name in STAGE_MEMORY_MODULES:
        if package.joinpath(*name.split(".")[1:]).with_suffix(".py").is_file():
            return importlib.import_module(name)
    raise ImportError(f"none of {', '.join(STAGE_MEMORY_MODULES)} exists in {package}")


def proc_status_mib(pid: int | str = "self") -> dict[str, float]:
    """``VmRSS`` and ``VmHWM`` of a process, in MiB (Linux)."""
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out


def reset_peak() -> bool:
    """Reset this process's ``VmHWM`` to its current RSS (``clear_refs`` 5); False if denied."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    """Every process started by ``pid``, recursively (``/proc/PID/task/TID/children``)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as fh:
                    kids = [int(k) for k in fh.read().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def workers_uss_mib(root: int | None = None) -> float:
    """Private memory (USS: Private_Clean + Private_Dirty) of all descendant processes of
    ``root`` (default: this process), MiB."""
    total = 0
    for pid in descendants(os.getpid() if root is None else root):
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
                total += sum(int(line.split()[1]) for line in fh if line.startswith("Private_"))
        except (OSError, ValueError):
            continue
    return total / 1024


class BenchMeter:
    """Per stage: this process's peak and final RSS over ``base`` (MiB) and the workers' peak
    USS; installed in the pipeline with ``set_stage_meter``."""

    def __init__(self, base: float) -> None:
        self.default = stage_memory_module().StageMeter()
        self.base = base
        self.exact = reset_peak()  # else ru_maxrss: the process's peak so far, not the stage's
        self.records: dict[str, dict[str, float]] = {}
        self.between = 0.0  # peak growth outside the stages (choosing the reference, findings)
        self.workers = self.combined = 0.0
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _peak(self) -> float:
        if self.exact:
            return proc_status_mib()["VmHWM"]
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def _sample(self) -> None:
        while self.running:
            uss = workers_uss_mib()
            rss = proc_status_mib()["VmRSS"]
            with self.lock:
                self.workers = max(self.workers, uss)
                self.combined = max(self.combined, rss + uss - self.base)
            time.sleep(0.02)

    def begin(self, name: str) -> dict[str, object]:
        """Close the gap since the last stage and start this stage's peak."""
        self.between = max(self.between, self._peak() - self.base)
        reset_peak()
        with self.lock:
            self.workers = 0.0
        return self.default.begin(name)

    def end(self, name: str) -> dict[str, object]:
        """Record this stage's peak, final RSS and workers' USS (MiB)."""
        with self.lock:
            workers = self.workers
        after = proc_status_mib()["VmRSS"] - self.base
        self.records[name] = {"peak": self._peak() - self.base, "after": after, "workers": workers}
        record = self.default.end(name)
        reset_peak()
        return record

    def stop(self) -> dict[str, float]:
        """Stop sampling; the run's peaks: this process, workers, both together (MiB)."""
        self.between = max(self.between, self._peak() - self.base)
        self.running = False
        self.thread.join()
        peak = max([self.between] + [r["peak"] for r in self.records.values()])
        workers = max([0.0] + [r["workers"] for r in self.records.values()])
        return {"peak": peak, "workers": workers, "combined": max(self.combined, peak)}


def fresh_process_peak(command: list[str]) -> dict[str, float]:
    """Run ``command`` in a fresh process; its seconds and peak memory (MiB).

    ``maxrss``: the kernel's peak RSS of the largest single process of the tree (the
    command, or a worker it waited for; from ``wait4``). ``tree``: the command's RSS plus
    its descendants' USS, sampled together every 20 ms (shared pages counted once).
    Raises ``CalledProcessError`` when the command fails.
    """
    start = time.perf_counter()
    child = subprocess.Popen(command)
    tree = 0.0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        try:
            rss = proc_status_mib(child.pid)["VmRSS"]
        except (OSError, KeyError):  # exiting: /proc entry gone or without VmRSS
            rss = 0.0
        tree = max(tree, rss + workers_uss_mib(child.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command)
    maxrss = usage.ru_maxrss / 1024
    return {"seconds": seconds, "maxrss": maxrss, "tree": max(tree, maxrss)}
