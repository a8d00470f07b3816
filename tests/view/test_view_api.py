"""The JSON API over a real uvicorn server, checked against pandas on the same Parquet file."""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pandas as pd
import pytest

from traceanalysis.io.think import split_think

ORDER = ["base", "rlvr", "distill-knowledge", "distill-patterns", "thinker"]  # role order


def get(server, path: str, params=None) -> httpx.Response:
    """One GET with a plain HTTP client."""
    return httpx.get(server.url.rstrip("/") + path, params=params, timeout=30)


def keys(frame: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(run, problem_id, sample_idx) of each row, in order."""
    return list(
        zip(frame["run"], frame["problem_id"], frame["sample_idx"].astype(int), strict=True)
    )


def row_keys(rows: list[dict]) -> list[tuple[str, str, int]]:
    return [(r["run"], r["problem_id"], int(r["sample_idx"])) for r in rows]


def _expected(df: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The rows a filter keeps, computed by pandas alone."""
    keep = pd.Series(True, index=df.index)
    for key, column in (("run", "run"), ("role", "role"), ("grade_status", "grade_status"),
                        ("difficulty", "difficulty_bin"), ("problem", "problem_id")):  # fmt: skip
        if key in params:
            keep &= df[column] == params[key]
    if "correct" in params:
        value = {"true": True, "false": False}.get(params["correct"])
        keep &= df["correct"].isna() if value is None else (df["correct"] == value).fillna(False)
    if "behavior" in params:
        keep &= df[f"behavior_{params['behavior']}_present"].fillna(False)
    if "lexicon" in params:
        keep &= df[f"{params['lexicon']}_present"].fillna(False)
    if "step" in params:
        keep &= (df["step"] == int(params["step"])).fillna(False)
    if "step_min" in params:
        keep &= (df["step"] >= int(params["step_min"])).fillna(False)
    if "q" in params:
        text = df["response"].fillna("").str.lower()
        keep &= text.str.contains(params["q"].lower(), regex=False)
    return df[keep.astype(bool)]


CASES = [
    {},
    {"run": "rlvr"},
    {"role": "distilled"},
    {"correct": "true"},
    {"correct": "false", "run": "base"},
    {"correct": "null"},
    {"grade_status": "ungraded"},
    {"grade_status": "no_answer"},
    {"difficulty": "0/8"},
    {"problem": "ops1-003"},
    {"behavior": "verification"},
    {"behavior": "backtracking", "run": "distill-patterns"},
    {"lexicon": "anthropomorphic"},
    {"lexicon": "logical_connectors", "correct": "false"},
    {"step": "20"},
    {"step_min": "10", "correct": "true"},
    {"q": "wait"},
    {"q": "WAIT, let me", "run": "distill-knowledge"},
    {"q": "\\boxed{2028}"},
    {"q": "no such text anywhere"},
    {"q": "."},  # regular-expression characters are literal
    {"q": "2.28"},
    {"q": "\\E{"},
    {"q": "s_e"},  # LIKE wildcards are literal too
    {"q": "%"},
    {"q": "I_"},
    {"q": "wait", "correct": "false", "behavior": "verification"},
]


@pytest.mark.parametrize("params", CASES, ids=[json.dumps(c) for c in CASES])
def test_samples_totals_and_rows_match_pandas(server, samples: pd.DataFrame, params) -> None:
    expected = _expected(samples, params)
    body = get(server, "/api/samples", params | {"limit": 7, "offset": 3}).json()
    assert body["total"] == len(expected)
    assert row_keys(body["rows"]) == keys(expected.iloc[3:10])


def test_every_page_of_a_filter_together_is_the_filter(server, samples: pd.DataFrame) -> None:
    params = {"correct": "false", "q": "the"}
    expected = _expected(samples, params)
    seen: list = []
    for offset in range(0, len(expected) + 40, 40):
        body = get(server, "/api/samples", params | {"offset": offset, "limit": 40}).json()
        assert body["total"] == len(expected)
        seen += row_keys(body["rows"])
    assert seen == keys(expected)


def test_rows_carry_text_features_and_verdicts(server, samples: pd.DataFrame) -> None:
    row = get(server, "/api/samples", {"run": "thinker", "limit": 1}).json()["rows"][0]
    first = samples[samples["run"] == "thinker"].iloc[0]
    for column in (
        "response",
        "gold",
        "extracted",
        "grade_status",
        "behavior_spans",
        "lexicon_spans",
    ):
        assert row[column] == first[column]
    assert row["correct"] is bool(first["correct"])
    assert row["n_tokens"] == first["n_tokens"]
    assert row["step"] == first["step"]


def test_marks_are_the_stored_spans(server, samples: pd.DataFrame) -> None:
    body = get(server, "/api/samples", {"run": "distill-knowledge", "limit": 40}).json()
    present = [c for c in samples if c.endswith("_present") and not c.startswith("behavior_")]
    lexicons = [c[: -len("_present")] for c in present]
    indexed = samples.set_index(["run", "problem_id", "sample_idx"])
    for row in body["rows"]:
        stored = indexed.loc[(row["run"], row["problem_id"], row["sample_idx"])]
        beh = [m[:2] + [m[3]] for m in row["marks"] if m[2] == "beh"]
        assert beh == json.loads(stored["behavior_spans"])
        lex_marks = [m[:2] + [m[3]] for m in row["marks"] if m[2] == "lex"]
        assert lex_marks == json.loads(stored["lexicon_spans"])
        lex = Counter(m[3] for m in row["marks"] if m[2] == "lex")
        assert {name: lex.get(name, 0) for name in lexicons} == {
            name: int(stored[f"{name}_count"]) for name in lexicons
        }  # the stored spans are the stage's counts, hit for hit


def test_a_new_search_can_answer_its_page_before_its_total(server, samples) -> None:
    params = {"q": "redoing", "run": "distill-patterns", "offset": 5, "limit": 9}
    expected = _expected(samples, params)
    quick = get(server, "/api/samples", params | {"count": "false"}).json()
    assert quick["total"] is None  # not counted yet
    assert row_keys(quick["rows"]) == keys(expected.iloc[5:14])
    full = get(server, "/api/samples", params).json()
    assert full["total"] == len(expected) > 14
    assert full["rows"] == quick["rows"]
    again = get(server, "/api/samples", params | {"count": "false"}).json()
    assert again["total"] == len(expected)  # once made, the total comes with every page
    assert get(server, "/api/samples", {"count": "later"}).status_code == 400


def test_search_hits_are_marked_where_the_text_has_them(server) -> None:
    body = get(server, "/api/samples", {"q": "WaIt", "limit": 20}).json()
    assert body["rows"]
    for row in body["rows"]:
        hits = [m for m in row["marks"] if m[2] == "hit"]
        assert hits and len(hits) == row["response"].lower().count("wait")
        assert all(row["response"][s:e].lower() == "wait" for s, e, _, _ in hits)


def test_parts_split_reasoning_and_final_as_split_think(server) -> None:
    body = get(server, "/api/samples", {"run": "thinker", "limit": 20}).json()
    for row in body["rows"]:
        text, parts = row["response"], row["parts"]
        reasoning, final, _ = split_think(text)
        assert text[slice(*parts["reasoning"])] == reasoning  # split_think strips: so do parts
        assert text[slice(*parts["final"])] == final
        assert text[slice(*parts["answer"])] == f"\\boxed{{{row['extracted']}}}"
    plain = get(server, "/api/samples", {"run": "base", "limit": 1}).json()["rows"][0]
    assert plain["parts"]["reasoning"] is None
    assert plain["parts"]["final"] == [0, len(plain["response"])]


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"correct": "maybe"}, "correct"),
        ({"limit": "0"}, "limit"),
        ({"limit": "lots"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"run": "nope"}, "unknown run"),
        ({"behavior": "daydreaming"}, "unknown behaviour"),
        ({"lexicon": "nope"}, "unknown lexicon"),
        ({"difficulty": "9/8"}, "difficulty"),
        ({"step": "ten"}, "step"),
        ({"colour": "red"}, "unknown parameter"),
        ({"q": "x" * 501}, "q:"),
    ],
)
def test_bad_parameters_are_400_with_a_message(server, params, needle) -> None:
    response = get(server, "/api/samples", params)
    assert response.status_code == 400
    assert needle in response.json()["error"]


def test_values_never_become_sql(server, samples: pd.DataFrame) -> None:
    evil = "x'); DROP TABLE s; --"
    assert get(server, "/api/samples", {"q": evil}).json()["total"] == 0
    assert get(server, "/api/samples", {"problem": "' OR '1'='1"}).json()["total"] == 0
    assert get(server, "/api/samples", {"run": "base' OR '1'='1"}).status_code == 400
    assert get(server, "/api/samples").json()["total"] == len(samples)  # the table is intact


def test_page_is_self_contained_and_local(server) -> None:
    page = get(server, "/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "app.css"):
        asset = get(server, f"/static/{name}")
        assert asset.status_code == 200
        assert "http://" not in asset.text and "https://" not in asset.text
    assert "https://" not in page.text and "http://" not in page.text
    assert get(server, "/static/../app.py").status_code == 404
    foreign = httpx.get(server.url + "api/runs", headers={"Host": "evil.example"}, timeout=10)
    assert foreign.status_code == 400  # DNS rebinding: another host name is refused
