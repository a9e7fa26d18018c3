"""The project's MLflow: one experiment, one registered model, aliases and version tags, and loading a
version as it serves.

Only what `mlflow-skinny` has is used here (the client, artifact downloads), so the user-code image loads
champions without full MLflow; skinny reads a local `sqlite:///` store and an MLflow server alike.

MLflow itself is imported inside the methods: it takes seconds to import, and every process that loads
the definitions imports this module, most without ever asking the registry anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from invoice_assets.ml.litert import LiteRtClassifier
from invoice_assets.registry import loading

EXPERIMENT = "invoice-classifier"
REGISTERED_MODEL = "invoice-classifier"


@dataclass(frozen=True)
class MlflowRegistry:
    tracking_uri: str
    """MLflow tracking store: sqlite:///… locally, http(s)://… for a server (also the model registry)."""
    artifact_root: str
    """Where a new experiment keeps its artifacts (a folder or s3://…)."""
    experiment: str = EXPERIMENT
    registered_model: str = REGISTERED_MODEL

    def client(self) -> Any:
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    def experiment_id(self) -> str:
        client = self.client()
        found = client.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        return client.create_experiment(
            self.experiment, artifact_location=self.artifact_root.rstrip("/") + "/" + self.experiment
        )

    @contextmanager
    def start_run(self, run_name: str, tags: dict[str, str] | None = None) -> Iterator[Any]:
        """An active MLflow run in the project's experiment (fluent API bound to this store)."""
        import mlflow

        self._point_mlflow_here()
        with mlflow.start_run(experiment_id=self.experiment_id(), run_name=run_name, tags=tags) as run:
            yield run

    def version_for_alias(self, alias: str) -> str | None:
        from mlflow.exceptions import MlflowException

        try:
            return str(self.client().get_model_version_by_alias(self.registered_model, alias).version)
        except MlflowException:
            return None

    def set_alias(self, alias: str, version: str) -> None:
        self.client().set_registered_model_alias(self.registered_model, alias, version)

    def set_version_tags(self, version: str, tags: dict[str, str]) -> None:
        client = self.client()
        for key, value in tags.items():
            client.set_model_version_tag(self.registered_model, version, key, value)

    def version_tags(self, version: str) -> dict[str, str]:
        return dict(self.client().get_model_version(self.registered_model, version).tags)

    def model_uri(self, version: str) -> str:
        return f"models:/{self.registered_model}/{version}"

    def _point_mlflow_here(self) -> None:
        """MLflow's fluent API and artifact downloads read the process-wide tracking and registry URIs."""
        import mlflow

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)

    def load_classifier(self, version: str) -> LiteRtClassifier:
        """Version `version` as it serves: its LiteRT file and vectorizer, no TensorFlow."""
        self._point_mlflow_here()
        return loading.load_classifier(self.model_uri(version))

    def load_keras_classifier(self, version: str) -> Any:
        """The same version through its Keras network: training and evaluation only (imports TensorFlow)."""
        self._point_mlflow_here()
        return loading.load_keras_classifier(self.model_uri(version))
