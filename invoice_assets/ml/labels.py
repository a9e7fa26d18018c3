"""The two classes, in the one order every model output, metric and confusion matrix uses.

A module of its own so that metrics and the baseline can share the order without importing TensorFlow.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

LABELS: tuple[str, str] = ("corrective", "preventive")
"""Output column ``i`` of every model is the probability of ``LABELS[i]``."""


def label_ids(labels: Iterable[str], order: tuple[str, ...] = LABELS) -> np.ndarray:
    """Labels → int32 class indices; an unknown label is an error, never silently a class."""
    index = {label: i for i, label in enumerate(order)}
    try:
        return np.asarray([index[label] for label in labels], dtype=np.int32)
    except KeyError as exc:
        raise ValueError(f"unknown label {exc.args[0]!r}; expected one of {order}") from None
