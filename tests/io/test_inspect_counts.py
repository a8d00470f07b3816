"""``inspect``'s per-run counts (empty responses, input labels and their accuracy,
unreadable values) against counts made by hand from the file written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from traceanalysis.cli import main


def test_inspect_counts_empty_responses_and_input_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"problem_id": "p0", "sample_idx": 0, "response": "", "source_correct": False},
        {"problem_id": "p0", "sample_idx": 1, "response": "\n", "source_correct": True},
        {"problem_id": "p1", "sample_idx": 0, "response": "\\boxed{1}", "source_correct": True},
        {"problem_id": "p1", "sample_idx": 1, "response": "2", "source_correct": "0.5"},
    ]
    path = tmp_path / "llama.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["inspect", str(path), "--quiet"]) == 0
    out = capsys.readouterr().out
    # 2 blank responses kept; 3 readable labels, 2 of them correct; "0.5" set to null.
    assert "  empty       2 (empty or blank responses, kept: no answer)\n" in out
    assert "  labels      3 from the input, 66.7% correct\n" in out
    assert "  unreadable  1 value(s) set to null, rows kept\n" in out
    assert "  rejected    0\n" in out
