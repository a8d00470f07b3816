"""The offline demo: bundled lab models -> runs (normal ``generate`` path) -> normal report.

Also writes the lab's own table (pass@1 and pass@k per model and task level), which the
report's difficulty bins (defined by the base model's success rate) do not show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from traceanalysis.lab.tasks import held_out_problems
from traceanalysis.portable import portable_path
from traceanalysis.report.manifest import settle_run_facts

MODELS_DIR = Path(__file__).parent / "models"
# run name (= bundled model folder) -> role in run.json
DEMO_RUNS: dict[str, str] = {
    "base": "base",
    "rlvr-step20": "rl",
    "rlvr-step40": "rl",
    "rlvr-step60": "rl",
    "rlvr-step80": "rl",
    "rlvr": "rl",
    "distill-patterns": "distilled",
    "distill-knowledge": "distilled",
}
# training-dynamics series: run -> (series, GRPO step) written into run.json as
# "series"/"step"; base is the GRPO run's step 0 and rlvr its last step
SERIES: dict[str, tuple[str, int]] = {
    "base": ("rlvr", 0),
    "rlvr-step20": ("rlvr", 20),
    "rlvr-step40": ("rlvr", 40),
    "rlvr-step60": ("rlvr", 60),
    "rlvr-step80": ("rlvr", 80),
    "rlvr": ("rlvr", 100),
}


@dataclass
class DemoOptions:
    """Size and sampling of the demo (defaults: the committed ``reports/demo``)."""

    per_level: int = 10
    n: int = 8
    temperature: float = 0.9
    top_k: int = 50
    max_new_tokens: int = 200
    batch_size: int = 512
    seed: int = 0
    threads: int = 1
    models_dir: Path = MODELS_DIR
    quiet: bool = False
    runs: tuple[str, ...] = tuple(DEMO_RUNS)  # a subset keeps tests short


def write_benchmark(path: Path, per_level: int) -> Path:
    """Held-out lab problems as a local benchmark JSONL (problem_id, prompt, gold, level)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    counters: dict[str, int] = {}
    with open(path, "w") as fh:
        for p in held_out_problems(per_level):
            i = counters[p.level] = counters.get(p.level, -1) + 1
            row = {
                "problem_id": f"{p.level}-{i:03d}",
                "prompt": p.prompt,
                "gold": p.answer,
                "level": p.level,
            }
            fh.write(json.dumps(row) + "\n")
    return path


def sample_lab_run(model: Path, bench: Path, out: Path, *, role: str, options: DemoOptions) -> Path:
    """Sample the lab model ``model`` on ``bench`` into the run folder ``out`` through the
    normal ``generate`` path, with the demo's sampling settings (``options``)."""
    from traceanalysis.generate import GenerationSpec, generate_run

    spec = GenerationSpec(
        model=portable_path(model),
        benchmark=portable_path(bench),
        n=options.n,
        out=out,
        role=role,
        template="chat",
        temperature=options.temperature,
        top_k=options.top_k,
        max_new_tokens=options.max_new_tokens,
        seed=options.seed,
        batch_size=options.batch_size,
        device="cpu",
        threads=options.threads,
        name=out.name,
        overwrite=True,
    )
    generate_run(spec, progress=not options.quiet)
    return out


def generate_runs(out: Path, options: DemoOptions) -> Path:
    """Sample every bundled model on the demo benchmark; returns the runs folder."""
    bench = write_benchmark(out / "benchmark.jsonl", options.per_level)
    runs = out / "runs"
    for name in options.runs:
        role = DEMO_RUNS[name]
        model = options.models_dir / name
        if not (model / "config.json").is_file():
            from traceanalysis.errors import InputError

            raise InputError(
                f"{model}: lab model missing (train it with `lab train --all --out {options.models_dir}`)"
            )
        sample_lab_run(model, bench, runs / name, role=role, options=options)
        if name in SERIES:
            mark_series(runs / name, *SERIES[name])
    return runs


def mark_series(run_dir: Path, series: str, step: int) -> None:
    """Add ``"series"`` and ``"step"`` to a run's run.json (a checkpoint of a training run)."""
    from traceanalysis.generate.writer import write_run_json

    path = Path(run_dir) / "run.json"
    meta = json.loads(path.read_text())
    meta.update(series=series, step=step)
    write_run_json(path, meta)


def level_table(samples: pd.DataFrame, ks: tuple[int, ...] = (1, 16)) -> pd.DataFrame:
    """pass@k per run and task level (unbiased estimator, averaged over problems)."""
    from traceanalysis.metrics.passk import pass_at_k

    df = samples.loc[samples["correct"].notna(), ["run", "problem_id", "correct"]].copy()
    df["level"] = df["problem_id"].astype(str).str.split("-").str[0]
    counts = (
        df.groupby(["run", "level", "problem_id"])
        .agg(n=("correct", "size"), c=("correct", "sum"))
        .reset_index()
    )
    rows = []
    for (run, level), g in counts.groupby(["run", "level"], sort=False):
        row = {"run": run, "level": level, "n_problems": len(g)}
        for k in ks:
            vals = [
                pass_at_k(int(n), int(c), k) for n, c in zip(g["n"], g["c"], strict=True) if n >= k
            ]
            row[f"pass@{k}"] = round(sum(vals) / len(vals), 3) if vals else float("nan")
        rows.append(row)
    table = pd.DataFrame(rows)
    order = {name: i for i, name in enumerate(DEMO_RUNS)}
    return table.sort_values(
        ["run", "level"], key=lambda s: s.map(order) if s.name == "run" else s
    ).reset_index(drop=True)


def markdown_table(table: pd.DataFrame) -> str:
    """A GitHub-style Markdown table of ``table`` (no index)."""
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def run_demo(out: Path, options: DemoOptions | None = None) -> Path:
    """Generate the four runs and build the normal report into ``out``; returns index.html."""
    from traceanalysis.pipeline import ReportOptions, analyze, write_report

    options = options or DemoOptions()
    out = Path(out)
    runs = generate_runs(out, options)
    report_options = ReportOptions(
        reference="base",
        title="traceanalysis demo: the bundled lab",
        quiet=options.quiet,
        seed=options.seed,
        # every response's likelihood under the lab's base model ("inside the reference
        # distribution?")
        score_model=portable_path(options.models_dir / "base"),
        score_name="base",
    )
    analysis = analyze(runs, report_options)
    table = level_table(analysis.samples, ks=(1, options.n))
    analysis.tables["lab_levels"] = table
    index = write_report(analysis, out, report_options)
    settle_run_facts(runs, out)  # sampling times go to timings.json, not the runs
    table.to_csv(out / "lab_levels.csv", index=False)
    (out / "lab_levels.md").write_text(markdown_table(table))
    if not options.quiet:
        print(table.to_string(index=False))
    return index
