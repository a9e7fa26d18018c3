"""The classifier network as a LiteRT flatbuffer: exported at training, run elsewhere without TensorFlow.

The user-code image only runs the trained network forward, and the LiteRT interpreter does that from one
``.tflite`` file without TensorFlow (why, with sizes: docs/decisions.md). ``agreement`` measures LiteRT
against Keras on the test split before a version may be promoted. Imports NumPy and ``ai_edge_litert``
only; ``export_litert`` takes a fitted Keras model without importing Keras itself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from invoice_assets.ml.labels import LABELS
from invoice_assets.ml.vectorizer import TextVectorizer

BATCH_SIZE = 256
"""Texts per interpreter call: large enough to amortize the call, small enough that the int32 n-gram
input of one batch stays a few megabytes."""


def export_litert(model: Any, path: Path) -> Path:
    """Write the fitted Keras ``model`` as a LiteRT flatbuffer at ``path``.

    Keras 3's own exporter (``Model.export(format="litert")``), not ``tf.lite.TFLiteConverter
    .from_keras_model``: the latter expects Keras 2 internals and fails on Keras 3 models with TF 2.21.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.export(str(path), format="litert", verbose=False)
    if not path.is_file() or path.stat().st_size == 0:
        raise RuntimeError(f"the LiteRT export wrote nothing to {path}")
    return path


class LiteRtClassifier:
    """Text in, class probabilities out (``LABELS`` order), from a LiteRT flatbuffer and its vectorizer.

    Same interface as the training-side Keras predictor (``predict_proba(texts)``), so the callers
    (``invoice_predictions``, ``invoices predict``, the online service) do not know which one they hold.
    One interpreter is not safe to call from several threads at once (a web server's worker threads):
    calls are serialized by a lock; scale with processes.
    """

    def __init__(self, flatbuffer: bytes, vectorizer: TextVectorizer, num_threads: int = 1) -> None:
        self.vectorizer = vectorizer
        self._interpreter = Interpreter(model_content=bytes(flatbuffer), num_threads=num_threads)
        signatures = self._interpreter.get_signature_list()
        if len(signatures) != 1:
            raise ValueError(f"expected one signature in the LiteRT model, found {sorted(signatures)}")
        (self._signature,) = signatures
        inputs = set(signatures[self._signature]["inputs"])
        if inputs != {"words", "ngrams"}:
            raise ValueError(f"the LiteRT model takes {sorted(inputs)}, expected ['ngrams', 'words']")
        self._runner = self._interpreter.get_signature_runner(self._signature)
        self._lock = threading.Lock()

    @classmethod
    def from_files(cls, flatbuffer: Path, vectorizer_json: Path, num_threads: int = 1) -> LiteRtClassifier:
        vectorizer = TextVectorizer.from_dict(json.loads(Path(vectorizer_json).read_text()))
        return cls(Path(flatbuffer).read_bytes(), vectorizer, num_threads)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``[N, len(LABELS)]`` float32 probabilities; an empty list gives an empty ``[0, 2]`` array."""
        probabilities = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        for start in range(0, len(texts), BATCH_SIZE):
            batch = self.vectorizer.encode(texts[start : start + BATCH_SIZE])
            with self._lock:  # copied out under the lock: the output may be the interpreter's buffer
                (output,) = self._runner(words=batch["words"], ngrams=batch["ngrams"]).values()
                probabilities[start : start + BATCH_SIZE] = output
        return probabilities


@dataclass(frozen=True)
class Agreement:
    """How far LiteRT's predictions are from Keras's on the same texts."""

    share: float
    """Share of texts with the same predicted label (1.0 for no texts: nothing disagrees)."""
    max_abs_difference: float
    """Largest difference of any class probability."""
    texts: int


def agreement(reference: np.ndarray, candidate: np.ndarray) -> Agreement:
    """Compare two ``[N, classes]`` probability arrays (Keras first, LiteRT second)."""
    reference, candidate = np.asarray(reference), np.asarray(candidate)
    if reference.shape != candidate.shape:
        raise ValueError(f"probability arrays differ in shape: {reference.shape} vs {candidate.shape}")
    if len(reference) == 0:
        return Agreement(1.0, 0.0, 0)
    same = reference.argmax(axis=1) == candidate.argmax(axis=1)
    return Agreement(
        share=float(same.mean()),
        max_abs_difference=float(np.abs(reference.astype(np.float64) - candidate).max()),
        texts=len(reference),
    )
