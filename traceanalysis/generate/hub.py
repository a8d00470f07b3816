"""Built-in benchmarks: hub datasets (loaded with ``datasets``) and their column mappings."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from traceanalysis.errors import InputError
from traceanalysis.generate.problems import Benchmark, Problem, gold_text, is_offline


def _gsm8k_gold(row: Mapping[str, Any]) -> str:
    return str(row["answer"]).split("####")[-1].strip().replace(",", "")


def _gpqa_row(row: Mapping[str, Any]) -> tuple[str, str]:
    """GPQA: shuffle the four options with a seed from the record id; gold is the letter."""
    options = [row["Correct Answer"]] + [row[f"Incorrect Answer {i}"] for i in (1, 2, 3)]
    options = [str(o).strip() for o in options]
    rng = random.Random(hashlib.sha256(str(row["Record ID"]).encode()).hexdigest())
    order = list(range(4))
    rng.shuffle(order)
    letters = "ABCD"
    lines = [f"{letters[i]}) {options[j]}" for i, j in enumerate(order)]
    prompt = str(row["Question"]).strip() + "\n\n" + "\n".join(lines)
    return prompt, letters[order.index(0)]


@dataclass(frozen=True)
class HubBenchmark:
    """A built-in benchmark: a hub dataset and how its columns map to ours."""

    name: str
    path: str
    config: str | None
    split: str
    id_column: str | None
    prompt_column: str | None = None
    gold_column: str | None = None
    gold_fn: Callable[[Mapping[str, Any]], str] | None = None
    row_fn: Callable[[Mapping[str, Any]], tuple[str, str]] | None = None


BUILTIN: dict[str, HubBenchmark] = {
    b.name: b
    for b in (
        HubBenchmark(
            "math500", "HuggingFaceH4/MATH-500", None, "test", "unique_id", "problem", "answer"
        ),
        HubBenchmark(
            "gsm8k", "openai/gsm8k", "main", "test", None, "question", "answer", _gsm8k_gold
        ),
        HubBenchmark(
            "aime2024", "HuggingFaceH4/aime_2024", None, "train", "id", "problem", "answer"
        ),
        HubBenchmark("aime2025", "math-ai/aime25", None, "test", "id", "problem", "answer"),
        HubBenchmark("amc2023", "math-ai/amc23", None, "test", "id", "question", "answer"),
        HubBenchmark(
            "gpqa-diamond",
            "Idavidrein/gpqa",
            "gpqa_diamond",
            "train",
            "Record ID",
            row_fn=_gpqa_row,
        ),
    )
}
_ALIAS_KEYS = {
    "aime24": "aime2024",
    "aime25": "aime2025",
    "amc23": "amc2023",
    "gpqa": "gpqa-diamond",
}


def builtin_key(name: str) -> str | None:
    """The built-in benchmark a user-typed name refers to (MATH-500, AIME 2024, ...), or None."""
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    for key in BUILTIN:
        if re.sub(r"[^a-z0-9]", "", key) == squashed:
            return key
    return _ALIAS_KEYS.get(squashed)


def load_hub(spec: HubBenchmark, split: str | None, limit: int | None) -> Benchmark:
    """Load a built-in benchmark from the hub (or the local datasets cache when offline)."""
    import datasets

    split = split or spec.split
    hint = "pass a local JSONL/parquet file or a save_to_disk folder with --benchmark PATH"
    try:
        ds = datasets.load_dataset(spec.path, spec.config, split=split)
    except Exception as exc:  # any failure to fetch becomes one clear user error
        why = "offline (HF_HUB_OFFLINE/HF_DATASETS_OFFLINE set) and not in the local cache"
        if not is_offline():
            why = f"could not be loaded ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
        raise InputError(
            f"benchmark {spec.name!r} (hub dataset {spec.path}) is {why}; {hint}"
        ) from None
    columns = list(ds.column_names)
    needed = [c for c in (spec.prompt_column, spec.gold_column) if c] + (
        ["Question", "Correct Answer", *(f"Incorrect Answer {i}" for i in (1, 2, 3))]
        if spec.row_fn
        else []
    )
    missing = [c for c in needed if c not in columns]
    if missing:
        raise InputError(
            f"hub dataset {spec.path} has no column(s) {missing} (it has {columns}); "
            "save it locally and pass it with --benchmark PATH --columns ..."
        )
    id_column = spec.id_column if spec.id_column in columns else None
    problems = []
    for i, row in enumerate(ds):
        if limit is not None and i >= limit:
            break
        pid = str(row[id_column]) if id_column else str(i)
        if spec.row_fn is not None:
            prompt, gold = spec.row_fn(row)
        else:
            prompt = str(row[spec.prompt_column])
            gold = spec.gold_fn(row) if spec.gold_fn else gold_text(row[spec.gold_column])
        problems.append(Problem(pid, prompt, gold))
    source = {
        "kind": "hub",
        "path": spec.path,
        "config": spec.config,
        "split": split,
        "problem_id": id_column or "<row index>",
    }
    return Benchmark(spec.name, problems, source)
