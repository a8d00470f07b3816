"""A classifier learned from judge labels: judge quality at rule cost on large corpora.

Per behaviour, a scikit-learn pipeline TF-IDF (word 1-2 grams, sublinear tf) + logistic
regression (balanced class weights) is trained on the responses the judge labelled.
Its quality is the F1 of the positive class from stratified k-fold cross-validation
(seeded). The fitted models are saved with joblib together with a format version and the
scikit-learn version, and applied to the responses the judge did not label
(``learned_B_present``, ``learned_B_prob``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from traceanalysis.behaviors.definitions import BEHAVIORS
from traceanalysis.errors import InputError

FORMAT = "traceanalysis-behavior-classifier"
CLASSIFIER_VERSION = "1"


def make_pipeline(seed: int = 0) -> Pipeline:
    """TF-IDF (1-2 grams) + logistic regression with balanced class weights."""
    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=100_000)),
            (
                "logreg",
                LogisticRegression(class_weight="balanced", max_iter=2000, random_state=seed),
            ),
        ]
    )


@dataclass
class BehaviorClassifier:
    """Fitted models per behaviour (None = the judge gave one label only: constant)."""

    models: dict[str, Pipeline | None]
    constant: dict[str, bool]
    cv_f1: dict[str, float]
    n_train: dict[str, int]
    n_positive: dict[str, int]
    judge_id: str | None
    column: str = "response"
    version: str = CLASSIFIER_VERSION
    sklearn_version: str = field(default_factory=lambda: sklearn.__version__)

    def scores(self) -> pd.DataFrame:
        """behavior, n_train, n_positive, cv_f1 (NaN when too few labels to cross-validate)."""
        return pd.DataFrame(
            [
                {
                    "behavior": b,
                    "n_train": self.n_train[b],
                    "n_positive": self.n_positive[b],
                    "cv_f1": self.cv_f1[b],
                }
                for b in self.models
            ]
        )

    def save(self, path: str | Path) -> Path:
        """Write the classifier with joblib; returns the path."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": FORMAT, **self.__dict__}, p)
        return p

    @classmethod
    def load(cls, path: str | Path) -> BehaviorClassifier:
        """Read a saved classifier; InputError when the file is not one or has another version.

        Like any pickle, load only files you trust.
        """
        try:
            data = joblib.load(Path(path))
        except Exception as exc:  # unpickling garbage raises almost anything; reported
            raise InputError(f"cannot read classifier: {exc}", file=str(path)) from None
        if not isinstance(data, dict) or data.pop("format", None) != FORMAT:
            raise InputError("not a traceanalysis behaviour classifier", file=str(path))
        if data.get("version") != CLASSIFIER_VERSION:
            raise InputError(
                f"classifier format version {data.get('version')!r}, expected {CLASSIFIER_VERSION!r}",
                file=str(path),
            )
        if data.get("sklearn_version") != sklearn.__version__:
            warnings.warn(
                f"{path}: trained with scikit-learn {data.get('sklearn_version')}, "
                f"running {sklearn.__version__}",
                stacklevel=2,
            )
        return cls(**data)

    def predict(self, df: pd.DataFrame, *, only_unlabelled: bool = True) -> pd.DataFrame:
        """Add ``learned_B_present`` / ``learned_B_prob``; rows the judge labelled get <NA>
        when ``only_unlabelled`` (their judge label is better)."""
        texts = df[self.column].fillna("").astype(str).tolist()
        out = df.copy()
        for b, model in self.models.items():
            prob = (
                model.predict_proba(texts)[:, 1]
                if model is not None
                else np.full(len(df), float(self.constant[b]))
            )
            keep = np.ones(len(df), dtype=bool)
            if only_unlabelled and f"judge_{b}_present" in df.columns:
                keep = df[f"judge_{b}_present"].isna().to_numpy()
            out[f"learned_{b}_prob"] = pd.array(np.where(keep, prob, np.nan), dtype="Float64")
            present = pd.array(prob >= 0.5, dtype="boolean")
            present[~keep] = pd.NA
            out[f"learned_{b}_present"] = present
        return out


def train_classifier(
    df: pd.DataFrame, *, column: str = "response", folds: int = 5, seed: int = 0
) -> BehaviorClassifier:
    """Train one model per behaviour on the rows with a judge label (``judge_B_present``).

    Cross-validation uses min(folds, smaller class size) stratified folds; with fewer
    than 2 examples of a class the F1 is NaN and (with one class only) the model is a
    constant.
    """
    names = [
        b
        for b in BEHAVIORS
        if f"judge_{b}_present" in df.columns and df[f"judge_{b}_present"].notna().any()
    ]
    if not names:
        raise InputError("no judge labels (judge_<behaviour>_present) to train on")
    models, constant, cv_f1, n_train, n_pos = {}, {}, {}, {}, {}
    for b in names:
        labelled = df[df[f"judge_{b}_present"].notna()]
        texts = labelled[column].fillna("").astype(str).tolist()
        y = labelled[f"judge_{b}_present"].to_numpy(dtype=bool)
        n_train[b], n_pos[b] = len(y), int(y.sum())
        smaller = int(min(y.sum(), len(y) - y.sum()))
        if smaller == 0:
            models[b], constant[b], cv_f1[b] = None, bool(y[0]) if len(y) else False, math.nan
            continue
        cv_f1[b] = math.nan
        if smaller >= 2:
            cv = StratifiedKFold(n_splits=min(folds, smaller), shuffle=True, random_state=seed)
            cv_f1[b] = float(
                cross_val_score(make_pipeline(seed), texts, y, cv=cv, scoring="f1").mean()
            )
        models[b], constant[b] = make_pipeline(seed).fit(texts, y), False
    judge_ids = df["judge_id"].dropna().unique().tolist() if "judge_id" in df.columns else []
    return BehaviorClassifier(
        models=models,
        constant=constant,
        cv_f1=cv_f1,
        n_train=n_train,
        n_positive=n_pos,
        judge_id=",".join(sorted(judge_ids)) or None,
        column=column,
    )
