"""Benchmark: rule tagging throughput, judge client throughput, cached judge reruns.

1. Rule tagging (``tag_behaviors``) on a generated corpus of reasoning traces (LaTeX, line
   breaks, cue sentences): responses/s and MB/s, against a baseline in the same process —
   the naive way, spaCy's sentencizer run over each whole text.
2. Judge client against the local fake OpenAI server (a separate process) answering after
   50 ms: calls/s at concurrency 1, 8 and 32. Target: concurrency 32 >= 20x concurrency 1.
3. A fully cached rerun of 10,000 labels. Target: < 5 s.

    python benchmarks/bench_behaviors.py [--responses 2000] [--labels 10000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "behaviors"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from traceanalysis.behaviors import JudgeConfig, judge_behaviors, tag_behaviors  # noqa: E402
from traceanalysis.behaviors.judge import _Session  # noqa: E402
from traceanalysis.behaviors.judge_cache import JudgeCache  # noqa: E402

SENTENCES = [
    "First, we need to find the value of $x$ such that $x^2 - 5x + 6 = 0$.",
    "Factoring gives $(x-2)(x-3) = 0$, so $x = 2$ or $x = 3.5 - 0.5$.",
    "Wait, that's not right. Let me recompute the discriminant.",
    "Let me check: $2^2 - 5 \\cdot 2 + 6 = 0$, which matches.",
    "Alternatively, we could use the quadratic formula $x = \\frac{5 \\pm 1}{2}$.",
    "Hmm, I'm not sure whether the problem wants both roots.",
    "Working backwards from the answer, the sum of the roots must be 5.",
    "Let me recheck the second case.",
    "So the total is 12 apples and 7 oranges.",
    "The area of the triangle is $\\frac{1}{2} b h = 24$.",
    "$$\nS = \\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}.\n$$",
    "Therefore, the answer is $\\boxed{5}$.",
]


def make_corpus(n: int, seed: int = 0) -> list[str]:
    """``n`` synthetic traces of 10-40 sentences, lines broken at random."""
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(n):
        picks = rng.choice(len(SENTENCES), size=int(rng.integers(10, 40)))
        parts = [SENTENCES[i] + ("\n" if rng.random() < 0.3 else " ") for i in picks]
        texts.append("".join(parts))
    return texts


def lexical_corpus(mb: float) -> list[str] | None:
    """The lexical benchmark's corpus (benchmarks/bench_lexical.py), if that file is there."""
    import importlib.util

    path = ROOT / "benchmarks" / "bench_lexical.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("bench_lexical", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.make_corpus(int(mb * 1e6))


def bench_tagger(texts: list[str], name: str) -> None:
    """Tagger vs. naive whole-text spaCy sentencization."""
    import spacy

    n = len(texts)
    mb = sum(len(t.encode()) for t in texts) / 1e6
    df = pd.DataFrame({"response": texts})
    tag_behaviors(df.head(50))  # warm up: load definitions and spaCy
    t0 = time.perf_counter()
    tag_behaviors(df)
    tagged = time.perf_counter() - t0
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    t0 = time.perf_counter()
    for doc in nlp.pipe(texts, batch_size=256):
        list(doc.sents)
    naive = time.perf_counter() - t0
    print(f"rule tagging, {name}: {n} responses, {mb:.1f} MB")
    print(f"  tag_behaviors         {n / tagged:8.0f} responses/s {mb / tagged:6.2f} MB/s")
    print(f"  baseline spaCy split  {n / naive:8.0f} responses/s {mb / naive:6.2f} MB/s")
    print(f"  ratio (tagger speed / baseline speed) = {naive / tagged:.2f}")


def start_server(latency: float, folder: Path) -> tuple[subprocess.Popen, str]:
    """The fake server in its own process (it exits after 30 s without requests)."""
    port_file = folder / "port"
    script = ROOT / "tests" / "behaviors" / "fake_openai.py"
    args = [
        sys.executable,
        str(script),
        "--latency",
        str(latency),
        "--port-file",
        str(port_file),
        "--idle-exit",
        "30",
    ]
    proc = subprocess.Popen(args)
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("fake server did not start")
        time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port_file.read_text()}/v1"


def frame(n: int, tag: str) -> pd.DataFrame:
    """``n`` distinct short responses."""
    return pd.DataFrame(
        {"run": ["bench"] * n, "response": [f"{tag} reply {i} #verification" for i in range(n)]}
    )


