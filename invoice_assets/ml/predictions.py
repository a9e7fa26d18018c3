"""Class probabilities → the predicted label and its probability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from invoice_assets.ml.labels import LABELS

REVIEW_BELOW_PROBABILITY = 0.75
"""Predictions less confident than this go to people (the review queue), in batch and online alike."""


@dataclass(frozen=True)
class Prediction:
    label: str
    probability: float


def to_predictions(probabilities: np.ndarray) -> list[Prediction]:
    best = probabilities.argmax(axis=1)
    return [Prediction(LABELS[i], float(probabilities[row, i])) for row, i in enumerate(best)]
