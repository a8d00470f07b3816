"""Generation: sample runs from a causal LM (transformers or vLLM) on a benchmark.

``generate_run(GenerationSpec(model, benchmark, n, out, ...))`` writes
``<out>/samples.jsonl`` (native format) and ``<out>/run.json``; see docs/generate.md.
"""

from __future__ import annotations

from traceanalysis.generate.benchmarks import BUILTIN, Benchmark, Problem, load_benchmark
from traceanalysis.generate.run import generate_run
from traceanalysis.generate.spec import GenerationSpec
from traceanalysis.generate.templates import PromptTemplate, available_templates, load_template

__all__ = [
    "BUILTIN",
    "Benchmark",
    "GenerationSpec",
    "Problem",
    "PromptTemplate",
    "available_templates",
    "generate_run",
    "load_benchmark",
    "load_template",
]
