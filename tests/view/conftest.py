"""A small report folder for the view tests and a real uvicorn server on 127.0.0.1.

The report is the committed demo's samples.parquet (1,600 real responses of four runs)
plus one extra run, ``thinker``, whose responses wrap a demo response in ``<think>`` ...
``</think>`` and add a final answer and some HTML that must stay text (its spans shifted
accordingly), and a
``step`` column for that run, so every filter and the reasoning/final split have data.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("duckdb", reason="the [view] extra is not installed")
pytest.importorskip("starlette", reason="the [view] extra is not installed")
pytest.importorskip("uvicorn", reason="the [view] extra is not installed")

from traceanalysis.view.serve import Server  # noqa: E402

DEMO = Path(__file__).resolve().parents[2] / "reports" / "demo"
DEMO_RUNS = ("base", "rlvr", "distill-knowledge", "distill-patterns")
OPEN = "<think>\n"
MARKUP = "<img src=x onerror=\"document.title='pwned'\"><b>bold?</b>"  # must stay text


def with_lexicon_spans(demo: pd.DataFrame) -> pd.DataFrame:
    """The demo table with a ``lexicon_spans`` column, as the lexical stage now stores it
    (made here with the lexical module's matcher when the committed demo predates it)."""
    if "lexicon_spans" in demo.columns:
        return demo
    from traceanalysis.lexical import compile_lexicons, load_lexicons
    from traceanalysis.lexical.matcher import spans_json

    used = json.loads((DEMO / "manifest.json").read_text("utf-8"))["lexicons"]
    matcher = compile_lexicons([lex for lex in load_lexicons() if lex.name in used])
    return demo.assign(lexicon_spans=[spans_json(matcher.spans(t)) for t in demo["response"]])


def _thinker(demo: pd.DataFrame) -> pd.DataFrame:
    """Eight problems x the demo's distill-knowledge samples, as think-block responses."""
    rows = demo[demo["run"] == "distill-knowledge"].head(64).copy()
    rows["run"] = "thinker"
    rows["role"] = "other"
    rows["model"] = "lab/thinker"
    rows["reasoning"] = rows["response"]
    rows["response"] = [
        f"{OPEN}{text}\n</think>\nSo the final answer is \\boxed{{{ext}}}. {MARKUP}"
        for text, ext in zip(rows["response"], rows["extracted"].fillna("?"), strict=True)
    ]
    for column in ("behavior_spans", "lexicon_spans"):
        rows[column] = [
            json.dumps([[s + len(OPEN), e + len(OPEN), b] for s, e, b in json.loads(spans)])
            for spans in rows[column]
        ]
    rows["step"] = [10 * (i % 4) for i in range(len(rows))]
    ungraded = rows.index[-8:]  # one problem's samples without a verdict
    rows["correct"] = rows["correct"].astype("boolean")
    rows.loc[ungraded, "correct"] = pd.NA
    rows.loc[ungraded, "grade_status"] = "ungraded"
    return rows


@pytest.fixture(scope="session")
def view_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report folder: samples.parquet (demo + thinker) and the demo's manifest.json."""
    folder = tmp_path_factory.mktemp("view-report")
    demo = with_lexicon_spans(pd.read_parquet(DEMO / "samples.parquet"))
    # the demo's four model runs (not its training checkpoints): 4 x 400 responses
    demo = demo[demo["run"].isin(DEMO_RUNS)].reset_index(drop=True)
    table = pd.concat([demo, _thinker(demo)], ignore_index=True)
    table.to_parquet(folder / "samples.parquet", index=False, row_group_size=512)
    shutil.copyfile(DEMO / "manifest.json", folder / "manifest.json")
    return folder


@pytest.fixture(scope="session")
def markup() -> str:
    """The HTML inside the thinker run's final answers, which the page must show as text."""
    return MARKUP


@pytest.fixture(scope="session")
def samples(view_report: Path) -> pd.DataFrame:
    """The same table read by pandas: the independent side of every check."""
    return pd.read_parquet(view_report / "samples.parquet")


@pytest.fixture(scope="session")
def server(view_report: Path) -> Iterator[Server]:
    """A real uvicorn server on 127.0.0.1 (a free port), stopped when the session ends."""
    with Server(view_report, "127.0.0.1", 0) as running:
        yield running
