"""``view``'s page latency on a large samples.parquet, over HTTP like the browser.

Writes a synthetic report folder (``--rows`` responses, default 1,000,000: 4 runs x
``rows/64`` problems x 16 samples, 1-2 KB responses built from a pool of reasoning
sentences, behaviour and lexicon spans over real offsets, lexicon and behaviour columns,
difficulty bins, a training ``step``, 10% of responses with a ``<think>`` block), starts the real
server (uvicorn on 127.0.0.1) and times ``/api/samples`` pages with and without filters and
search, each the median of ``--repeat`` requests, in milliseconds.

    python benchmarks/bench_view.py [--rows 1000000] [--repeat 9] [--folder DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from traceanalysis.view.serve import Server  # noqa: E402

RUNS = (
    ("qwen-base", "base"),
    ("qwen-zero-rl", "rl"),
    ("r1-distill", "distilled"),
    ("sft", "other"),
)
BEHAVIORS = ("verification", "backtracking", "subgoal_setting", "backward_chaining",
             "multi_perspective", "metacognitive_awareness", "self_reflection")  # fmt: skip
LEXICONS = ("anthropomorphic", "logical_connectors", "reflection_kim2025", "reflection_simplerl")
PLAIN = [
    "We compute {a} times {b}, which gives {c}.",
    "Next, substitute x = {a} into the equation {b}x + {c} = 0.",
    "The sum of the first {a} terms is {c}, so the average is {b}.",
    "Since {a} is prime, the only divisors are 1 and {a}.",
    "Therefore the remainder when {c} is divided by {b} is {a}.",
    "Expanding the product, the coefficient of x^{a} equals {c}.",
    "So the area of the triangle is {c} square units.",
    "Thus the probability is {a}/{c}, which cannot be simplified further.",
]
CUED = [
    ("Wait, let me check this step again: {a} + {b} = {c}.", "verification"),
    ("Hmm, that was wrong; let me go back and try another approach.", "backtracking"),
    ("First, we need to find {a}; then we can find {b}.", "subgoal_setting"),
    ("Working backwards from the answer {c}, the previous value must be {a}.", "backward_chaining"),
    (
        "Alternatively, we can view this geometrically, as {a} points on a circle.",
        "multi_perspective",
    ),
    ("I am not sure about this; I need to be careful with the signs.", "metacognitive_awareness"),
    ("Let me reflect: I assumed {a} > {b}, which I have not shown.", "self_reflection"),
]


def _pool(rng: np.random.Generator, size: int) -> tuple[list[str], np.ndarray]:
    """``size`` sentences and the behaviour index of each (-1: none)."""
    texts, labels = [], []
    for _ in range(size):
        a, b, c = (int(x) for x in rng.integers(2, 999, 3))
        if rng.random() < 0.3:
            template, behavior = CUED[int(rng.integers(len(CUED)))]
            labels.append(BEHAVIORS.index(behavior))
        else:
            template, behavior = PLAIN[int(rng.integers(len(PLAIN)))], None
            labels.append(-1)
        texts.append(template.format(a=a, b=b, c=c))
    return texts, np.array(labels)


def write_samples(path: Path, n: int, seed: int = 0) -> None:
    """The synthetic samples.parquet of ``n`` rows (see the module doc)."""
    rng = np.random.default_rng(seed)
    texts, labels = _pool(rng, 5000)
    lengths = np.array([len(t) + 1 for t in texts])  # +1: the joining space
    first_word = np.array([len(t.split(" ")[0].rstrip(",.;:")) for t in texts])
    per_row = 24
    pick = rng.integers(0, len(texts), size=(n, per_row))
    starts = np.concatenate([np.zeros((n, 1), int), np.cumsum(lengths[pick], axis=1)[:, :-1]], 1)
    think = rng.random(n) < 0.1
    pool = np.array(texts, dtype=object)
    responses, spans, lexicon_spans = [], [], []
    for i in range(n):
        body = " ".join(pool[pick[i]])
        shift = 8 if think[i] else 0  # len("<think>\n")
        cued = np.nonzero(labels[pick[i]] >= 0)[0]
        spans.append(json.dumps([
            [int(starts[i, j]) + shift, int(starts[i, j] + lengths[pick[i, j]] - 1) + shift,
             BEHAVIORS[labels[pick[i, j]]]]
            for j in cued
        ]))  # fmt: skip
        lexicon_spans.append(json.dumps([
            [int(starts[i, j]) + shift, int(starts[i, j] + first_word[pick[i, j]]) + shift,
             LEXICONS[(j // 2) % len(LEXICONS)]]
            for j in range(0, per_row, 2)
        ]))  # fmt: skip
        if think[i]:
            responses.append(f"<think>\n{body}\n</think>\nThe answer is \\boxed{{42}}.")
        else:
            responses.append(body + " \\boxed{42}")
    runs = np.repeat(np.arange(len(RUNS)), -(-n // len(RUNS)))[:n]
    problems = (np.arange(n) // 16) % max(1, n // (16 * len(RUNS)))
    correct = rng.random(n) < 0.55
    counts = {b: (labels[pick] == k).sum(axis=1) for k, b in enumerate(BEHAVIORS)}
    bins = np.array(["0/16", "1-4/16", "5-8/16", "9-12/16", "13-16/16"])
    columns = {
        "run": pa.array(np.array([r for r, _ in RUNS])[runs]),
        "model": pa.array(np.array([f"org/{r}" for r, _ in RUNS])[runs]),
        "role": pa.array(np.array([role for _, role in RUNS])[runs]),
        "problem_id": pa.array(np.char.add("math-", problems.astype(str))),
        "sample_idx": pa.array(np.arange(n) % 16),
        "prompt": pa.array(np.char.add("Solve problem number ", problems.astype(str))),
        "response": pa.array(responses, pa.large_string()),
        "reasoning": pa.array(
            [
                r[8 : r.index("\n</think>")] if t else None
                for r, t in zip(responses, think, strict=True)
            ]
        ),  # fmt: skip
        "gold": pa.array(np.where(correct, "42", "41")),
        "finish_reason": pa.array(np.where(rng.random(n) < 0.03, "length", "stop")),
        "step": pa.array((np.arange(n) % 16) * 50),
        "extracted": pa.array(np.full(n, "42")),
        "correct": pa.array(correct),
        "grade_status": pa.array(np.where(rng.random(n) < 0.05, "no_answer", "ok")),
        "ref_rate": pa.array((problems % 5) / 4.0),
        "difficulty_bin": pa.array(bins[problems % 5]),
        "n_tokens": pa.array(np.array([len(r) // 4 for r in responses])),
    }
    for name in LEXICONS:
        hits = rng.poisson(2.0, n)
        columns[f"{name}_count"] = pa.array(hits)
        columns[f"{name}_present"] = pa.array(hits > 0)
    for name in BEHAVIORS:
        columns[f"behavior_{name}_count"] = pa.array(counts[name])
        columns[f"behavior_{name}_present"] = pa.array(counts[name] > 0)
    columns["behavior_spans"] = pa.array(spans, pa.large_string())
    columns["lexicon_spans"] = pa.array(lexicon_spans, pa.large_string())
    pq.write_table(pa.table(columns), path, row_group_size=8192, compression="zstd")


def _rss_mib() -> float:
    """This process's resident memory now (the server runs in it), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _line(label: str, total: int | None, ms: float) -> None:
    shown = "(null)" if total is None else f"{total:,d}"
    print(f"{label:52s} {shown:>10s} {ms:8.1f}")


