"""The classifier as MLflow stores it: the Keras network, its vectorizer, and a pyfunc that reads text.

Tokenization stays outside the network (Keras 3 rejects string tensors, and a purely numeric network
can be exported to LiteRT); the `PythonModel` puts the two back together so that anyone loading
`models:/invoice-classifier@champion` gets labels and probabilities from plain text.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

from invoice_assets.ml.labels import LABELS

SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "text")]),
    outputs=Schema([ColSpec("string", "label"), ColSpec("double", "probability")]),
)


@dataclass(frozen=True)
class Prediction:
    label: str
    probability: float


def to_predictions(probabilities: np.ndarray) -> list[Prediction]:
    best = probabilities.argmax(axis=1)
    return [Prediction(LABELS[i], float(probabilities[row, i])) for row, i in enumerate(best)]


class InvoiceClassifierModel(mlflow.pyfunc.PythonModel):
    """Text in, `label` and `probability` out."""

    def load_context(self, context: Any) -> None:
        import keras

        from invoice_assets.ml.vectorizer import TextVectorizer

        self.model = keras.saving.load_model(context.artifacts["keras_model"], compile=False)
        self.vectorizer = TextVectorizer.from_dict(
            json.loads(Path(context.artifacts["vectorizer"]).read_text())
        )

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        from invoice_assets.ml.train import predict_proba

        return predict_proba(self.model, self.vectorizer, texts)

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        texts = model_input["text"].fillna("").astype(str).tolist()
        predictions = to_predictions(self.predict_proba(texts))
        return pd.DataFrame(
            {"label": [p.label for p in predictions], "probability": [p.probability for p in predictions]}
        )


def log_classifier(model: Any, vectorizer: Any, registered_model: str) -> Any:
    """Log the network and vectorizer as one pyfunc model in the active run and register a version."""
    import keras
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as folder:
        keras_path = Path(folder) / "network.keras"
        vectorizer_path = Path(folder) / "vectorizer.json"
        model.save(keras_path)
        vectorizer_path.write_text(json.dumps(vectorizer.to_dict()))
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=InvoiceClassifierModel(),
            artifacts={"keras_model": str(keras_path), "vectorizer": str(vectorizer_path)},
            signature=SIGNATURE,
            registered_model_name=registered_model,
            pip_requirements=[
                f"tensorflow-cpu=={tf.__version__}",
                f"keras=={keras.__version__}",
                "pandas",
                "numpy",
            ],
        )


def load_classifier(model_uri: str) -> InvoiceClassifierModel:
    """The logged pyfunc, unwrapped so callers can ask for probabilities of many texts at once."""
    return mlflow.pyfunc.load_model(model_uri).unwrap_python_model()
