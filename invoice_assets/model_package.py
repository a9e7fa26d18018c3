"""The classifier as a registered MLflow version, and the one way to load it for inference.

A version is an MLflow pyfunc model (``invoice_assets.model_pyfunc``) whose artifacts are three files:

* ``network.keras``: the trained Keras network, for training and evaluation only (needs TensorFlow);
* ``network.tflite``: the same network exported to LiteRT at training and checked against Keras on the
  test split (the ``litert_agreement`` gate) before the version may become champion;
* ``vectorizer.json``: the tokenizer, pure Python and NumPy.

``load_classifier`` is what every inference path calls (``invoice_predictions``, ``invoices predict``,
the online service through ``MlflowTracking.load_classifier``): it downloads only the LiteRT file and
the vectorizer and returns a ``LiteRtClassifier``. This module imports neither TensorFlow nor pandas nor
``mlflow.pyfunc`` (which needs pandas), so it runs in the user-code image, where only ``mlflow-skinny``
and ``ai-edge-litert`` are installed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from invoice_assets.ml.labels import LABELS
from invoice_assets.ml.litert import LiteRtClassifier

KERAS_FILE = "network.keras"
LITERT_FILE = "network.tflite"
VECTORIZER_FILE = "vectorizer.json"
ARTIFACTS_FOLDER = "artifacts"
"""Where MLflow's pyfunc flavor copies the ``artifacts`` of a ``PythonModel`` inside the model."""


@dataclass(frozen=True)
class Prediction:
    label: str
    probability: float


def to_predictions(probabilities: np.ndarray) -> list[Prediction]:
    best = probabilities.argmax(axis=1)
    return [Prediction(LABELS[i], float(probabilities[row, i])) for row, i in enumerate(best)]


class MissingLiteRtModel(RuntimeError):
    """The model version carries no LiteRT file (logged before the LiteRT export existed)."""


def download_model_file(model_uri: str, name: str, folder: Path) -> Path:
    """One artifact file of the model at ``model_uri`` (``models:/name/version``), downloaded into
    ``folder`` against the process's MLflow tracking and registry URIs."""
    from mlflow.artifacts import download_artifacts
    from mlflow.exceptions import MlflowException

    try:
        local = download_artifacts(
            artifact_uri=f"{model_uri}/{ARTIFACTS_FOLDER}/{name}", dst_path=str(folder)
        )
    except (MlflowException, OSError) as error:
        if name == LITERT_FILE:
            raise MissingLiteRtModel(
                f"{model_uri} has no {ARTIFACTS_FOLDER}/{LITERT_FILE}: it was logged before models were "
                "exported to LiteRT. Train a new version (invoices train, or the training job) and let it "
                "pass the gates to become champion."
            ) from error
        raise
    return Path(local)


def load_classifier(model_uri: str) -> LiteRtClassifier:
    """The model at ``model_uri`` as a LiteRT predictor: ``predict_proba(texts)``, no TensorFlow.

    The files are read into memory, so nothing is left on disk and the predictor outlives the download.
    """
    with tempfile.TemporaryDirectory(prefix="invoice-model-") as scratch:
        folder = Path(scratch)
        flatbuffer = download_model_file(model_uri, LITERT_FILE, folder)
        vectorizer = download_model_file(model_uri, VECTORIZER_FILE, folder)
        return LiteRtClassifier.from_files(flatbuffer, vectorizer)


def load_keras_classifier(model_uri: str) -> Any:
    """The model's Keras network with its vectorizer (``predict_proba(texts)``), for training and
    evaluation only: it imports TensorFlow. Used to compare a candidate with a champion logged before
    LiteRT export existed."""
    from invoice_assets.model_pyfunc import KerasClassifier

    with tempfile.TemporaryDirectory(prefix="invoice-model-") as scratch:
        folder = Path(scratch)
        return KerasClassifier.from_files(
            download_model_file(model_uri, KERAS_FILE, folder),
            download_model_file(model_uri, VECTORIZER_FILE, folder),
        )


def log_classifier(model: Any, vectorizer: Any, litert_path: Path, registered_model: str) -> Any:
    """Log network, LiteRT file and vectorizer as one pyfunc model in the active run and register a
    version (training side: see ``invoice_assets.model_pyfunc``)."""
    from invoice_assets.model_pyfunc import log_classifier as log_pyfunc

    return log_pyfunc(model, vectorizer, litert_path, registered_model)
