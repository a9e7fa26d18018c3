"""The reference the CNN has to beat: TF-IDF of words and character n-grams + logistic regression.

Why keep it: a linear model on n-grams is strong on short, formulaic texts and costs seconds to train. If
the CNN does not beat it on the same split, the CNN is not earning its complexity. It tokenizes words
exactly like the CNN's vectorizer (``text.tokens``) so the comparison is about the model, not the
preprocessing; ``char_wb`` n-grams play the role of the CNN's n-gram embeddings for OCR slips.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from invoice_assets.ml.labels import LABELS, label_ids
from invoice_assets.ml.text import normalize, tokens


def make_baseline(seed: int = 0) -> Pipeline:
    """The unfitted pipeline; word 1-2-grams and character 2-5-grams, sublinear TF, balanced classes."""
    words = TfidfVectorizer(
        tokenizer=tokens, token_pattern=None, lowercase=False, ngram_range=(1, 2), min_df=2, sublinear_tf=True
    )
    chars = TfidfVectorizer(
        analyzer="char_wb", preprocessor=normalize, ngram_range=(2, 5), min_df=2, sublinear_tf=True
    )
    return Pipeline(
        [
            ("features", FeatureUnion([("words", words), ("chars", chars)])),
            (
                "classifier",
                LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=seed),
            ),
        ]
    )


def train_baseline(texts: Sequence[str], labels: Sequence[str], seed: int = 0) -> Pipeline:
    """Fit the pipeline on class indices (``LABELS`` order), so its columns match the CNN's."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels must have the same length")
    return make_baseline(seed).fit(list(texts), label_ids(labels))


def predict_proba(pipeline: Pipeline, texts: Sequence[str]) -> np.ndarray:
    """``[N, 2]`` probabilities in ``LABELS`` order (columns placed by the fitted ``classes_``)."""
    raw = pipeline.predict_proba(list(texts))
    probabilities = np.zeros((len(texts), len(LABELS)), dtype=np.float64)
    probabilities[:, pipeline.classes_] = raw
    return probabilities


def predict(pipeline: Pipeline, texts: Sequence[str]) -> list[str]:
    """The most probable label of each text."""
    return [LABELS[i] for i in predict_proba(pipeline, texts).argmax(axis=1)]
