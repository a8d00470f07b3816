"""``generate_run``: benchmark + template + model -> ``<out>/samples.jsonl`` + ``<out>/run.json``."""

from __future__ import annotations

import platform
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tqdm import tqdm

from traceanalysis.errors import InputError
from traceanalysis.generate.ban import build_ban_list, lexicon_ban_words
from traceanalysis.generate.benchmarks import load_benchmark
from traceanalysis.generate.spec import GenerationSpec, identity, identity_differences
from traceanalysis.generate.templates import load_template
from traceanalysis.generate.work import Completion, WorkItem
from traceanalysis.generate.writer import (
    RUN_FILE,
    SAMPLES_FILE,
    SampleWriter,
    read_run_json,
    scan_samples,
    write_run_json,
)
from traceanalysis.schema import guess_role

FORMAT = "traceanalysis-native/1"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_versions(backend: str) -> dict[str, str | None]:
    """Versions of the packages that shape a sample (None when not installed)."""
    names = ["traceanalysis", "torch", "transformers", "tokenizers", "datasets"]
    if backend == "vllm":
        names.append("vllm")
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _prepare_folder(
    out: Path, new_identity: dict[str, Any], overwrite: bool
) -> dict[str, Any] | None:
    """Check an existing run folder against the new settings; returns its old run.json.

    With ``overwrite`` nothing is checked: the old files are replaced only once the model
    has loaded, so a run that fails to start leaves them as they were.
    """
    samples, meta_path = out / SAMPLES_FILE, out / RUN_FILE
    if overwrite:
        return None
    old = read_run_json(meta_path)
    if old is None:
        if samples.exists():
            raise InputError(
                f"{samples} exists without {RUN_FILE}, so its settings are unknown; "
                "use --overwrite or another --out"
            )
        return None
    diffs = identity_differences(old.get("identity", {}), new_identity)
    if diffs:
        raise InputError(
            f"{out} holds a run made with other settings ({'; '.join(diffs)}); "
            "rerun with the same settings to resume, or use --overwrite or another --out"
        )
    return old


def _load_backend(
    spec: GenerationSpec,
    sampling: dict[str, Any],
    stop: list[str],
    template_chat: bool,
    progress: bool = True,
) -> Any:
    """The backend named by ``spec.backend``, with its model loaded."""
    from transformers.utils import logging as hf_logging

    if not progress:  # transformers' own "Loading weights" bar
        hf_logging.disable_progress_bar()
    try:
        if spec.backend == "vllm":
            from traceanalysis.generate.backend_vllm import VllmBackend

            return VllmBackend(
                spec.model,
                sampling=sampling,
                seed=spec.seed,
                stop=stop,
                dtype=spec.dtype,
                add_special_tokens=not template_chat,
            )
        from traceanalysis.generate.backend_hf import TransformersBackend, load_model_and_tokenizer

        model, tokenizer, device = load_model_and_tokenizer(
            spec.model, dtype=spec.dtype, device=spec.device
        )
        return TransformersBackend(
            model,
            tokenizer,
            device,
            sampling=sampling,
            seed=spec.seed,
            stop=stop,
            add_special_tokens=not template_chat,
            threads=spec.threads,
        )
    finally:
        if not progress:
            hf_logging.enable_progress_bar()


