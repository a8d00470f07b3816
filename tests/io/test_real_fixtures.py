"""Conformance: the readers on files written by the real tools (tests/fixtures/real/out).

The fixtures were made by lm-eval 0.4.13, lighteval 0.13.0, inspect_ai 0.3.285 and TRL
1.16.0 (``tests/fixtures/real/make_*.py``, versions in ``provenance/``). Every test counts
what the file holds independently of the readers (json, pyarrow, zipfile) and checks:
rows in file = rows loaded + rows rejected; problem ids and samples per problem; that
gold and source score come from the fields docs/input-formats.md names; that no
response is lost or altered, whatever its label.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections import Counter
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from traceanalysis import load_runs
from traceanalysis.cli import main

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "out"
LM_EVAL = OUT / "lm_eval" / "lab-rlvr"
LIGHTEVAL = OUT / "lighteval"
INSPECT = OUT / "inspect"
TRL = OUT / "trl" / "completions"
NO_TEXT = re.compile(r"no generated text", re.IGNORECASE)
# inspect_ai's letters: C correct; I and N (no answer) incorrect; P (partial) is no label.
LETTER = {"C": True, "I": False, "N": False}


@cache
def loaded(path: Path) -> pd.DataFrame:
    """``load_runs`` of one fixture file or folder (cached: the fixtures are read-only)."""
    return load_runs(path)


def one(pattern: str, folder: Path) -> Path:
    """The single file in ``folder`` matching a glob."""
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, (pattern, found)
    return found[0]


def file_part(source: str) -> Path:
    """The file of a ``source_file``/Rejection path (``log.eval!samples/x.json`` -> log.eval)."""
    return Path(str(source).split("!", 1)[0]).resolve()


def rows_of(df: pd.DataFrame, file: Path) -> pd.DataFrame:
    """The loaded rows read from one file."""
    return df[[file_part(s) == file.resolve() for s in df["source_file"]]]


def rejections_of(df: pd.DataFrame, file: Path) -> list:
    """The rejected rows of one file."""
    return [r for r in df.attrs["rejections"] if file_part(r.file) == file.resolve()]


def skipped_reason(df: pd.DataFrame, file: Path) -> str | None:
    """Why ``file`` was passed over (``attrs["skipped"]``), or None when it was not."""
    reasons = [str(why) for path, why in df.attrs["skipped"] if Path(path).resolve() == file]
    return reasons[0] if reasons else None


def jsonl(path: Path) -> list[dict]:
    """The records of a JSON Lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# ---- lm-eval ---------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["lab_math_gen", "lab_math_maj", "lab_math_len"])
def test_lm_eval_generative_samples(task: str) -> None:
    file = one(f"samples_{task}_*.jsonl", LM_EVAL)
    records = jsonl(file)
    by_doc: dict[int, dict[str, dict]] = {}  # doc_id -> filter -> record
    for rec in records:
        by_doc.setdefault(rec["doc_id"], {})[rec["filter"]] = rec
    first = {doc: next(iter(f.values())) for doc, f in by_doc.items()}
    raw = {
        (f"{task}/{doc}", i): resp
        for doc, rec in first.items()
        for i, resp in enumerate(rec["resps"][0])
    }
    df = loaded(LM_EVAL)
    rows = rows_of(df, file)
    assert len(rows) + len(rejections_of(df, file)) == len(raw)
    assert not rejections_of(df, file)  # the tool wrote every response: all are read
    # Filters repeat a document with the same responses: merged, counted, not rejected.
    assert sum(
        i["merged_rows"] for i in df.attrs["inputs"] if file_part(i["file"]) == file.resolve()
    ) == len(records) - len(by_doc)
    got = {(r.problem_id, int(r.sample_idx)): r.response for r in rows.itertuples()}
    assert got == raw
    assert Counter(rows["problem_id"]) == {
        f"{task}/{d}": len(r["resps"][0]) for d, r in first.items()
    }
    assert set(rows["source_problem_id"]) == {str(d) for d in by_doc}
    for row in rows.itertuples():
        doc = int(row.source_problem_id)
        assert row.gold == first[doc]["target"] and row.gold_field == "target"
        assert row.prompt == first[doc]["arguments"]["gen_args_0"]["arg_0"]
        if len(first[doc]["resps"][0]) > 1:  # a metric is per document: no label per response
            assert pd.isna(row.source_correct)
            continue
        metric, _, flt = str(row.source_metric).partition(",")
        assert metric == "exact_match"  # the correctness metric, not the first key
        rec = by_doc[doc][flt] if flt else first[doc]
        assert bool(row.source_correct) == (rec[metric] > 0)


