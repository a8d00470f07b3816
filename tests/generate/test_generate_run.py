"""generate_run end to end on a tiny local model: output, load_runs, resume, seeds, bans."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.errors import InputError
from traceanalysis.generate import GenerationSpec, generate_run
from traceanalysis.generate import writer as writer_module

MAX_NEW = 10


def _spec(tiny_model: Path, gen_fixtures: Path, out: Path, **kw: object) -> GenerationSpec:
    base = dict(
        model=str(tiny_model),
        benchmark=str(gen_fixtures / "bench_native.jsonl"),
        n=4,
        out=out,
        max_new_tokens=MAX_NEW,
        batch_size=8,
        seed=1,
    )
    return GenerationSpec(**{**base, **kw})  # type: ignore[arg-type]


def _rows(out: Path) -> pd.DataFrame:
    df = pd.read_json(out / "samples.jsonl", lines=True, dtype={"problem_id": str})
    return df.sort_values(["problem_id", "sample_idx"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def full_run(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One uninterrupted reference run: 4 problems x 4 samples, r1-zero with its stop string."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "generate"
    out = tmp_path_factory.mktemp("runs") / "tiny-base"
    spec = _spec(tiny_model, fixtures, out, template="r1-zero")
    return generate_run(spec, progress=False)


def test_run_folder_in_native_format(full_run: Path, tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    df = _rows(full_run)
    assert len(df) == 16
    assert set(df.columns) >= {
        "run",
        "model",
        "role",
        "problem_id",
        "sample_idx",
        "prompt",
        "response",
        "gold",
        "finish_reason",
        "n_new_tokens",
    }
    assert df.groupby("problem_id")["sample_idx"].apply(sorted).map(tuple).unique().tolist() == [
        (0, 1, 2, 3)
    ]
    assert set(df["run"]) == {"tiny-base"} and set(df["role"]) == {"base"}
    assert set(df["finish_reason"]) <= {"stop", "length"}
    tok = AutoTokenizer.from_pretrained(tiny_model)
    for row in df.itertuples():
        # special tokens the random model emits (<pad>, <s>) are dropped from the text
        n_words = len(tok.encode(row.response, add_special_tokens=False))
        if row.finish_reason == "length":
            assert row.n_new_tokens == MAX_NEW and n_words <= MAX_NEW
            assert not row.response.endswith("</answer>")
        else:  # stopped by EOS (not in the text) or by the stop string (kept)
            assert n_words < row.n_new_tokens <= MAX_NEW or row.response.endswith("</answer>")
        assert "</answer>" not in row.response[: -len("</answer>")]
    meta = json.loads((full_run / "run.json").read_text())
    assert meta["status"] == "complete" and meta["role"] == "base"
    assert meta["template"]["name"] == "r1-zero" and meta["template"]["version"] == 1
    assert meta["sampling"] == {
        "n": 4,
        "temperature": 0.9,
        "top_p": 1.0,
        "top_k": 50,
        "max_new_tokens": MAX_NEW,
        "repetition_penalty": 1.0,
        "seed": 1,
        "stop": ["</answer>"],
    }
    assert meta["backend"] == "transformers" and meta["versions"]["torch"].startswith("2.")
    assert meta["started_at"] <= meta["finished_at"]
    assert meta["sessions"][-1]["samples"] == 16
    assert meta["sessions"][-1]["versions"] == meta["versions"]


def test_load_runs_reads_it_back(full_run: Path) -> None:
    from traceanalysis.io import load_runs

    df = load_runs(full_run.parent)
    assert len(df) == 16 and not df.attrs["rejections"]
    info = df.attrs["runs"]["tiny-base"]
    assert info.role == "base" and not info.role_guessed and info.benchmark == "bench_native"
    ours = _rows(full_run)
    theirs = df.sort_values(["problem_id", "sample_idx"]).reset_index(drop=True)
    assert theirs["response"].tolist() == ours["response"].tolist()
    assert theirs["gold"].tolist() == ours["gold"].astype(str).tolist()


def test_same_seed_same_samples_any_batch_size(
    full_run: Path, tiny_model: Path, gen_fixtures: Path, tmp_path: Path
) -> None:
    again = generate_run(
        _spec(tiny_model, gen_fixtures, tmp_path / "a", template="r1-zero", batch_size=3),
        progress=False,
    )
    pd.testing.assert_frame_equal(
        _rows(again).drop(columns=["run", "role"]), _rows(full_run).drop(columns=["run", "role"])
    )
    other = generate_run(
        _spec(tiny_model, gen_fixtures, tmp_path / "b", template="r1-zero", seed=2, limit=1),
        progress=False,
    )
    first = _rows(full_run).query("problem_id == 'p1'")
    assert _rows(other)["response"].tolist() != first["response"].tolist()


def test_resume_generates_exactly_the_missing_rows(
    full_run: Path,
    tiny_model: Path,
    gen_fixtures: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "tiny-base"
    spec = _spec(tiny_model, gen_fixtures, out, template="r1-zero")
    real_write = writer_module.SampleWriter.write
    calls = {"n": 0}

    def killed_after_two(self: writer_module.SampleWriter, rows: list[dict]) -> None:
        if calls["n"] == 2:
            # the third problem is half-written when the "kill" arrives
            self._fh.write(json.dumps(rows[0])[:25])
            self._fh.flush()
            raise KeyboardInterrupt
        calls["n"] += 1
        real_write(self, rows)

    monkeypatch.setattr(writer_module.SampleWriter, "write", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        generate_run(spec, progress=False)
    monkeypatch.setattr(writer_module.SampleWriter, "write", real_write)
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
    before = _rows_tolerant(out)
    assert len(before) == 8

    generate_run(spec, progress=False)
    meta = json.loads((out / "run.json").read_text())
    last = meta["sessions"][-1]
    assert last["rows_before"] == 8 and last["samples"] == 8 and last["torn_bytes_cut"] == 25
    assert meta["status"] == "complete"
    pd.testing.assert_frame_equal(_rows(out), _rows(full_run))
    # a third run finds nothing to do
    generate_run(spec, progress=False)
    assert len(json.loads((out / "run.json").read_text())["sessions"]) == 2


def _rows_tolerant(out: Path) -> list[dict]:
    lines = (out / "samples.jsonl").read_text().split("\n")
    return [json.loads(x) for x in lines if x.strip().endswith("}")]


def test_changed_parameter_refused_unless_overwrite(
    full_run: Path, tiny_model: Path, gen_fixtures: Path, tmp_path: Path
) -> None:
    out = tmp_path / "tiny-base"
    spec = _spec(tiny_model, gen_fixtures, out, template="r1-zero", n=1)
    generate_run(spec, progress=False)
    with pytest.raises(InputError, match=r"other settings \(sampling.temperature: 0.9 -> 0.5\)"):
        generate_run(replace(spec, temperature=0.5), progress=False)
    with pytest.raises(InputError, match="template.name: 'r1-zero' -> 'raw'"):
        generate_run(replace(spec, template="raw"), progress=False)
    # more samples per problem top the run up; samples 0..3 equal a direct n=4 run
    generate_run(replace(spec, n=4), progress=False)
    pd.testing.assert_frame_equal(_rows(out), _rows(full_run))
    with pytest.raises(InputError, match="index >= 2"):
        generate_run(replace(spec, n=2), progress=False)
    generate_run(replace(spec, temperature=0.5, overwrite=True, limit=1), progress=False)
    assert len(_rows(out)) == 1


def test_banned_words_never_appear(tiny_model: Path, gen_fixtures: Path, tmp_path: Path) -> None:
    pattern = re.compile(r"\b(?:wait|hmm)\b", re.IGNORECASE)
    common = dict(n=8, max_new_tokens=16, temperature=1.5, top_k=0, batch_size=32)
    free = generate_run(
        _spec(tiny_model, gen_fixtures, tmp_path / "free", **common), progress=False
    )
    assert _rows(free)["response"].str.contains(pattern).sum() > 5  # the control: they do appear
    banned = generate_run(
        _spec(tiny_model, gen_fixtures, tmp_path / "banned", ban_words=("wait", "Hmm"), **common),
        progress=False,
    )
    assert not _rows(banned)["response"].str.contains(pattern).any()
    meta = json.loads((banned / "run.json").read_text())
    assert meta["banned"]["words"] == ["wait", "Hmm"] and meta["banned"]["source"] == "--ban-words"
    assert sorted(meta["banned"]["sequences_text"]) == ["Hmm", "WAIT", "Wait", "hmm", "wait"]


def test_ban_lexicon(tiny_model: Path, gen_fixtures: Path, tmp_path: Path) -> None:
    out = generate_run(
        _spec(
            tiny_model, gen_fixtures, tmp_path / "lex", n=4, ban_lexicon="anthropomorphic", limit=2
        ),
        progress=False,
    )
    meta = json.loads((out / "run.json").read_text())
    assert meta["banned"]["source"].startswith("lexicon anthropomorphic v")
    assert "wait" in meta["banned"]["words"] and "let me" in meta["banned"]["words"]
    assert "let me" in meta["banned"]["sequences_text"]
    df = _rows(out)
    assert not df["response"].str.contains(r"\b(?:wait|hmm|maybe|let me)\b", case=False).any()


def test_chat_template_and_greedy(tiny_model: Path, gen_fixtures: Path, tmp_path: Path) -> None:
    out = generate_run(
        _spec(
            tiny_model,
            gen_fixtures,
            tmp_path / "greedy",
            template="chat",
            temperature=0.0,
            n=3,
            limit=2,
        ),
        progress=False,
    )
    df = _rows(out)
    assert len(df) == 6
    assert df.groupby("problem_id")["response"].nunique().eq(1).all()
    assert json.loads((out / "run.json").read_text())["template"]["chat"] is True


def test_cli(
    tiny_model: Path, gen_fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from traceanalysis.cli import main

    out = tmp_path / "runs" / "cli-rl"
    argv = [
        "generate",
        "--model",
        str(tiny_model),
        "--benchmark",
        str(gen_fixtures / "bench_native.jsonl"),
        "--n",
        "2",
        "--out",
        str(out),
        "--max-new-tokens",
        "5",
        "--limit",
        "2",
        "--quiet",
    ]
    assert main(argv) == 0
    df = _rows(out)
    assert len(df) == 4 and set(df["role"]) == {"rl"}  # guessed from the run name
    assert main([*argv[:-1], "--temperature", "0.3"]) == 2
    assert "other settings" in capsys.readouterr().err


def test_offline_hub_model_fails_at_once(gen_fixtures: Path, tmp_path: Path) -> None:
    import time

    spec = GenerationSpec(
        model="Qwen/Qwen2.5-Math-1.5B",
        benchmark=str(gen_fixtures / "bench_native.jsonl"),
        n=1,
        out=tmp_path / "x",
    )
    start = time.perf_counter()
    with pytest.raises(InputError, match="offline.*pass a local model folder"):
        generate_run(spec, progress=False)
    assert time.perf_counter() - start < 10


def test_bad_spec_values(tiny_model: Path, gen_fixtures: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--n must be at least 1"):
        generate_run(_spec(tiny_model, gen_fixtures, tmp_path / "x", n=0), progress=False)
    with pytest.raises(InputError, match="--top-p"):
        generate_run(_spec(tiny_model, gen_fixtures, tmp_path / "x", top_p=0.0), progress=False)
