"""Issue 12, loader side: unreadable files are skipped (not fatal), --role sets roles,
unreadable labels never remove a response, empty responses are responses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.cli import main
from traceanalysis.commands._common import parse_roles
from traceanalysis.errors import InputError
from traceanalysis.io import load_runs

FORMATS = Path(__file__).parents[1] / "fixtures" / "formats"


def _native(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _rows(n: int, **extra: object) -> list[dict]:
    return [
        {"problem_id": f"p{i // 2}", "sample_idx": i % 2, "response": f"\\boxed{{{i}}}", **extra}
        for i in range(n)
    ]


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """Two good runs, one run with a bad file beside a good one, and unreadable bare files."""
    root = tmp_path / "runs"
    _native(root / "qwen-base" / "samples.jsonl", _rows(4))
    _native(root / "qwen-zero" / "samples.jsonl", _rows(4))
    (root / "qwen-zero" / "broken.json").write_text('{"oops": ')  # not valid JSON
    (root / "mystery.jsonl").write_text('{"foo": 1, "bar": 2}\n')  # unknown format
    (root / "garbage.parquet").write_bytes(b"PAR1 not really")
    (root / "bad.eval").write_text("not a zip")
    return root


def test_one_unreadable_file_does_not_abort_the_folder(mixed_folder: Path) -> None:
    df = load_runs(mixed_folder)
    assert list(df.attrs["runs"]) == ["qwen-base", "qwen-zero"]
    assert df.groupby("run").size().to_dict() == {"qwen-base": 4, "qwen-zero": 4}
    skipped = {Path(p).name: why for p, why in df.attrs["skipped"]}
    assert set(skipped) == {"broken.json", "mystery.jsonl", "garbage.parquet", "bad.eval"}
    assert skipped["broken.json"].startswith("not valid JSON")
    assert skipped["mystery.jsonl"].startswith("unknown format (columns: foo, bar)")
    assert skipped["garbage.parquet"].startswith("not a readable parquet file")
    assert skipped["bad.eval"].startswith("not an inspect_ai .eval log")
    assert not any(why.startswith(str(mixed_folder)) for why in skipped.values())  # no path twice
    assert all(isinstance(item, tuple) and len(item) == 2 for item in df.attrs["skipped"])
    assert df.attrs["runs"]["qwen-zero"].files[-1].endswith("samples.jsonl")


def test_inspect_lists_skipped_files_with_reasons(
    mixed_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(mixed_folder), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "skipped 4 file(s), not read as samples:\n" in out
    assert f"  {mixed_folder / 'qwen-zero' / 'broken.json'}: not valid JSON" in out
    assert f"  {mixed_folder / 'mystery.jsonl'}: unknown format (columns: foo, bar)" in out
    assert out.strip().endswith(
        "total: 2 run(s), 8 sample(s), 0 rejected row(s), 0 unreadable value(s), 4 skipped file(s)"
    )


def test_no_readable_run_at_all_is_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "runs"
    root.mkdir()
    (root / "a.jsonl").write_text('{"foo": 1}\n')
    (root / "b.json").write_text("{nope")
    with pytest.raises(InputError, match=r"no readable run \(.*a\.jsonl: unknown format.*b\.json"):
        load_runs(root)
    assert main(["inspect", str(root), "--quiet"]) == 2
    assert "no readable run" in capsys.readouterr().err
    # One file given directly: its own error, as before.
    with pytest.raises(InputError, match=r"b\.json: not valid JSON"):
        load_runs(root / "b.json")


def test_bad_run_json_still_raises(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "qwen"
    _native(run / "samples.jsonl", _rows(2))
    (run / "run.json").write_text("{oops")
    with pytest.raises(InputError, match=r"run\.json: not valid JSON"):
        load_runs(tmp_path / "runs")


@pytest.mark.parametrize("label", ["0.9999", "0.5", "2", "-1", "maybe", 0.5, 2, -1.0])
def test_unreadable_label_keeps_the_response(tmp_path: Path, label: object) -> None:
    rows = _rows(4, score=True)
    rows[1]["score"] = label
    rows[2]["score"] = "0"
    path = _native(tmp_path / "run-x.jsonl", rows)
    df = load_runs(path)
    assert len(df) == len(rows) and df.attrs["rejections"] == []  # no response lost
    assert df["source_correct"].tolist() == [True, pd.NA, False, True]
    assert df["source_metric"].unique().tolist() == ["score"]
    assert json.loads(df["source_scores"].iloc[1]) == {"score": label}
    (issue,) = df.attrs["label_issues"]
    assert (issue.file, issue.line, issue.run) == (str(path), 2, "run-x")
    assert issue.reason.startswith(f"source_correct (from 'score'): {label!r} is not a label")


def test_other_odd_values_are_nulled_and_counted(tmp_path: Path) -> None:
    rows = _rows(4)
    rows[0]["step"] = "late"
    rows[1]["finish_reason"] = ["stop"]
    rows[2]["truncated"] = "perhaps"
    rows[3]["step"] = 20
    df = load_runs(_native(tmp_path / "odd.jsonl", rows))
    assert len(df) == 4 and df.attrs["rejections"] == []
    assert df["step"].tolist() == [pd.NA, pd.NA, pd.NA, 20]
    got = [(i.line, i.reason.split(":")[0]) for i in df.attrs["label_issues"]]
    assert got == [(1, "step"), (2, "finish_reason"), (3, "truncated")]


def test_a_rejected_row_is_not_also_counted_as_a_label_issue(tmp_path: Path) -> None:
    rows = _rows(3, score="0.5")
    rows[2]["response"] = None  # no response: rejected; its odd label is not counted again
    df = load_runs(_native(tmp_path / "r.jsonl", rows))
    assert [r.line for r in df.attrs["rejections"]] == [3]
    assert [i.line for i in df.attrs["label_issues"]] == [1, 2]


def test_bare_file_with_several_runs_gives_each_issue_its_run(tmp_path: Path) -> None:
    rows = [{**r, "run": "a"} for r in _rows(2)] + [{**r, "run": "b"} for r in _rows(2)]
    rows[3]["correct"] = "0.5"
    df = load_runs(_native(tmp_path / "both.jsonl", rows))
    assert [(i.run, i.line) for i in df.attrs["label_issues"]] == [("b", 4)]


def test_empty_responses_flow_through_and_are_numbered(tmp_path: Path) -> None:
    """Llama-3.1-8B's empty AIME answers and verl's "\\n": responses, never rejections."""
    rows = [
        {"problem_id": "p0", "response": ""},
        {"problem_id": "p0", "response": "\n"},
        {"problem_id": "p0", "response": None},  # nothing sampled: rejected, numbered last
        {"problem_id": "p0", "response": "  \\boxed{4}"},
    ]
    df = load_runs(_native(tmp_path / "llama.jsonl", rows))
    assert df["response"].tolist() == ["", "\n", "  \\boxed{4}"]
    assert df["sample_idx"].tolist() == [0, 1, 2]  # no gap for the rejected row
    assert [(r.line, r.reason) for r in df.attrs["rejections"]] == [
        (3, "missing required field 'response'")
    ]


def test_role_option_overrides_run_json_and_guessing(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    _native(root / "qwen-math" / "samples.jsonl", _rows(2))
    (root / "qwen-math" / "run.json").write_text('{"role": "other"}')
    _native(root / "my-model" / "samples.jsonl", _rows(2))
    df = load_runs(root, roles={"qwen-math": "base", "my-model": "rl"})
    runs = df.attrs["runs"]
    assert (runs["qwen-math"].role, runs["qwen-math"].role_guessed) == ("base", False)
    assert (runs["my-model"].role, runs["my-model"].role_guessed) == ("rl", False)
    assert df.groupby("run")["role"].first().to_dict() == {"my-model": "rl", "qwen-math": "base"}
    plain = load_runs(root).attrs["runs"]
    assert (plain["qwen-math"].role, plain["my-model"].role) == ("other", "other")


def test_role_option_errors_name_the_run_and_suggest(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    _native(root / "qwen-math" / "samples.jsonl", _rows(2))
    _native(root / "qwen-zero" / "samples.jsonl", _rows(2))
    with pytest.raises(
        InputError,
        match=r"no run named 'qwen-mth' \(runs: qwen-math, qwen-zero\); did you mean 'qwen-math'",
    ):
        load_runs(root, roles={"qwen-mth": "base"})
    with pytest.raises(
        InputError, match=r"unknown role 'distiled' \(known: base, rl, distilled, other\); did you"
    ):
        load_runs(root, roles={"qwen-math": "distiled"})


def test_parse_roles() -> None:
    assert parse_roles(None) is None
    assert parse_roles(["a=base,b=RL", " c = Distilled "]) == {
        "a": "base",
        "b": "rl",
        "c": "distilled",
    }
    assert parse_roles(["a=base", "a=base"]) == {"a": "base"}
    for bad in (["a"], ["a="], ["=rl"], ["a=base,"]):
        with pytest.raises(InputError, match="expected RUN=ROLE"):
            parse_roles(bad)
    with pytest.raises(InputError, match="two roles"):
        parse_roles(["a=base", "a=rl"])


@pytest.mark.parametrize("command", ["inspect", "grade", "lexical", "behaviors", "judge", "report"])
def test_every_loading_command_takes_role(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "--role RUN=ROLE" in capsys.readouterr().out


def test_inspect_cli_role_repeatable_and_comma_separated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "runs"
    for name in ("a", "b", "c"):
        shutil.copy(FORMATS / "native.jsonl", _native(root / name / "x.jsonl", []))
    args = ["inspect", str(root), "--quiet", "--role", "a=base,b=rl", "--role", "c=distilled"]
    assert main(args) == 0
    out = capsys.readouterr().out
    for name, role in (("a", "base"), ("b", "rl"), ("c", "distilled")):
        assert f"run {name}\n" in out and f"  role        {role} (--role)\n" in out
    assert main(["inspect", str(root), "--quiet", "--role", "d=base"]) == 2
    assert "no run named 'd' (runs: a, b, c)" in capsys.readouterr().err


def test_empty_responses_pass_the_lexical_and_behaviour_stages(tmp_path: Path) -> None:
    """Counting, sentence splitting and the rule tagger take "" and "\\n" without a crash."""
    rows = [
        {"problem_id": f"p{i}", "sample_idx": 0, "response": text, "gold": "4"}
        for i, text in enumerate(["", "\n", "   ", "Wait, let me check. So \\boxed{4}."])
    ]
    path = _native(tmp_path / "llama.jsonl", rows)
    lexical, behaviors = tmp_path / "lex", tmp_path / "beh"
    assert main(["lexical", str(path), "--quiet", "--out", str(lexical), "--min-count", "1"]) == 0
    assert main(["behaviors", str(path), "--quiet", "--out", str(behaviors)]) == 0
    tagged = pd.read_parquet(behaviors / "behavior_labels.parquet")
    assert len(tagged) == 4
    counts = tagged.filter(like="_count").sum(axis=1).tolist()
    assert counts[:3] == [0, 0, 0] and counts[3] > 0


def _zstd_eval(path: Path) -> Path:
    """An .eval zip whose members claim method 93 (Zstandard), as inspect_ai 0.3.285 writes."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("header.json", json.dumps({"eval": {"model": "m", "task": "t"}}))
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature)
        data[at + offset : at + offset + 2] = (93).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    return path


