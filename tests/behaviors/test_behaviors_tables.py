"""behaviors table, agreement (kappa by hand), and the learned classifier."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold

from traceanalysis.behaviors import (
    BEHAVIORS,
    agreement_table,
    behaviors_table,
    kappa,
    train_classifier,
)
from traceanalysis.behaviors.classifier import BehaviorClassifier, make_pipeline
from traceanalysis.errors import InputError


def kappa_by_hand(a: list[bool], b: list[bool]) -> float:
    n = len(a)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return (po - pe) / (1 - pe)


def labelled_frame() -> pd.DataFrame:
    rules = [True, True, False, False, True, False, True, False]
    judge = [True, False, False, True, True, None, True, False]
    df = pd.DataFrame({"run": ["a"] * 4 + ["b"] * 4})
    for b in BEHAVIORS:
        df[f"behavior_{b}_present"] = rules
        df[f"behavior_{b}_count"] = [2 * int(r) for r in rules]
        df[f"judge_{b}_present"] = pd.array(judge, dtype="boolean")
    return df


def test_kappa_matches_hand_formula():
    a = [True, True, False, False, True, False, True]
    b = [True, False, False, True, True, False, True]
    assert kappa(np.array(a), np.array(b)) == pytest.approx(kappa_by_hand(a, b))
    assert math.isnan(kappa(np.array([True, True]), np.array([True, True])))
    assert math.isnan(kappa(np.array([], dtype=bool), np.array([], dtype=bool)))


def test_behaviors_table():
    table = behaviors_table(labelled_frame())
    assert list(table.columns) == [
        "run",
        "behavior",
        "share_present",
        "mean_count",
        "n_responses",
        "judge_share_present",
        "kappa",
        "n_both",
    ]
    assert len(table) == 2 * len(BEHAVIORS)
    a = table[(table.run == "a") & (table.behavior == "verification")].iloc[0]
    assert (a.share_present, a.mean_count, a.n_responses, a.n_both) == (0.5, 1.0, 4, 4)
    assert a.judge_share_present == 0.5
    assert a.kappa == pytest.approx(
        kappa_by_hand([True, True, False, False], [True, False, False, True])
    )
    b = table[(table.run == "b") & (table.behavior == "verification")].iloc[0]
    assert b.n_both == 3 and b.kappa == pytest.approx(1.0)  # the unjudged row is left out


def test_behaviors_table_without_judge_has_no_judge_columns():
    df = labelled_frame().drop(columns=[f"judge_{b}_present" for b in BEHAVIORS])
    assert "kappa" not in behaviors_table(df).columns
    assert agreement_table(df).empty


def test_agreement_confusion_counts_brute_force():
    df = labelled_frame()
    table = agreement_table(df).set_index("behavior")
    row = table.loc["verification"]
    pairs = [
        (r, j)
        for r, j in zip(
            df["behavior_verification_present"], df["judge_verification_present"], strict=True
        )
        if j is not pd.NA
    ]
    assert row.n_both == len(pairs) == 7
    assert row.both_present == sum(r and j for r, j in pairs)
    assert row.rules_only == sum(r and not j for r, j in pairs)
    assert row.judge_only == sum(j and not r for r, j in pairs)
    assert row.neither == sum(not r and not j for r, j in pairs)
    assert row.observed_agreement == pytest.approx(5 / 7)
    assert row.kappa == pytest.approx(kappa_by_hand(*map(list, zip(*pairs, strict=True))))
    by_run = agreement_table(df, by_run=True)
    assert set(by_run.run) == {"a", "b"} and by_run.n_both.sum() == 7 * len(BEHAVIORS)


def classifier_frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    texts, labels = [], []
    for i in range(n):
        positive = i % 3 == 0
        filler = " ".join(rng.choice(["apple", "sum", "number", "triangle", "area"], size=6))
        texts.append(f"{filler} {'wait let me recheck' if positive else 'so the result is'} {i}")
        labels.append(positive)
    df = pd.DataFrame({"run": ["r"] * n, "response": texts})
    df["judge_verification_present"] = pd.array(labels[:40] + [None] * (n - 40), dtype="boolean")
    df["judge_backtracking_present"] = pd.array([False] * 40 + [None] * (n - 40), dtype="boolean")
    df["judge_id"] = "openai:x"
    return df


def test_classifier_cv_f1_save_load_and_apply(tmp_path):
    df = classifier_frame()
    clf = train_classifier(df, folds=5, seed=0)
    labelled = df.iloc[:40]
    y = labelled["judge_verification_present"].to_numpy(dtype=bool)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    f1s = []
    for train, test in cv.split(labelled["response"], y):
        model = make_pipeline(0).fit(labelled["response"].iloc[train].tolist(), y[train])
        pred = model.predict(labelled["response"].iloc[test].tolist())
        tp = int((pred & y[test]).sum())
        f1s.append(2 * tp / (pred.sum() + y[test].sum()))
    assert clf.cv_f1["verification"] == pytest.approx(np.mean(f1s))
    assert clf.cv_f1["verification"] > 0.9  # the cue words separate the classes
    assert math.isnan(clf.cv_f1["backtracking"]) and clf.models["backtracking"] is None
    assert clf.n_train["verification"] == 40 and clf.n_positive["verification"] == 14
    path = clf.save(tmp_path / "clf.joblib")
    loaded = BehaviorClassifier.load(path)
    out = loaded.predict(df)
    assert out["learned_verification_present"].iloc[:40].isna().all()  # judge-labelled rows
    expected = [i % 3 == 0 for i in range(40, 60)]
    assert out["learned_verification_present"].iloc[40:].tolist() == expected
    assert not out["learned_backtracking_present"].iloc[40:].any()
    assert loaded.scores().set_index("behavior").loc["verification", "n_train"] == 40


def test_classifier_errors(tmp_path):
    with pytest.raises(InputError, match="no judge labels"):
        train_classifier(pd.DataFrame({"response": ["x"]}))
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(InputError, match="bad.joblib"):
        BehaviorClassifier.load(bad)