def test_lm_eval_model_from_results() -> None:
    assert set(loaded(LM_EVAL)["model"]) == {"lab-rlvr"}  # results_*.json model_args pretrained=


# ---- lighteval -------------------------------------------------------------------------


@pytest.mark.parametrize(("task", "per_doc"), [("lab_math", 4), ("lab_math_one", 1)])
def test_lighteval_generative_details(task: str, per_doc: int) -> None:
    file = one(f"details/lab-rlvr/*/details_{task}|0_*.parquet", LIGHTEVAL)
    records = pq.read_table(file).to_pylist()
    raw = {
        (str(r["doc"]["id"]), i): t
        for r in records
        for i, t in enumerate(r["model_response"]["text"])
    }
    df = loaded(LIGHTEVAL)
    rows = rows_of(df, file)
    assert len(rows) + len(rejections_of(df, file)) == len(raw) == 8 * per_doc
    assert not rejections_of(df, file)
    got = {(str(r.source_problem_id), int(r.sample_idx)): r.response for r in rows.itertuples()}
    assert got == raw
    assert set(Counter(rows["source_problem_id"]).values()) == {per_doc}
    docs = {str(r["doc"]["id"]): r for r in records}
    for row in rows.itertuples():
        rec = docs[str(row.source_problem_id)]
        assert row.gold == rec["doc"]["choices"][rec["doc"]["gold_index"]]
        assert row.gold_field == "doc.choices[doc.gold_index]"
        assert json.loads(row.source_scores) == rec["metric"]  # every metric kept
        if per_doc > 1:  # one per-document metric for 4 responses: no label per response
            assert pd.isna(row.source_correct)
        else:
            assert row.source_metric == "extractive_match"
            assert bool(row.source_correct) == (rec["metric"]["extractive_match"] > 0)


@pytest.mark.parametrize(
    ("folder", "pattern"),
    [
        (LM_EVAL, "samples_lab_choice_*.jsonl"),
        (LIGHTEVAL, "details/lab-rlvr/*/details_lab_choice|0_*.parquet"),
    ],
)
def test_loglikelihood_file_is_named_once(folder: Path, pattern: str) -> None:
    """Multiple choice by loglikelihood: no generated text; one reason, no row rejections."""
    file = one(pattern, folder)
    if file.suffix == ".jsonl":  # [logprob, is_greedy] per choice
        assert all(isinstance(r["resps"][0][0], list) for r in jsonl(file))
    else:
        assert all(not r["model_response"]["text"] for r in pq.read_table(file).to_pylist())
    df = loaded(folder)
    assert rows_of(df, file).empty and not rejections_of(df, file)
    reason = skipped_reason(df, file)
    assert reason is not None and NO_TEXT.search(reason), reason


# ---- inspect_ai ------------------------------------------------------------------------

TASKS = ["lab-math", "lab-yesno", "lab-choice"]
_MEMBER = re.compile(r"^samples/(?P<id>.+)_epoch_(?P<epoch>\d+)\.json$")


def json_log(task: str) -> dict:
    """The ``.json`` log of one task."""
    return json.loads(one(f"*_{task}_*.json", INSPECT / "json").read_text(encoding="utf-8"))


def raw_samples(fmt: str, task: str) -> tuple[Path, dict[tuple[str, int], dict | None]]:
    """(log file, {(id, epoch): sample or None}); ``.eval`` members are counted by name.

    inspect_ai >= 0.3.206 compresses ``.eval`` members with Zstandard, which Python < 3.14's
    zipfile cannot read, so their content is taken from the ``.json`` log of the same run
    (same tasks, seed and sample order); the ids and epochs come from the archive itself.
    """
    if fmt == "json":
        file = one(f"*_{task}_*.json", INSPECT / "json")
        return file, {(str(s["id"]), s["epoch"]): s for s in json_log(task)["samples"]}
    file = one(f"*_{task}_*.eval", INSPECT / "eval")
    with zipfile.ZipFile(file) as archive:
        names = [m.groupdict() for n in archive.namelist() if (m := _MEMBER.match(n))]
    twin = {(str(s["id"]), s["epoch"]): s for s in json_log(task)["samples"]}
    keys = {(n["id"], int(n["epoch"])) for n in names}
    assert keys == set(twin)  # the two logs of the run hold the same samples
    return file, {k: twin[k] for k in keys}