def test_an_eval_log_python_cannot_decompress_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    _native(root / "qwen-base.jsonl", _rows(2))
    _zstd_eval(root / "2026-12-04T02-56-20_lab-math.eval")
    df = load_runs(root)
    assert list(df.attrs["runs"]) == ["qwen-base"]
    ((path, why),) = df.attrs["skipped"]
    assert path.endswith("lab-math.eval") and why.startswith("cannot decompress")


@pytest.mark.parametrize("seed", range(2))
def test_damaged_files_of_every_format_are_skipped_never_fatal(tmp_path: Path, seed: int) -> None:
    """Cut, bit-flipped or random copies of each format's fixture: the good run still loads,
    and the damaged file is skipped or its bad rows rejected — no other exception."""
    import random

    rng = random.Random(seed)
    sources = sorted(
        p for p in FORMATS.iterdir() if p.suffix in (".jsonl", ".json", ".parquet", ".csv", ".eval")
    )
    for trial, source in enumerate(sources * 2):
        root = tmp_path / f"t{trial}"
        _native(root / "good.jsonl", _rows(2))
        data = bytearray(source.read_bytes())
        mode = rng.choice(["cut", "flip", "random"])
        if mode == "cut":
            data = data[: rng.randint(1, len(data) - 1)]
        elif mode == "flip":
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            data = bytearray(rng.randbytes(rng.randint(1, 2000)))
        (root / f"bad{source.suffix}").write_bytes(bytes(data))
        df = load_runs(root)
        assert len(df[df["run"] == "good"]) == 2, (source.name, mode)


def test_report_options_roles_reach_the_load_stage(tmp_path: Path) -> None:
    from traceanalysis.pipeline import ReportOptions, run_plan

    root = tmp_path / "runs"
    _native(root / "my-model" / "samples.jsonl", _rows(2))
    _native(root / "other-model" / "samples.jsonl", _rows(2))
    options = ReportOptions(roles={"my-model": "rl"}, quiet=True, stage_cache=False)
    state, _ = run_plan(root, options, targets=["load"])
    df = state.features
    assert df.attrs["runs"]["my-model"].role == "rl"
    assert df.attrs["runs"]["other-model"].role == "other"
