"""Benchmark: the rule tagger (stage ``behaviors``) now against an earlier commit's tagger.

Both run in this process on the same texts: ``bench_report.py``'s generated responses (its
first problems; 16 samples each, 4 runs), as a ``string`` column like the pipeline's.
The baseline's ``tagger.py``, ``cuescan.py`` and ``sentences.py`` are read from git
(``--baseline``, default the commit before the speed work) into a temporary package.

* time: rounds alternate baseline / current, in one process (``--workers 1``: single
  process, also CPU seconds; default: the tagger's own choice, two forked workers from
  5,000 texts on), called once or per ``--batch`` rows as the report pipeline does, with
  spaCy imported beforehand as there; outputs are checked equal;
* memory: each tagger once more in a fresh process reading the texts from Parquet: the
  peak RSS of that (main) process while tagging (``VmHWM``, reset just before) over its
  RSS before; the forked workers are not counted.

    python benchmarks/bench_tagger_vs_baseline.py [--texts 8000] [--rounds 2] [--workers N]
        [--batch ROWS]
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "75185ef~1"  # the tagger before the literal-prefix trees and the rule splitter
MODULES = ("tagger", "cuescan", "sentences")


def load_baseline(commit: str, folder: Path):  # type: ignore[no-untyped-def]
    """The baseline tagger module, from ``commit``'s files (stage registration removed)."""
    for name in MODULES:
        source = subprocess.run(
            ["git", "show", f"{commit}:traceanalysis/behaviors/{name}.py"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        for other in MODULES:
            source = source.replace(
                f"from traceanalysis.behaviors.{other} import", f"from baseline_{other} import"
            )
        source = re.sub(r"^@stage\(.*?^\)\n", "", source, flags=re.DOTALL | re.MULTILINE)
        (folder / f"baseline_{name}.py").write_text(source, encoding="utf-8")
    sys.path.insert(0, str(folder))
    return importlib.import_module("baseline_tagger")


def report_texts(n: int, folder: Path) -> list[str]:
    """The first ``n`` responses of ``bench_report.py``'s runs folder (same generator)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_report import RUNS, make_runs

    make_runs(folder / "runs", max(1, -(-n // (16 * len(RUNS)))), 16, 3000)
    texts = []
    for path in sorted((folder / "runs").glob("*/samples.jsonl")):
        with open(path, encoding="utf-8") as fh:
            texts.extend(json.loads(line)["response"] for line in fh)
    return texts[:n]


def frame(texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"response": pd.array(texts, dtype="string")})


def single_process(module, workers: int | None) -> None:  # type: ignore[no-untyped-def]
    if workers is not None:
        module._PARALLEL_MIN_TEXTS = 0 if workers > 1 else 10**12


def tag_in_batches(module, df: pd.DataFrame, batch: int) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The stage over ``batch``-row slices, as the pipeline calls it (0: the whole frame)."""
    if batch <= 0 or len(df) <= batch:
        return module.tag_behaviors(df)
    parts = [module.tag_behaviors(df.iloc[s : s + batch]) for s in range(0, len(df), batch)]
    return pd.concat(parts)


def bench_time(texts: list[str], baseline, rounds: int, workers: int | None, batch: int) -> None:  # type: ignore[no-untyped-def]
    """Interleaved rounds; best wall (and CPU) seconds of each tagger and their ratio."""
    from traceanalysis.behaviors import tagger

    df = frame(texts)
    for module in (baseline, tagger):
        single_process(module, workers)
        module.tag_behaviors(df.head(50))  # warm-up: definitions, spaCy
    best: dict[str, tuple[float, float]] = {}
    for _ in range(rounds):
        for name, module in (("baseline", baseline), ("current", tagger)):
            t0, c0 = time.perf_counter(), time.process_time()
            out = tag_in_batches(module, df, batch)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            if name == "baseline":
                reference = out
            else:
                pd.testing.assert_frame_equal(out, reference)
            old = best.get(name, (float("inf"), 0.0))
            best[name] = min(old, (wall, cpu))
    mb = sum(len(t) for t in texts) / 2**20
    label = "default workers" if workers is None else f"workers={workers}"
    label += f", {batch}-row batches" if 0 < batch < len(texts) else ", one call"
    print(f"{len(texts):,} texts, {mb:.1f} MiB, {label}, best of {rounds} (outputs equal):")
    for name, (wall, cpu) in best.items():
        print(f"  {name:<9} {wall:7.2f} s wall  {cpu:7.2f} s CPU (main process)")
    ratio = best["current"][0] / best["baseline"][0]
    print(f"  current / baseline wall time = {ratio:.3f} ({1 / ratio:.2f}x faster)")


def memory_child(which: str, parquet: str, commit: str) -> None:
    """In a fresh process: peak RSS growth of one tagger over the RSS before it."""
    df = pd.read_parquet(parquet)
    df["response"] = df["response"].astype("string")
    if which == "baseline":
        module = load_baseline(commit, Path(tempfile.mkdtemp(prefix="tagger_baseline_")))
    else:
        from traceanalysis.behaviors import tagger as module
    module.tag_behaviors(df.head(50))
    before = _status_mib("VmRSS")
    try:  # reset the high-water mark to the current RSS (Linux), so the peak is this call's
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    out = module.tag_behaviors(df)
    peak = _status_mib("VmHWM")
    spans = out["behavior_spans"].str.len().sum() / 2**20
    print(f"  {which:<9} RSS before {before:6.0f} MiB, peak {peak:6.0f} MiB: "
          f"+{peak - before:.0f} MiB (the spans column it adds: {spans:.0f} MiB of text)")  # fmt: skip


def _status_mib(key: str) -> float:
    """``VmRSS`` / ``VmHWM`` of this process in MiB (ru_maxrss would carry the parent's
    high-water mark across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{key} not in /proc/self/status")


def main() -> None:
    """Time both taggers in this process, then their memory in fresh processes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=8000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None, help="default: the tagger's own")
    parser.add_argument("--baseline", default=BASELINE, help="git commit of the baseline")
    parser.add_argument(
        "--batch", type=int, default=0, help="rows per call (the pipeline uses 8192); 0: one call"
    )
    parser.add_argument(
        "--memory-child", nargs=2, metavar=("WHICH", "PARQUET"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child[0], args.memory_child[1], args.baseline)
        return
    with tempfile.TemporaryDirectory(prefix="bench_tagger_") as tmp:
        texts = report_texts(args.texts, Path(tmp))
        baseline = load_baseline(args.baseline, Path(tmp))
        import spacy  # noqa: F401  (imported before tagging, as in the report pipeline)

        bench_time(texts, baseline, args.rounds, args.workers, args.batch)
        parquet = str(Path(tmp) / "texts.parquet")
        frame(texts).to_parquet(parquet)
        del texts
        print("peak memory of the main process (fresh process each, default workers):")
        for which in ("baseline", "current"):
            subprocess.run(
                [sys.executable, __file__, "--baseline", args.baseline, "--memory-child", which, parquet],
                check=True,
            )  # fmt: skip


if __name__ == "__main__":
    main()
