"""Classification metrics as plain numbers, and the confusion matrix as a PNG.

Why macro F1 is the headline: both classes matter equally to maintenance planning (a breakdown booked as
planned work hides a reliability problem; the reverse inflates the repair budget), and macro F1 weighs
them equally whatever the class balance of an inbox. Computed with NumPy so the numbers mean exactly what
this module says (zero division gives 0, labels outside ``labels`` are an error, never ignored).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from invoice_assets.ml.labels import LABELS, label_ids


@dataclass(frozen=True)
class ClassificationMetrics:
    """Per-class precision/recall/F1 keyed by label; ``confusion[i][j]``: true ``labels[i]``, predicted
    ``labels[j]``."""

    labels: tuple[str, ...]
    macro_f1: float
    accuracy: float
    precision: dict[str, float]
    recall: dict[str, float]
    f1: dict[str, float]
    confusion: list[list[int]]
    support: dict[str, int]

    def as_flat_dict(self) -> dict[str, float]:
        """``macro_f1``, ``accuracy``, ``precision_corrective``, ``recall_preventive``, ... for logging."""
        flat = {"macro_f1": self.macro_f1, "accuracy": self.accuracy}
        for name, values in (("precision", self.precision), ("recall", self.recall), ("f1", self.f1)):
            flat.update({f"{name}_{label}": values[label] for label in self.labels})
        flat.update({f"support_{label}": float(self.support[label]) for label in self.labels})
        return flat


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def metrics_from_confusion(
    confusion: Sequence[Sequence[int]], labels: Sequence[str] = LABELS
) -> ClassificationMetrics:
    """All metrics from a confusion matrix (rows true, columns predicted)."""
    matrix = np.asarray(confusion, dtype=np.int64)
    if matrix.shape != (len(labels), len(labels)):
        raise ValueError(f"confusion must be {len(labels)}x{len(labels)}, got {matrix.shape}")
    true_positive = np.diag(matrix)
    predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
    precision = {label: _ratio(true_positive[i], predicted[i]) for i, label in enumerate(labels)}
    recall = {label: _ratio(true_positive[i], actual[i]) for i, label in enumerate(labels)}
    f1 = {
        label: _ratio(2 * precision[label] * recall[label], precision[label] + recall[label])
        for label in labels
    }
    return ClassificationMetrics(
        labels=tuple(labels),
        macro_f1=float(np.mean(list(f1.values()))),
        accuracy=_ratio(true_positive.sum(), matrix.sum()),
        precision=precision,
        recall=recall,
        f1=f1,
        confusion=matrix.tolist(),
        support={label: int(actual[i]) for i, label in enumerate(labels)},
    )


def evaluate(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] = LABELS
) -> ClassificationMetrics:
    """Compare true and predicted labels."""
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred must have the same length")
    order = tuple(labels)
    confusion = np.zeros((len(order), len(order)), dtype=np.int64)
    np.add.at(confusion, (label_ids(y_true, order), label_ids(y_pred, order)), 1)
    return metrics_from_confusion(confusion, order)


def confusion_matrix_png(
    confusion: Sequence[Sequence[int]], labels: Sequence[str] = LABELS, title: str = "Confusion matrix"
) -> bytes:
    """A small annotated heat map, as PNG bytes (an MLflow artifact).

    Uses a ``Figure`` with the Agg canvas directly, not ``pyplot``: no global figure state, no GUI
    backend, safe in worker threads and servers.
    """
    # matplotlib is in the training extra, not in the user-code image that loads this module
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    matrix = np.asarray(confusion, dtype=np.int64)
    figure = Figure(figsize=(4.2, 3.6), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Blues", vmin=0)
    figure.colorbar(image, ax=axes)
    ticks = range(len(labels))
    axes.set_xticks(ticks, labels=list(labels))
    axes.set_yticks(ticks, labels=list(labels))
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    threshold = matrix.max() / 2 if matrix.size else 0
    for (i, j), count in np.ndenumerate(matrix):
        axes.text(j, i, str(count), ha="center", va="center", color="white" if count > threshold else "black")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
