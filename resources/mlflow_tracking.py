"""MLflow as a small project-owned resource: one experiment, one registered model, two aliases.

dagster-mlflow's `mlflow_tracking` is a legacy resource whose end-of-run hook attaches only to jobs;
the assets here need little: start a run in the right experiment, register a version, move aliases,
and load the model an alias points at.

Only what ``mlflow-skinny`` has is used outside training (the client, artifact downloads), so the
user-code image loads champions without full MLflow. Skinny reads a local ``sqlite:///`` store and its
registry too (its SQLAlchemy store needs only SQLAlchemy and Alembic, which Dagster brings), so local runs
and production (an MLflow server over HTTP) take the same path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster import ConfigurableResource
from pydantic import Field

CHAMPION = "champion"
CHALLENGER = "challenger"


class MlflowTracking(ConfigurableResource):
    tracking_uri: str = Field(
        description="MLflow tracking store: sqlite:///… locally, http(s)://… for a server."
    )
    artifact_root: str = Field(description="Where new experiments keep artifacts (a folder or s3://…).")
    experiment: str = Field(default="invoice-classifier")
    registered_model: str = Field(default="invoice-classifier")

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

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)
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
        """MLflow's artifact downloads read the process-wide tracking and registry URIs."""
        import mlflow

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)

    def load_classifier(self, version: str) -> Any:
        """The registered classifier `version` as it serves: its LiteRT file and vectorizer behind
        `predict_proba(texts)`, no TensorFlow (see `invoice_assets.model_package`)."""
        from invoice_assets.model_package import load_classifier

        self._point_mlflow_here()
        return load_classifier(self.model_uri(version))

    def load_keras_classifier(self, version: str) -> Any:
        """The same version through its Keras network: training and evaluation only (imports TensorFlow)."""
        from invoice_assets.model_package import load_keras_classifier

        self._point_mlflow_here()
        return load_keras_classifier(self.model_uri(version))
