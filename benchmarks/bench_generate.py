"""Tokens/s of the transformers generation backend at batch sizes 1, 8 and 32 (CPU).

Builds the tiny local model (traceanalysis.generate.tiny), then runs the same
``generate_run`` (P problems x N samples, up to M new tokens) once per batch size in this
process and reports new tokens per second and the ratio to batch size 1. It also checks
that every batch size produced the same samples (keyed sampling). Target: batched >= 5x.

    python benchmarks/bench_generate.py [--problems 2] [--n 32] [--max-new-tokens 32]
                                        [--batch-sizes 1,8,32] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=2)
    parser.add_argument("--n", type=int, default=32, help="samples per problem")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--batch-sizes", default="1,8,32")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM

    from traceanalysis.generate import GenerationSpec, generate_run
    from traceanalysis.generate.tiny import build_tiny_model

    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="bench-generate-"))
    model = build_tiny_model(work / "tiny")
    n_params = sum(p.numel() for p in AutoModelForCausalLM.from_pretrained(model).parameters())
    bench = work / "bench.jsonl"
    with bench.open("w") as fh:
        for i in range(args.problems):
            fh.write(
                json.dumps(
                    {"problem_id": f"q{i}", "prompt": f"compute {i} + {i} ?", "gold": str(2 * i)}
                )
                + "\n"
            )

    rows = []
    responses = []
    for bs in [int(b) for b in args.batch_sizes.split(",")]:
        spec = GenerationSpec(
            model=str(model),
            benchmark=str(bench),
            n=args.n,
            out=work / f"run-bs{bs}",
            max_new_tokens=args.max_new_tokens,
            batch_size=bs,
            seed=0,
        )
        start = time.perf_counter()
        out = generate_run(spec, progress=False)
        seconds = time.perf_counter() - start
        lines = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
        tokens = sum(r["n_new_tokens"] for r in lines)
        responses.append(sorted((r["problem_id"], r["sample_idx"], r["response"]) for r in lines))
        rows.append((bs, seconds, tokens, tokens / seconds))

    base = rows[0][3]
    print(
        f"tiny Llama ({n_params:,} parameters), {args.problems} problems x {args.n} samples, "
        f"<= {args.max_new_tokens} new tokens, torch threads {args.threads}, device cpu"
    )
    print(f"{'batch':>5} {'seconds':>8} {'tokens':>7} {'tokens/s':>9} {'x batch 1':>9}")
    for bs, seconds, tokens, rate in rows:
        print(f"{bs:>5} {seconds:>8.2f} {tokens:>7} {rate:>9.0f} {rate / base:>9.1f}")
    same = all(r == responses[0] for r in responses)
    print(f"identical samples at every batch size: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
