"""Judge backends come from one registry: a plugin's ``@judge_backend("mine")`` is used by
``report --plugin FILE --judge mine:SPEC`` with no change to the package."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.report.pipeline_runs import write_runs
from traceanalysis.behaviors import judge_registry
from traceanalysis.behaviors.judge_answer import ANSWER_RULES_VERSION
from traceanalysis.behaviors.judge_registry import (
    UnknownJudgeBackend,
    backend_names,
    get_backend,
    judge_backend,
    parse_judge_spec,
)
from traceanalysis.behaviors.judge_setup import judge_identity, label_key_base
from traceanalysis.behaviors.judge_types import JudgeConfig
from traceanalysis.behaviors.prompts import load_prompt
from traceanalysis.cache import content_hash
from traceanalysis.cli import main
from traceanalysis.errors import InputError

# A user's judge backend, outside the package: "present" when the response (between the
# prompt's <response> tags) holds the word SPEC, counted case-insensitively.
PLUGIN = '''
import re

from traceanalysis.behaviors.judge_answer import JudgeAnswer
from traceanalysis.behaviors.judge_registry import judge_backend
from traceanalysis.behaviors.judge_types import JudgeResult

CALLS = []


@judge_backend("mine", version="3")
class WordJudge:
    """Answers from a word count (a stand-in for a real model)."""

    def __init__(self, config, prompt):
        self.word = config.target
        self.judge_id = f"mine:{self.word}"
        self.calls = 0

    def describe(self):
        return {"backend": "mine", "word": self.word}

    def run(self, requests, on_result):
        for req in requests:
            self.calls += 1
            CALLS.append(req.behavior)
            user = req.messages[-1]["content"]
            text = user.split("<response>", 1)[1].rsplit("</response>", 1)[0]
            n = len(re.findall(re.escape(self.word), text, flags=re.IGNORECASE))
            on_result(req, JudgeResult("ok", JudgeAnswer(n > 0, n, f"{n} x"), str(n)))
'''


@pytest.fixture(autouse=True)
def _registry_restored() -> Iterator[None]:
    """The plugin registers globally: put the registry (and sys.modules) back afterwards."""
    saved = dict(judge_registry._REGISTRY)
    yield
    judge_registry._REGISTRY.clear()
    judge_registry._REGISTRY.update(saved)
    sys.modules.pop("word_judge", None)


def _plugin(tmp_path: Path) -> Path:
    path = tmp_path / "plugin" / "word_judge.py"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    return path


def test_plugin_backend_labels_reach_samples_tables_and_manifest(tmp_path: Path) -> None:
    runs = write_runs(tmp_path / "runs", {"m-base": "base", "m-rl": "rl"}, n_problems=3,
                      n_samples=2)  # fmt: skip
    out = tmp_path / "report"
    argv = [
        "report", str(runs), "--out", str(out), "--quiet", "--plugin", str(_plugin(tmp_path)),
        "--judge", "mine:wait", "--judge-behaviors", "backtracking,verification",
    ]  # fmt: skip
    assert main(argv) == 0
    calls = list(sys.modules["word_judge"].CALLS)
    samples = pd.read_parquet(out / "samples.parquet")
    # independent count of the word in the raw input files
    raw = pd.concat(
        pd.read_json(runs / run / "samples.jsonl", lines=True).assign(run=run)
        for run in ("m-base", "m-rl")
    )
    raw["n"] = raw["response"].str.lower().str.count("wait")
    key = ["run", "problem_id", "sample_idx"]
    merged = samples.merge(raw[[*key, "n"]], on=key)
    assert len(merged) == len(raw) == 12
    assert 0 < (merged["n"] > 0).sum() < 12  # both labels occur
    for b in ("backtracking", "verification"):
        assert merged[f"judge_{b}_count"].tolist() == merged["n"].tolist()
        assert merged[f"judge_{b}_present"].tolist() == (merged["n"] > 0).tolist()
    assert "judge_subgoal_setting_present" not in samples.columns
    assert set(samples["judge_status"]) == {"ok"} and set(samples["judge_id"]) == {"mine:wait"}
    # identical responses share a label: one call per distinct (response, behaviour)
    assert len(calls) == 2 * raw["response"].nunique()
    table = pd.read_csv(out / "tables" / "behaviors.csv").set_index(["run", "behavior"])
    share = raw.assign(p=raw["n"] > 0).groupby("run")["p"].mean()
    for run in ("m-base", "m-rl"):
        got = table.loc[(run, "verification"), "judge_share_present"]
        assert got == pytest.approx(share[run], rel=1e-12)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["judge"]["option"] == "mine:wait"
    assert manifest["judge"]["ids"] == ["mine:wait"]
    # a rerun takes the judge stage from the stage cache: no new call
    assert main(argv) == 0
    assert sys.modules["word_judge"].CALLS == calls


def test_unknown_prefix_names_the_known_ones(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    runs = write_runs(tmp_path / "runs", {"m-base": "base"}, n_problems=1, n_samples=1)
    assert main(["report", str(runs), "--quiet", "--judge", "opnai:gpt-4o"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "unknown judge backend 'opnai'" in err
    assert "did you mean 'openai'?" in err and "(known: hf, openai;" in err
    assert main(["judge", str(runs), "--judge", "mine:x", "--dry-run", "--quiet"]) == 2
    assert "unknown judge backend 'mine'" in capsys.readouterr().err
    plugin = str(_plugin(tmp_path))
    # with the plugin loaded, a spec without a prefix lists its prefix too
    assert main(["judge", str(runs), "--plugin", plugin, "--judge", "x", "--quiet"]) == 2
    assert "expected openai:MODEL or hf:PATH (or mine:SPEC), got 'x'" in capsys.readouterr().err


def test_registry_lookups_and_refusals() -> None:
    assert {"openai", "hf"} <= set(backend_names())
    entry = get_backend("openai")
    assert entry.builtin and entry.version is None and entry.factory.__name__ == "OpenAIJudge"
    assert get_backend("hf").factory.__name__ == "HFJudge"
    assert parse_judge_spec("hf:/models/x:y") == ("hf", "/models/x:y")
    with pytest.raises(UnknownJudgeBackend, match=r"did you mean 'hf'\?"):
        parse_judge_spec("hff:x")
    with pytest.raises(InputError, match="expected openai:MODEL or hf:PATH"):
        parse_judge_spec("openai:")
    with pytest.raises(ValueError, match="already registered"):
        judge_backend("openai")(object)
    with pytest.raises(ValueError, match="other than 'none'"):
        judge_backend("none")
    judge_backend("twice")(dict)
    with pytest.raises(ValueError, match="already registered"):
        judge_backend("twice")(list)


def test_an_incomplete_backend_fails_before_any_call() -> None:
    judge_backend("bare")(lambda config, prompt: object())
    with pytest.raises(InputError, match=r"'bare' .* without judge_id, calls, describe, run"):
        judge_identity(JudgeConfig(judge="bare:x"))


def test_builtin_keys_unchanged_and_plugin_version_in_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    prompt = load_prompt()
    config = JudgeConfig(judge="openai:gpt-4o-mini")
    identity = judge_identity(config)
    assert identity["judge_id"] == "openai:gpt-4o-mini" and "backend_version" not in identity
    expected = content_hash(  # the label key base as written before the registry
        "judge", "openai:gpt-4o-mini", prompt.version, prompt.text_hash, ANSWER_RULES_VERSION,
        config.params(),
    )  # fmt: skip
    assert label_key_base("openai:gpt-4o-mini", prompt, config) == expected
    sys.path.insert(0, str(_plugin(tmp_path).parent))
    try:
        __import__("word_judge")
    finally:
        sys.path.pop(0)
    mine = JudgeConfig(judge="mine:wait")
    assert judge_identity(mine)["backend_version"] == "3"
    base = label_key_base("mine:wait", prompt, mine)
    plain = content_hash(
        "judge", "mine:wait", prompt.version, prompt.text_hash, ANSWER_RULES_VERSION,
        mine.params(),
    )  # fmt: skip
    assert base == content_hash(
        "judge", "mine:wait", prompt.version, prompt.text_hash, ANSWER_RULES_VERSION,
        mine.params(), "backend", "3",
    ) != plain  # fmt: skip
    assert re.fullmatch(r"[0-9a-f]{64}", base)
