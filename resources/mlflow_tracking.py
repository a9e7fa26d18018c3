"""MLflow as a Dagster resource: where the tracking store is, handed to the domain's `MlflowRegistry`.

dagster-mlflow's `mlflow_tracking` is a legacy resource whose end-of-run hook attaches only to jobs; the
assets need little more than a registry bound to the configured store.
"""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from invoice_assets.registry.mlflow_registry import EXPERIMENT, REGISTERED_MODEL, MlflowRegistry


class MlflowTracking(ConfigurableResource):
    tracking_uri: str = Field(
        description="MLflow tracking store: sqlite:///… locally, http(s)://… for a server."
    )
    artifact_root: str = Field(description="Where new experiments keep artifacts (a folder or s3://…).")
    experiment: str = Field(default=EXPERIMENT)
    registered_model: str = Field(default=REGISTERED_MODEL)

    def registry(self) -> MlflowRegistry:
        return MlflowRegistry(self.tracking_uri, self.artifact_root, self.experiment, self.registered_model)
