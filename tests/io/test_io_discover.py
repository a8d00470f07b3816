"""Finding runs in a path, run.json, and the inspect command end to end."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from traceanalysis.cli import main
from traceanalysis.errors import InputError
from traceanalysis.io import load_runs

FORMATS = Path(__file__).parents[1] / "fixtures" / "formats"


@pytest.fixture
def runs_folder(tmp_path: Path) -> Path:
    root = tmp_path / "runs"
    (root / "qwen-base").mkdir(parents=True)
    (root / "qwen-zero-rl" / "logs").mkdir(parents=True)
    shutil.copy(FORMATS / "native.jsonl", root / "qwen-base" / "samples.jsonl")
    (root / "qwen-base" / "run.json").write_text(
        '{"model": "Qwen/Qwen2.5-Math-1.5B", "role": "base", "benchmark": "math500", '
        '"sampling": {"temperature": 0.9}, "notes": "seed 1"}'
    )
    shutil.copy(FORMATS / "qwen_math.jsonl", root / "qwen-zero-rl" / "logs" / "test.jsonl")
    shutil.copy(FORMATS / "inspect_log.eval", root / "r1-distill.eval")
    (root / "README.md").write_text("notes")
    (root / "empty").mkdir()
    return root


def test_runs_folder_layout(runs_folder: Path) -> None:
    df = load_runs(runs_folder)
    runs = df.attrs["runs"]
    assert list(runs) == ["qwen-base", "qwen-zero-rl", "r1-distill"]
    base = runs["qwen-base"]
    assert (base.model, base.role, base.role_guessed, base.benchmark) == (
        "Qwen/Qwen2.5-Math-1.5B",
        "base",
        False,
        "math500",
    )
    assert base.sampling == {"temperature": 0.9} and base.extra == {"notes": "seed 1"}
    assert (runs["qwen-zero-rl"].role, runs["qwen-zero-rl"].role_guessed) == ("rl", True)
    assert runs["r1-distill"].role == "distilled"
    assert df.groupby("run").size().to_dict() == {
        "qwen-base": 4,
        "qwen-zero-rl": 6,
        "r1-distill": 3,
    }
    assert (df.loc[df["run"] == "qwen-base", "model"] == "Qwen/Qwen2.5-Math-1.5B").all()
    assert df.loc[df["run"] == "qwen-zero-rl", "role"].unique().tolist() == ["rl"]
    skipped = {Path(p).name: why for p, why in df.attrs["skipped"]}
    assert skipped == {"README.md": "not a data file", "empty": "folder without data files"}
    inputs = df.attrs["inputs"]
    assert [Path(i["file"]).name for i in inputs] == [
        "samples.jsonl",
        "test.jsonl",
        "r1-distill.eval",
    ]
    assert all(len(i["sha256"]) == 64 for i in inputs)


def test_single_run_folder_and_reruns_identical(runs_folder: Path) -> None:
    one = load_runs(runs_folder / "qwen-base")
    assert list(one.attrs["runs"]) == ["qwen-base"]
    again = load_runs(runs_folder / "qwen-base")
    assert one.equals(again)


def test_folder_of_part_files_is_one_run(tmp_path: Path) -> None:
    run = tmp_path / "grpo-run"
    run.mkdir()
    shutil.copy(FORMATS / "20.jsonl", run / "20.jsonl")
    shutil.copy(FORMATS / "20.jsonl", run / "40.jsonl")
    assert list(load_runs(run).attrs["runs"]) == ["grpo-run"]


def test_unusable_inputs_raise_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        load_runs(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no runs found"):
        load_runs(tmp_path / "empty")
    bad = tmp_path / "bad" / "r"
    bad.mkdir(parents=True)
    shutil.copy(FORMATS / "native.jsonl", bad / "samples.jsonl")
    (bad / "run.json").write_text('{"role": "teacher"}')
    with pytest.raises(InputError, match="role 'teacher' is not one of"):
        load_runs(bad)


def test_inspect_cli_output(runs_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(runs_folder), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "run qwen-zero-rl\n  format      qwen_math\n  model       unknown\n" in out
    assert "  role        rl (guessed from name)\n  problems    2\n" in out
    assert "  samples     6 (3 / 3 / 3 per problem, min/median/max)" in out
    assert "r1-distill.eval!samples/p2_epoch_2.json: sample failed" in out
    assert "skipped 2 file(s), not read as samples:\n" in out
    assert f"  {runs_folder / 'README.md'}: not a data file\n" in out
    assert out.strip().endswith(
        "total: 3 run(s), 13 sample(s), 1 rejected row(s), 0 unreadable value(s), 2 skipped file(s)"
    )


def test_inspect_exit_code_two(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "traceanalysis", "inspect", str(tmp_path / "nope"), "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'nope'}: no such file or folder"
    ]


def test_inspect_unknown_format_and_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = str(FORMATS / "mapped.jsonl")
    assert main(["inspect", src, "--quiet"]) == 2
    assert "unknown format" in capsys.readouterr().err
    cols = "problem_id=qid,sample_idx=rollout,response=out.text,gold=answer_gt"
    assert main(["inspect", src, "--quiet", "--columns", cols]) == 0
    assert "format      mapped" in capsys.readouterr().out
    assert main(["inspect", src, "--quiet", "--columns", "answer=gt"]) == 2
    assert "unknown target column(s) answer" in capsys.readouterr().err


def test_progress_bar_goes_to_stderr(runs_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    df = load_runs(runs_folder, progress=True)
    captured = capsys.readouterr()
    assert "reading: 100%" in captured.err and captured.out == ""
    assert len(df) == 13


def test_two_batch_files_naming_one_run_merge(tmp_path: Path) -> None:
    lines = (FORMATS / "batch_output.jsonl").read_text().splitlines()
    (tmp_path / "batch-a.jsonl").write_text("\n".join(lines[:2]) + "\n")
    (tmp_path / "batch-b.jsonl").write_text("\n".join(lines[2:]) + "\n")
    df = load_runs(tmp_path)
    assert list(df.attrs["runs"]) == ["gpt4o-mini-base"]
    info = df.attrs["runs"]["gpt4o-mini-base"]
    assert [Path(f).name for f in info.files] == ["batch-a.jsonl", "batch-b.jsonl"]
    assert len(df) == 3 and len(df.attrs["rejections"]) == 1
    assert df.attrs["rejections"][0].run == "gpt4o-mini-base"


def test_lm_eval_output_folder_is_one_run_and_results_json_is_skipped(tmp_path: Path) -> None:
    run = tmp_path / "qwen-base"
    run.mkdir()
    name = "samples_hendrycks_math500_2025-03-14T10-22-31.123456.jsonl"
    shutil.copy(FORMATS / name, run / name)
    results = run / "results_2025-03-14T10-22-31.123456.json"
    results.write_text(
        '{"results": {"hendrycks_math500": {"exact_match,none": 0.5}}, '
        '"config": {"model": "hf", "model_args": "pretrained=Qwen/Qwen2.5-Math-1.5B,dtype=auto"}}'
    )
    df = load_runs(run)
    assert list(df.attrs["runs"]) == ["qwen-base"]  # not one run per file
    info = df.attrs["runs"]["qwen-base"]  # the samples file names no model; results does
    assert (info.model, info.extra["model_source"]) == ("Qwen/Qwen2.5-Math-1.5B", "results file")
    assert df["model"].unique().tolist() == ["Qwen/Qwen2.5-Math-1.5B"]
    assert df.attrs["skipped"] == [
        (str(results), "JSON file that is not a samples file (e.g. results)")
    ]
    # A bare results file in a runs folder is skipped, not an empty run.
    shutil.copy(results, tmp_path / "results_other.json")
    assert list(load_runs(tmp_path).attrs["runs"]) == ["qwen-base"]


def test_results_model_of_lm_eval_and_lighteval() -> None:
    from traceanalysis.io.files import results_model

    assert results_model({"model_name": "org/m", "config": {"model_args": "pretrained=x"}}) == (
        "org/m"
    )
    assert results_model({"config_general": {"model_name": "org/light"}}) == "org/light"
    assert results_model({"config": {"model_args": "dtype=auto, pretrained = org/p"}}) == "org/p"
    assert results_model({"config": {"model_args": {"pretrained": "x"}}}) is None
    assert results_model([{"model_name": "x"}]) is None


def test_inspect_log_folder_gives_one_run_per_log(tmp_path: Path) -> None:
    import zipfile

    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(FORMATS / "inspect_log.eval", logs / "2025-02-11T09-14-03_math500_a.eval")
    with (
        zipfile.ZipFile(FORMATS / "inspect_log.eval") as src,
        zipfile.ZipFile(logs / "2025-02-12T10-00-00_math500_b.eval", "w") as dst,
    ):
        for name in src.namelist():  # the same task evaluated with another model
            text = src.read(name).decode().replace("Qwen2.5-Math-1.5B", "Qwen2.5-Math-7B")
            dst.writestr(name, text)
    df = load_runs(logs)
    runs = df.attrs["runs"]
    assert {n: i.model for n, i in runs.items()} == {
        "2025-02-11T09-14-03_math500_a": "Qwen/Qwen2.5-Math-1.5B",
        "2025-02-12T10-00-00_math500_b": "Qwen/Qwen2.5-Math-7B",
    }
    assert df.groupby("run").size().tolist() == [3, 3]  # no sample lost as a "duplicate"
    assert all("duplicate" not in r.reason for r in df.attrs["rejections"])


def test_runs_of_one_bare_file_keep_their_own_metadata(tmp_path: Path) -> None:
    import json

    def request(custom_id: str, model: str) -> str:
        choice = {"message": {"content": "\\boxed{1}"}, "finish_reason": "stop"}
        body = {"model": model, "choices": [choice]}
        return json.dumps({"custom_id": custom_id, "response": {"status_code": 200, "body": body}})

    lines = [request("a-base/p1/0", "m1"), request("b-rl/p1/0", "m2"), request("b-rl/p1/1", "m3")]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n")
    runs = load_runs(path).attrs["runs"]
    assert (runs["a-base"].model, runs["a-base"].extra) == ("m1", {"model_source": "data"})
    assert (runs["b-rl"].model, runs["b-rl"].extra) == (None, {})  # two models: none chosen


def test_dataset_repository_folder_is_one_run(tmp_path: Path) -> None:
    repo = tmp_path / "qwen-distill-traces"
    (repo / "data").mkdir(parents=True)
    (repo / "README.md").write_text("---\nconfigs: [{config_name: default}]\n---\n")
    shutil.copy(FORMATS / "native.parquet", repo / "data" / "train-00000-of-00001.parquet")
    df = load_runs(repo)
    assert list(df.attrs["runs"]) == ["qwen-distill-traces"]  # not a run called "data"
    assert df.attrs["runs"]["qwen-distill-traces"].role == "distilled"
    assert len(df) == 2


def test_hidden_data_file_is_listed_not_read(tmp_path: Path) -> None:
    run = tmp_path / "qwen-base"
    run.mkdir()
    shutil.copy(FORMATS / "native.jsonl", run / "samples.jsonl")
    shutil.copy(FORMATS / "native.jsonl", run / "_old_samples.jsonl")
    (run / ".DS_Store").write_bytes(b"\x00")
    df = load_runs(run)
    assert len(df) == 4
    assert df.attrs["skipped"] == [(str(run / "_old_samples.jsonl"), "hidden name (starts with _)")]