def _median_ms(client: httpx.Client, path: str, params: dict, repeat: int) -> tuple[float, int]:
    times, total = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, params=params)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        total = response.json()["total"] or 0
    return statistics.median(times), total


def main() -> None:
    """Write the synthetic report (unless it is there), serve it and time the pages."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9, help="requests per figure (median)")
    parser.add_argument("--folder", default=None, help="report folder (kept; reused if present)")
    args = parser.parse_args()
    folder = Path(args.folder or tempfile.mkdtemp(prefix="bench-view-"))
    folder.mkdir(parents=True, exist_ok=True)
    parquet = folder / "samples.parquet"
    fresh = parquet.is_file() and "lexicon_spans" in pq.read_schema(parquet).names
    if not fresh or pq.ParquetFile(parquet).metadata.num_rows != args.rows:
        start = time.perf_counter()
        write_samples(parquet, args.rows)
        size = parquet.stat().st_size / 1e6
        print(f"wrote {args.rows:,} rows ({size:.0f} MB) in {time.perf_counter() - start:.1f} s")
    text_mb = pq.read_metadata(parquet).row_group(0).column(6).total_uncompressed_size / 8192
    print(f"mean response: {text_mb:.0f} bytes")
    start = time.perf_counter()
    server = Server(folder, "127.0.0.1", 0).start(timeout=600)
    print(f"server ready in {time.perf_counter() - start:.1f} s (RSS {_rss_mib():,.0f} MiB)\n")
    last = max(0, args.rows - 50)
    cases = [
        ("first page", {}),
        ("middle page", {"offset": args.rows // 2}),
        ("last page", {"offset": last}),
        ("run", {"run": "qwen-zero-rl", "offset": 100_000 if args.rows >= 1e6 else 0}),
        (
            "run + incorrect + behaviour",
            {"run": "r1-distill", "correct": "false", "behavior": "backtracking", "offset": 5000},
        ),  # fmt: skip
        (
            "lexicon + difficulty + step range",
            {
                "lexicon": "reflection_kim2025",
                "difficulty": "0/16",
                "step_min": 100,
                "step_max": 400,
            },
        ),  # fmt: skip
        ("problem", {"problem": "math-1234"}),
    ]
    print(f"{'request (limit 50)':52s} {'total':>10s} {'ms':>8s}")
    with httpx.Client(base_url=server.url, timeout=600) as client:
        for label, params in cases:
            ms, total = _median_ms(client, "/api/samples", params, args.repeat)
            _line(label, total, ms)
        for word in ("let me go back", "wait", "probability is 7/"):
            quick, _ = _median_ms(client, "/api/samples", {"q": word, "count": "false"}, 1)
            _line(f"search {word!r} first page, total later", None, quick)
            cold, total = _median_ms(client, "/api/samples", {"q": word}, 1)
            _line(f"search {word!r} first (scans the text)", total, cold)
            more = {"next page": {"offset": 50}, "deep page": {"offset": max(0, total - 50)}}
            for label, extra in (more | {"+ correct=true": {"correct": "true"}}).items():
                ms, total2 = _median_ms(client, "/api/samples", {"q": word} | extra, args.repeat)
                _line(f"search {word!r} {label}", total2, ms)
        one_run = {"q": "substitute x = 5", "run": "sft"}
        quick, _ = _median_ms(client, "/api/samples", one_run | {"count": "false"}, 1)
        _line("search in one run, first page, total later", None, quick)
        cold, total = _median_ms(client, "/api/samples", one_run, 1)
        _line("search in one run, first (scans that run)", total, cold)
        print(f"\nRSS after the requests: {_rss_mib():,.0f} MiB")
    server.stop()


if __name__ == "__main__":
    main()
