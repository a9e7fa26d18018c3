"""Loading a registered classifier version: LiteRT for inference, Keras for evaluation."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from invoice_assets.ml.litert import LiteRtClassifier
from invoice_assets.registry.artifacts import KERAS_FILE, LITERT_FILE, VECTORIZER_FILE, download_model_file


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
    # mlflow.pyfunc, pandas and TensorFlow are in the training extra, not in the user-code image
    from invoice_assets.registry.pyfunc import KerasClassifier

    with tempfile.TemporaryDirectory(prefix="invoice-model-") as scratch:
        folder = Path(scratch)
        return KerasClassifier.from_files(
            download_model_file(model_uri, KERAS_FILE, folder),
            download_model_file(model_uri, VECTORIZER_FILE, folder),
        )


def log_classifier(model: Any, vectorizer: Any, litert_path: Path, registered_model: str) -> Any:
    """Log network, LiteRT file and vectorizer as one pyfunc model in the active run and register a
    version (training side: see ``invoice_assets.registry.pyfunc``)."""
    # mlflow.pyfunc and pandas are in the training extra, not in the user-code image
    from invoice_assets.registry.pyfunc import log_classifier as log_pyfunc

    return log_pyfunc(model, vectorizer, litert_path, registered_model)