def bench_judge(folder: Path, repeats: int) -> None:
    """calls/s at concurrency 1, 8, 32 with 50 ms server latency; median of ``repeats``."""
    proc, url = start_server(0.05, folder)
    try:
        # Warm-up: imports and the first client cost seconds once; keep them out of c=1.
        warm = str(folder / "warm.sqlite")
        judge_behaviors(
            frame(8, "warm"), JudgeConfig("openai:bench", base_url=url, cache_path=warm)
        )
        runs: dict[int, list[tuple[float, float]]] = {1: [], 8: [], 32: []}
        for rep in range(repeats):
            for conc, calls in ((1, 60), (8, 320), (32, 1280)):
                cfg = JudgeConfig(
                    "openai:bench",
                    base_url=url,
                    concurrency=conc,
                    behaviors=("verification",),
                    cache_path=str(folder / f"c{conc}-{rep}.sqlite"),
                )
                df = frame(calls, f"c{conc}")
                t0, c0 = time.perf_counter(), time.process_time()
                out = judge_behaviors(df, cfg)
                elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
                assert (out["judge_status"] == "ok").all()
                runs[conc].append((calls / elapsed, 1000 * cpu / calls))
        rates = {c: float(np.median([r for r, _ in v])) for c, v in runs.items()}
        cpus = {c: float(np.median([m for _, m in v])) for c, v in runs.items()}
        print(f"judge client, fake server (own process) with 50 ms latency, median of {repeats}:")
        for conc, rate in rates.items():
            each = ", ".join(
                f"{r / c1:.1f}x" for (r, _), (c1, _) in zip(runs[conc], runs[1], strict=True)
            )
            print(
                f"  concurrency {conc:2d}  {rate:7.1f} calls/s  ({rate / rates[1]:5.1f}x"
                f" concurrency 1; per repeat {each})  client CPU {cpus[conc]:.2f} ms/call"
            )
        cpu_ms = cpus[32]
        print(
            f"  CPU-bound ceiling at concurrency 32: {1000 / cpu_ms:.0f} calls/s"
            f" = {1000 / cpu_ms / rates[1]:.1f}x concurrency 1 when the client has a core to itself"
        )
    finally:
        proc.terminate()
        proc.wait()


def bench_cached(folder: Path, labels: int) -> None:
    """A rerun of ``labels`` labels that are all cached (cache filled directly)."""
    behaviors = (
        "verification",
        "backtracking",
        "subgoal_setting",
        "backward_chaining",
        "self_reflection",
    )
    n = labels // len(behaviors)
    df = frame(n, "cached")
    cfg = JudgeConfig(
        "openai:bench",
        base_url="http://127.0.0.1:9/v1",
        behaviors=behaviors,
        cache_path=str(folder / "cached.sqlite"),
    )
    session = _Session(df, cfg)
    cache = JudgeCache(cfg.cache_path)
    with cache.conn:
        cache.conn.executemany(
            "INSERT INTO judge_labels VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (k, session.judge_id, "judge_v1", b, "h", "ok", 1, 1, "", "", 0.0)
                for (_, b), k in session.keys.items()
            ],
        )
    cache.close()
    t0 = time.perf_counter()
    out = judge_behaviors(df, cfg)
    elapsed = time.perf_counter() - t0
    assert out.attrs["judge"]["n_calls"] == 0 and (out["judge_status"] == "ok").all()
    print(
        f"cached rerun: {len(session.keys)} labels in {elapsed:.2f} s ({len(session.keys) / elapsed:.0f} labels/s; target < 5 s)"
    )


def main() -> None:
    """Run the three benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=2000, help="corpus size for the tagger")
    parser.add_argument("--lexical-mb", type=float, default=2.0, help="MB of the lexical corpus")
    parser.add_argument("--labels", type=int, default=10000, help="labels in the cached rerun")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the judge benchmark")
    args = parser.parse_args()
    bench_tagger(make_corpus(args.responses), "behaviour-rich corpus")
    lexical = lexical_corpus(args.lexical_mb)
    if lexical is not None:
        bench_tagger(lexical, "the lexical benchmark's corpus")
    with tempfile.TemporaryDirectory() as tmp:
        bench_judge(Path(tmp), args.repeats)
        bench_cached(Path(tmp), args.labels)


if __name__ == "__main__":
    main()
