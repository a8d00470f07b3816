"""The resumable writer (torn and bad lines) and the batching plan (uniform, complete)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from traceanalysis.errors import InputError
from traceanalysis.generate.problems import Problem
from traceanalysis.generate.work import WorkItem, plan_calls
from traceanalysis.generate.writer import SampleWriter, scan_samples


def _row(pid: str, idx: int) -> str:
    return json.dumps({"problem_id": pid, "sample_idx": idx, "response": "r"})


def test_scan_cuts_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    path.write_text(_row("a", 0) + "\n" + _row("a", 1) + "\n" + _row("b", 0)[:10])
    done, torn = scan_samples(path)
    assert done == {"a": {0, 1}} and torn == 10
    assert path.read_text() == _row("a", 0) + "\n" + _row("a", 1) + "\n"
    writer = SampleWriter(path)
    writer.write([json.loads(_row("b", 0))])
    writer.close()
    assert scan_samples(path) == ({"a": {0, 1}, "b": {0}}, 0)


def test_scan_keeps_a_complete_last_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    path.write_text(_row("a", 0) + "\n" + _row("a", 1))
    assert scan_samples(path) == ({"a": {0, 1}}, 0)
    assert path.read_text().endswith("}\n")


def test_scan_refuses_a_bad_line_inside_the_file(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    path.write_text(_row("a", 0) + "\nnot json\n" + _row("a", 1) + "\n")
    with pytest.raises(InputError, match=r"samples.jsonl:2: not a sample row"):
        scan_samples(path)


@pytest.mark.parametrize(
    ("counts", "batch"), [([10, 10, 3, 7], 8), ([4] * 5, 32), ([1] * 9, 4), ([33], 32)]
)
def test_plan_is_uniform_bounded_and_complete(counts: list[int], batch: int) -> None:
    items = [
        WorkItem(Problem(f"p{i}", "q", None), "q", list(range(k))) for i, k in enumerate(counts)
    ]
    seen: Counter[tuple[str, int]] = Counter()
    for group in plan_calls(items, batch):
        sizes = {len(piece) for _, piece in group}
        assert len(sizes) == 1  # one num_return_sequences per call
        assert sum(len(piece) for _, piece in group) <= batch
        seen.update((item.problem.problem_id, s) for item, piece in group for s in piece)
    assert seen == Counter((f"p{i}", s) for i, k in enumerate(counts) for s in range(k))
