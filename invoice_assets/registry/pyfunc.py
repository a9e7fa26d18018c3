"""Logging the classifier to MLflow as a pyfunc model: training side only (``mlflow.pyfunc`` needs pandas).

The ``PythonModel`` puts tokenization and network back together, so anyone loading
``models:/invoice-classifier@champion`` with ``mlflow.pyfunc.load_model`` gets labels and probabilities
from plain text. It serves from the LiteRT file like the platform's own loader
(``invoice_assets.registry.loading.load_classifier``), so a pyfunc consumer needs no TensorFlow either.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

from invoice_assets.ml.litert import LiteRtClassifier
from invoice_assets.ml.predictions import to_predictions
from invoice_assets.ml.vectorizer import TextVectorizer
from invoice_assets.registry.artifacts import KERAS_FILE, LITERT_FILE, VECTORIZER_FILE

SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "text")]),
    outputs=Schema([ColSpec("string", "label"), ColSpec("double", "probability")]),
)


class KerasClassifier:
    """The Keras network with its vectorizer: ``predict_proba(texts)`` like ``LiteRtClassifier``."""

    def __init__(self, model: Any, vectorizer: TextVectorizer) -> None:
        self.model = model
        self.vectorizer = vectorizer

    @classmethod
    def from_files(cls, keras_file: Path, vectorizer_json: Path) -> KerasClassifier:
        import keras  # TensorFlow loads only where a Keras network is needed, never to serve

        model = keras.saving.load_model(keras_file, compile=False)
        return cls(model, TextVectorizer.from_dict(json.loads(Path(vectorizer_json).read_text())))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        from invoice_assets.ml.train import predict_proba  # imports TensorFlow

        return predict_proba(self.model, self.vectorizer, texts)


class InvoiceClassifierModel(mlflow.pyfunc.PythonModel):
    """Text in, ``label`` and ``probability`` out, computed by LiteRT."""

    def load_context(self, context: Any) -> None:
        self.classifier = LiteRtClassifier.from_files(
            Path(context.artifacts["litert_model"]), Path(context.artifacts["vectorizer"])
        )

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.classifier.predict_proba(texts)

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        texts = model_input["text"].fillna("").astype(str).tolist()
        predictions = to_predictions(self.predict_proba(texts))
        return pd.DataFrame(
            {"label": [p.label for p in predictions], "probability": [p.probability for p in predictions]}
        )


def log_classifier(model: Any, vectorizer: TextVectorizer, litert_path: Path, registered_model: str) -> Any:
    """Log the three files as one pyfunc model in the active run and register a version.

    The artifact file names are fixed (``invoice_assets.registry.loading`` downloads them by name),
    whatever the names of the files handed in.
    """
    with tempfile.TemporaryDirectory() as folder:
        keras_path = Path(folder) / KERAS_FILE
        litert_copy = Path(folder) / LITERT_FILE
        vectorizer_path = Path(folder) / VECTORIZER_FILE
        model.save(keras_path)
        litert_copy.write_bytes(Path(litert_path).read_bytes())
        vectorizer_path.write_text(json.dumps(vectorizer.to_dict()))
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=InvoiceClassifierModel(),
            artifacts={
                "keras_model": str(keras_path),
                "litert_model": str(litert_copy),
                "vectorizer": str(vectorizer_path),
            },
            signature=SIGNATURE,
            registered_model_name=registered_model,
            # what serving the pyfunc needs: LiteRT, not TensorFlow
            pip_requirements=[
                f"ai-edge-litert=={version('ai-edge-litert')}",
                f"numpy=={np.__version__}",
                "pandas",
            ],
        )