def generate_run(spec: GenerationSpec, *, progress: bool = True) -> Path:
    """Sample ``spec.n`` responses per problem and write them to ``spec.out``; returns the folder.

    Resumable: the (problem, sample) pairs already in ``samples.jsonl`` are skipped, and a
    folder made with other settings is refused unless ``spec.overwrite``. Each problem's
    rows are written (fsynced) when all its samples are done.
    """
    spec.validate()
    out = Path(spec.out)
    run_name = spec.name or out.name
    role = spec.role or guess_role(run_name)
    bench = load_benchmark(spec.benchmark, columns=spec.columns, split=spec.split, limit=spec.limit)
    template = load_template(spec.template)
    stop = list(dict.fromkeys([*template.stop, *spec.stop]))
    words, sources, unbannable = list(spec.ban_words), ["--ban-words"] if spec.ban_words else [], []
    if spec.ban_lexicon:
        phrases, label, unbannable = lexicon_ban_words(spec.ban_lexicon)
        words, sources = phrases + words, [label, *sources]
    banned_words = list(dict.fromkeys(w.strip() for w in words if w.strip()))
    new_identity = identity(
        spec,
        role=role,
        benchmark=bench.source,
        template=template.describe(),
        stop=stop,
        banned_words=banned_words,
    )
    if out.exists() and not out.is_dir():
        raise InputError(
            "--out must be a folder (it will hold samples.jsonl and run.json)", file=str(out)
        )
    out.mkdir(parents=True, exist_ok=True)
    old = _prepare_folder(out, new_identity, spec.overwrite)
    done, torn = ({}, 0) if spec.overwrite else scan_samples(out / SAMPLES_FILE)
    over = [pid for pid, idx in done.items() if max(idx) >= spec.n]
    if over:
        raise InputError(
            f"{out} already holds samples with index >= {spec.n} (e.g. problem {over[0]!r}); "
            "pass a larger --n, or --overwrite"
        )
    pending = [
        (p, [i for i in range(spec.n) if i not in done.get(p.problem_id, ())])
        for p in bench.problems
    ]
    pending = [(p, idx) for p, idx in pending if idx]

    versions = package_versions(spec.backend)
    session: dict[str, Any] = {
        "started_at": _now(),
        "rows_before": sum(map(len, done.values())),
        "torn_bytes_cut": torn,
        "versions": versions,  # per session: a resume may run on another software stack
    }
    meta: dict[str, Any] = dict(old or {})
    meta.update(
        {
            "format": FORMAT,
            "run": run_name,
            "model": spec.model,
            "role": role,
            "benchmark": bench.name,
            "benchmark_source": bench.source,
            "template": template.describe(),
            "sampling": {**spec.sampling(), "stop": stop},
            "seed": spec.seed,
            "backend": spec.backend,
            "batch_size": spec.batch_size,
            "limit": spec.limit,
            "identity": new_identity,
            "versions": versions,
            "command": spec.extra.get("command"),
        }
    )
    meta.setdefault("started_at", session["started_at"])
    meta.setdefault("sessions", [])
    if not pending:
        meta.update(status="complete", finished_at=meta.get("finished_at") or _now())
        write_run_json(out / RUN_FILE, meta)
        return out

    backend = _load_backend(spec, spec.sampling(), stop, template.chat, progress)
    ban = build_ban_list(backend.tokenizer, banned_words, " + ".join(sources))
    if ban is not None:
        meta["banned"] = {**ban.describe(backend.tokenizer), "regex_entries_not_banned": unbannable}
        backend.set_banned(ban.sequences)
    meta["backend_info"] = backend.describe()
    items = [WorkItem(p, template.render(p.prompt, backend.tokenizer), idx) for p, idx in pending]
    if spec.overwrite:
        (out / SAMPLES_FILE).unlink(missing_ok=True)
    meta["sessions"].append(session)
    meta["status"] = "running"
    write_run_json(out / RUN_FILE, meta)

    writer = SampleWriter(out / SAMPLES_FILE)
    bar_p = tqdm(
        total=len(items),
        desc=f"{run_name} problems",
        unit="problem",
        disable=not progress,
        position=0,
    )
    bar_s = tqdm(
        total=sum(len(i.sample_indices) for i in items),
        desc="samples",
        unit="sample",
        disable=not progress,
        position=1,
    )
    stats = {"tokens": 0, "samples": 0, "t0": time.perf_counter()}

    def on_tokens(samples: int, tokens: int) -> None:
        stats["tokens"] += tokens
        stats["samples"] += samples
        rate = stats["tokens"] / max(time.perf_counter() - stats["t0"], 1e-9)
        bar_s.update(samples)
        bar_s.set_postfix_str(f"{rate:,.0f} tok/s")

    def on_done(item: WorkItem, comps: list[Completion]) -> None:
        rows = [
            {
                "run": run_name,
                "model": spec.model,
                "role": role,
                "problem_id": item.problem.problem_id,
                "sample_idx": c.sample_idx,
                "prompt": item.problem.prompt,
                "response": c.response,
                "gold": item.problem.gold,
                "finish_reason": c.finish_reason,
                "n_new_tokens": c.n_new_tokens,
            }
            for c in comps
        ]
        writer.write(rows)
        bar_p.update(1)

    status = "interrupted"
    try:
        backend.run(items, spec.batch_size, on_done, on_tokens)
        status = "complete"
    finally:
        writer.close()
        bar_s.close()
        bar_p.close()
        elapsed = time.perf_counter() - stats["t0"]
        session.update(
            finished_at=_now(),
            status=status,
            samples=stats["samples"],
            new_tokens=stats["tokens"],
            seconds=round(elapsed, 3),
            tokens_per_s=round(stats["tokens"] / max(elapsed, 1e-9), 2),
        )
        meta.update(status=status, finished_at=session["finished_at"])
        write_run_json(out / RUN_FILE, meta)
    return out
