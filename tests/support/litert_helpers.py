"""A small, real classifier logged to a temporary MLflow SQLite store, for the tests of the inference path.

The network is built with the real architecture (smaller sizes) and is not trained: these tests are about
export, logging and loading, where the weights' values do not matter; training is tested in test_litert.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from invoice_assets.ml.model import CnnParams, build_cnn
from invoice_assets.ml.vectorizer import TextVectorizer
from invoice_assets.registry.champion import CHAMPION
from invoice_assets.registry.mlflow_registry import MlflowRegistry

TEXTS = [
    "Reparación urgente tras avería del motor principal del telar",
    "Revisión preventiva según plan de mantenimiento cada 4.000 h",
    "Breakdown repair of the carding machine gearbox, replaced bearings",
    "Scheduled lubrication and inspection of the spinning frames",
    "Sustitución de correa rota y ajuste del cilindro tras parada",
    "Mantenimiento programado trimestral: limpieza de filtros",
]
SMALL = CnnParams(max_words=48, ngram_buckets=256, ngrams_per_word=8, word_dim=8, ngram_dim=8, filters=8)


def small_network(seed: int = 7):
    """An untrained network of the real architecture and the vectorizer fitted on ``TEXTS``."""
    import keras

    keras.utils.set_random_seed(seed)
    vectorizer = TextVectorizer.fit(TEXTS, **{**SMALL.vectorizer_options(), "min_count": 1})
    return build_cnn(vectorizer.sizes, SMALL), vectorizer


def tracking_in(folder: Path) -> MlflowRegistry:
    folder.mkdir(parents=True, exist_ok=True)
    return MlflowRegistry(
        tracking_uri=f"sqlite:///{folder / 'mlflow.db'}", artifact_root=str(folder / "artifacts")
    )


def log_champion(tracking: MlflowRegistry) -> tuple[str, np.ndarray]:
    """Log a small network as a new registered version with the champion alias; returns the version and
    the Keras probabilities of ``TEXTS`` (what the LiteRT file must reproduce)."""
    from invoice_assets.ml.litert import export_litert
    from invoice_assets.ml.train import predict_proba
    from invoice_assets.registry.loading import log_classifier

    model, vectorizer = small_network()
    with tempfile.TemporaryDirectory() as folder, tracking.start_run("litert-test"):
        litert = export_litert(model, Path(folder) / "network.tflite")
        info = log_classifier(model, vectorizer, litert, tracking.registered_model)
    version = str(info.registered_model_version)
    tracking.set_alias(CHAMPION, version)
    return version, predict_proba(model, vectorizer, TEXTS)
