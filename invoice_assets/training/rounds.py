"""One training round: split by sha256, fit the CNN and the baseline, evaluate both on the test split, and
export the CNN to LiteRT, measuring how often LiteRT and Keras agree on that same test split.

Pure of Dagster and MLflow; the asset logs what this returns. The LiteRT file is what serves once the
version is champion (inference runs without TensorFlow), so its agreement with the network that was
evaluated is measured here, where both exist, and gates promotion.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from invoice_assets.ml.baseline import predict as baseline_predict
from invoice_assets.ml.baseline import train_baseline
from invoice_assets.ml.labels import LABELS
from invoice_assets.ml.litert import Agreement, LiteRtClassifier, agreement, export_litert
from invoice_assets.ml.metrics import ClassificationMetrics, evaluate
from invoice_assets.ml.model import CnnParams
from invoice_assets.ml.split import assign_split
from invoice_assets.ml.train import EpochCallback, TrainedCnn, predict_proba, train_cnn
from invoice_assets.store.labels import LabeledInvoice

MIN_PER_CLASS_AND_SPLIT = 2


class NotEnoughData(ValueError):
    """Raised when a split lacks a class: the metrics would mean nothing."""


@dataclass(frozen=True)
class SplitData:
    texts: list[str]
    labels: list[str]
    sha256s: list[str]

    def counts(self) -> dict[str, int]:
        counted = Counter(self.labels)
        return {label: counted.get(label, 0) for label in LABELS}


def split_dataset(dataset: Sequence[LabeledInvoice]) -> dict[str, SplitData]:
    parts: dict[str, SplitData] = {name: SplitData([], [], []) for name in ("train", "validation", "test")}
    for item in dataset:
        part = parts[assign_split(item.sha256)]
        part.texts.append(item.text)
        part.labels.append(item.label)
        part.sha256s.append(item.sha256)
    for name, part in parts.items():
        short = {label: n for label, n in part.counts().items() if n < MIN_PER_CLASS_AND_SPLIT}
        if short:
            raise NotEnoughData(
                f"the {name} split has too few labelled invoices ({short}; at least "
                f"{MIN_PER_CLASS_AND_SPLIT} of each class needed, {len(dataset)} labelled in all): "
                "add invoices and labels, then train again"
            )
    return parts


@dataclass(frozen=True)
class TrainingRound:
    splits: dict[str, SplitData]
    trained: TrainedCnn
    cnn: ClassificationMetrics
    baseline: ClassificationMetrics
    litert_path: Path
    """The CNN exported to LiteRT (the file that serves once this version is champion)."""
    litert: Agreement
    """LiteRT vs Keras on the test split."""


def verify_litert(
    trained: TrainedCnn, texts: Sequence[str], keras_probabilities: np.ndarray, path: Path
) -> Agreement:
    """Export ``trained`` to LiteRT at ``path`` and compare its predictions on ``texts`` with Keras's."""
    export_litert(trained.model, path)
    litert = LiteRtClassifier(Path(path).read_bytes(), trained.vectorizer)
    return agreement(keras_probabilities, litert.predict_proba(texts))


def train_round(
    dataset: Sequence[LabeledInvoice],
    params: CnnParams,
    seed: int,
    litert_path: Path,
    on_epoch_end: EpochCallback | None = None,
) -> TrainingRound:
    splits = split_dataset(dataset)
    train, validation, test = splits["train"], splits["validation"], splits["test"]
    trained = train_cnn(
        train.texts,
        train.labels,
        validation.texts,
        validation.labels,
        params,
        seed=seed,
        on_epoch_end=on_epoch_end,
    )
    keras_probabilities = predict_proba(trained.model, trained.vectorizer, test.texts)
    cnn = evaluate(test.labels, [LABELS[i] for i in keras_probabilities.argmax(axis=1)])
    litert = verify_litert(trained, test.texts, keras_probabilities, litert_path)
    baseline_model = train_baseline(train.texts, train.labels, seed=seed)
    baseline = evaluate(test.labels, baseline_predict(baseline_model, test.texts))
    return TrainingRound(splits, trained, cnn, baseline, Path(litert_path), litert)