@pytest.mark.parametrize("fmt", ["json", "eval"])
@pytest.mark.parametrize("task", TASKS)
def test_inspect_log_samples(fmt: str, task: str) -> None:
    file, raw = raw_samples(fmt, task)
    errors = {k for k, s in raw.items() if s.get("error")}
    df = loaded(file)  # one log alone: its ids are the reader's, not matched with other logs
    rows, rejected = rows_of(df, file), rejections_of(df, file)
    assert len(rows) + len(rejected) == len(raw)
    assert len(rejected) == len(errors) and all("sample failed" in r.reason for r in rejected)
    name = task.replace("-", "_")
    assert set(rows["source_problem_id"].astype(str)) | {k[0] for k in errors} >= {
        k[0] for k in raw
    }
    assert set(rows["problem_id"]) == {f"{name}/{k[0]}" for k in raw if k not in errors}
    for row in rows.itertuples():
        sample = raw[(str(row.source_problem_id), int(row.sample_idx) + 1)]
        assert row.response == sample["output"]["completion"]  # empty answers too
        assert row.gold == sample["target"] and row.gold_field == "target"
        value = sample["scores"][row.source_metric]["value"]
        assert (None if pd.isna(row.source_correct) else bool(row.source_correct)) == LETTER.get(
            value
        )
        stop = sample["output"]["choices"][0]["stop_reason"]
        assert row.finish_reason == ("length" if stop == "max_tokens" else stop)
        assert bool(row.truncated) == (stop == "max_tokens")


def test_inspect_cut_off_answers_are_kept_as_truncated() -> None:
    file, raw = raw_samples("json", "lab-math")
    cut = [
        s
        for s in raw.values()
        if not s.get("error") and s["output"]["choices"][0]["stop_reason"] == "max_tokens"
    ]
    assert cut  # the fixture's longest answers hit the 60-token limit
    rows = rows_of(loaded(file), file)
    truncated = rows[rows["truncated"].fillna(False).astype(bool)]
    assert sorted(truncated["response"]) == sorted(s["output"]["completion"] for s in cut)
    assert set(truncated["finish_reason"]) == {"length"}


def test_inspect_yes_no_targets_and_unusable_labels_keep_their_rows() -> None:
    file, raw = raw_samples("json", "lab-yesno")
    df = loaded(file)
    rows = rows_of(df, file)
    assert set(rows["gold"]) == {"Yes", "No"}
    completions = [s["output"]["completion"] for s in raw.values()]
    assert "" in completions and sorted(rows["response"]) == sorted(completions)
    partial = [s for s in raw.values() if s["scores"]["exact_word"]["value"] == "P"]
    assert partial  # the fixture holds "P" (partial): no label, but the response stays
    kept = rows[rows["response"].isin([s["output"]["completion"] for s in partial])]
    assert len(kept) == len(partial) and kept["source_correct"].isna().all()
    assert {json.loads(s)["match"] for s in rows["source_scores"]} <= {
        "C",
        "I",
    }  # both scorers kept
    issues = [i for i in df.attrs["label_issues"] if file_part(i.file) == file.resolve()]
    assert len(issues) == len(partial)


@pytest.mark.parametrize("fmt", ["json", "eval"])
def test_inspect_log_folder_with_three_tasks(fmt: str, tmp_path: Path) -> None:
    """A log folder is a runs folder of one run per log: every sample is read once."""
    df = loaded(INSPECT / fmt)
    total = sum(len(raw_samples(fmt, t)[1]) for t in TASKS)
    assert len(df) + len(df.attrs["rejections"]) == total
    assert len(df.attrs["runs"]) == 3 and set(df["model"]) == {"mockllm/model"}
    # The three logs as one run: ids restart in each task (1..6 in yesno and choice), so
    # only task/id keeps them apart; none of them is a duplicate.
    run = tmp_path / "mock-run"
    shutil.copytree(INSPECT / fmt, run)
    (run / "run.json").write_text(json.dumps({"model": "mockllm/model", "role": "other"}))
    one_run = load_runs(run)
    assert not [r for r in one_run.attrs["rejections"] if "duplicate" in r.reason]
    assert len(one_run) + len(one_run.attrs["rejections"]) == total
    expected = {
        f"{t.replace('-', '_')}/{k[0]}"
        for t in TASKS
        for k, sample in raw_samples(fmt, t)[1].items()
        if not sample.get("error")
    }
    assert set(one_run["problem_id"]) == expected


