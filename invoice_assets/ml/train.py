"""Fit the CNN on labelled texts, and score many texts fast with a fitted one.

Seeded (``keras.utils.set_random_seed``), the vectorizer fitted on the training texts only, balanced class
weights, and early stopping on validation loss restoring the best epoch's weights; docs/decisions.md
gives the reason for each.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import keras
import numpy as np

from invoice_assets.ml.labels import LABELS, label_ids
from invoice_assets.ml.model import CnnParams, build_cnn
from invoice_assets.ml.vectorizer import TextVectorizer

EpochCallback = Callable[[int, dict[str, float]], None]
"""Called after each epoch with the 0-based epoch and its metrics (``loss``, ``val_loss``, ...)."""


@dataclass
class TrainedCnn:
    """A fitted model with the vectorizer it needs, and how training went."""

    model: keras.Model
    vectorizer: TextVectorizer
    history: dict[str, list[float]]
    """Per-epoch ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``."""
    epochs_run: int
    best_epoch: int
    """1-based epoch whose weights the model has (lowest validation loss)."""


def class_weights(labels: Sequence[str], order: tuple[str, ...] = LABELS) -> dict[int, float]:
    """``n / (classes present * count)`` per class index ("balanced", so the weights average to 1 over the
    samples); a class absent from ``labels`` gets 1.0."""
    counts = np.bincount(label_ids(labels, order), minlength=len(order))
    total, present = int(counts.sum()), int(np.count_nonzero(counts))
    return {i: (total / (present * int(n)) if n else 1.0) for i, n in enumerate(counts)}


class _ReportEpoch(keras.callbacks.Callback):
    """Hands each epoch's metrics, as plain floats, to a caller's function (e.g. an MLflow logger)."""

    def __init__(self, report: EpochCallback) -> None:
        super().__init__()
        self._report = report

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        self._report(epoch, {name: float(value) for name, value in (logs or {}).items()})


def train_cnn(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    val_texts: Sequence[str],
    val_labels: Sequence[str],
    params: CnnParams,
    *,
    seed: int = 20250101,
    on_epoch_end: EpochCallback | None = None,
) -> TrainedCnn:
    """Fit a vectorizer and a CNN on the training texts, stopping early on the validation loss."""
    if len(train_texts) != len(train_labels) or len(val_texts) != len(val_labels):
        raise ValueError("texts and labels must have the same length")
    if not train_texts or not val_texts:
        raise ValueError("training and validation sets must not be empty")
    y_train, y_val = label_ids(train_labels), label_ids(val_labels)

    keras.utils.set_random_seed(seed)
    vectorizer = TextVectorizer.fit(train_texts, **params.vectorizer_options())
    model = build_cnn(vectorizer.sizes, params)

    callbacks: list[keras.callbacks.Callback] = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=params.patience, restore_best_weights=True)
    ]
    if on_epoch_end is not None:
        callbacks.append(_ReportEpoch(on_epoch_end))
    fitted = model.fit(
        vectorizer.encode(train_texts),
        y_train,
        validation_data=(vectorizer.encode(val_texts), y_val),
        batch_size=params.batch_size,
        epochs=params.max_epochs,
        class_weight=class_weights(train_labels),
        callbacks=callbacks,
        shuffle=True,
        verbose=0,
    )
    history = {name: [float(v) for v in values] for name, values in fitted.history.items()}
    val_loss = history.get("val_loss", [])
    best = (
        int(np.nanargmin(val_loss)) + 1 if val_loss and not all(map(math.isnan, val_loss)) else len(val_loss)
    )
    return TrainedCnn(model, vectorizer, history, epochs_run=len(history["loss"]), best_epoch=best)


def predict_proba(
    model: keras.Model, vectorizer: TextVectorizer, texts: Sequence[str], batch_size: int = 512
) -> np.ndarray:
    """``[N, 2]`` probabilities in ``LABELS`` order, in batches.

    ``predict_on_batch`` runs the model's compiled predict function without ``model.predict``'s
    per-call dataset and callback set-up, which dominates for the small calls an online service makes.
    """
    probabilities = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        batch = vectorizer.encode(texts[start : start + batch_size])
        probabilities[start : start + batch_size] = np.asarray(model.predict_on_batch(batch))
    return probabilities


def predict_labels(
    model: keras.Model, vectorizer: TextVectorizer, texts: Sequence[str], batch_size: int = 512
) -> list[str]:
    """The most probable label of each text."""
    return [LABELS[i] for i in predict_proba(model, vectorizer, texts, batch_size).argmax(axis=1)]