INSPECT_DEFLATE = OUT / "inspect_0.3.205" / "eval"


@pytest.mark.parametrize("task", TASKS)
def test_inspect_deflate_eval_logs(task: str) -> None:
    """inspect_ai 0.3.205 archives (deflate, read here with zipfile alone)."""
    file = one(f"*_{task}_*.eval", INSPECT_DEFLATE)
    with zipfile.ZipFile(file) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        raw = {
            (str(s["id"]), s["epoch"]): s
            for s in (json.loads(archive.read(n)) for n in archive.namelist() if _MEMBER.match(n))
        }
    df = loaded(file)
    rows, rejected = rows_of(df, file), rejections_of(df, file)
    errors = {k for k, s in raw.items() if s.get("error")}
    assert len(rows) + len(rejected) == len(raw) and len(rejected) == len(errors)
    name = task.replace("-", "_")
    assert set(rows["problem_id"]) == {f"{name}/{k[0]}" for k in raw if k not in errors}
    for row in rows.itertuples():
        sample = raw[(str(row.source_problem_id), int(row.sample_idx) + 1)]
        assert row.response == sample["output"]["completion"]
        assert row.gold == sample["target"] and row.gold_field == "target"
        value = sample["scores"][row.source_metric]["value"]
        label = None if pd.isna(row.source_correct) else bool(row.source_correct)
        assert label == LETTER.get(value)


# ---- TRL -------------------------------------------------------------------------------


def test_trl_completions() -> None:
    df = loaded(TRL)
    total = 0
    for file in sorted(TRL.glob("completions_*.parquet")):
        raw = pq.read_table(file).to_pandas()
        assert list(raw.columns) == [
            "step",
            "prompt",
            "completion",
            "accuracy_reward",
            "format_reward",
            "advantage",
        ]  # what TRL 1.16 writes
        rows = rows_of(df, file).sort_values("source_line")
        assert len(rows) + len(rejections_of(df, file)) == len(raw)
        assert not rejections_of(df, file)
        assert list(rows["response"]) == list(raw["completion"])
        assert list(rows["step"]) == list(raw["step"])
        assert list(rows["source_correct"]) == list(raw["accuracy_reward"] > 0)
        assert rows["gold"].isna().all()  # TRL logs no reference answer
        total += len(raw)
    # One problem per prompt (no id in the file), each prompt sampled 4 times.
    prompts = pd.concat(pq.read_table(f).to_pandas() for f in TRL.glob("*.parquet"))["prompt"]
    assert len(df) == total and df["problem_id"].nunique() == prompts.nunique()
    assert set(df.groupby("problem_id").size()) == {4}


# ---- a folder of mixed real outputs ------------------------------------------------------


def _mixed_folder(root: Path) -> tuple[Path, list[Path], list[Path]]:
    """Every real output plus two broken files: (folder, readable files, unreadable files)."""
    runs = root / "runs"
    shutil.copytree(LM_EVAL, runs / "lm-eval-lab")
    shutil.copytree(LIGHTEVAL / "details" / "lab-rlvr", runs / "lighteval-lab")
    shutil.copytree(TRL, runs / "trl-grpo")
    for logs in (INSPECT / "eval", INSPECT / "json", INSPECT_DEFLATE):
        for log in sorted(logs.iterdir()):
            shutil.copy(log, runs / log.name)
    cut = runs / "cut-off.eval"  # an .eval whose copy stopped half way
    data = one("*_lab-yesno_*.eval", INSPECT / "eval").read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    broken = runs / "trl-broken" / "completions_00003.parquet"
    broken.parent.mkdir()
    broken.write_bytes(b"PAR1 not really a parquet file")
    readable = [
        p
        for p in runs.rglob("*")
        if p.is_file()
        and p not in (cut, broken)
        and not p.name.startswith("results_")
        and "lab_choice" not in p.name
    ]
    return runs, readable, [cut, broken]


def test_inspect_mixed_real_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs, readable, unreadable = _mixed_folder(tmp_path)
    assert main(["inspect", str(runs), "--quiet"]) == 0
    out = capsys.readouterr().out
    df = load_runs(runs)
    read = {file_part(i["file"]) for i in df.attrs["inputs"]}
    assert read == {p.resolve() for p in readable}
    for bad in unreadable:
        assert skipped_reason(df, bad.resolve()), bad
        assert bad.name in out
    formats = {info.format for info in df.attrs["runs"].values()}
    assert {"lm_eval", "lighteval", "trl", "inspect_ai"} <= formats
