"""Helpers for the tests that train: gate settings and a training run over an ETL'd corpus."""

from __future__ import annotations

from dagster import AssetSelection, materialize
from sqlalchemy import func, select

from invoice_assets.defs.drift import drift_assets
from invoice_assets.defs.etl import etl_assets
from invoice_assets.defs.predictions import ml_assets
from invoice_assets.store.tables import documents
from resources.environment import build_resources
from resources.quality import ModelGates

ALL_ASSETS = [*etl_assets, *ml_assets, *drift_assets]
LENIENT = ModelGates(
    min_macro_f1=0.0, max_gap_to_baseline=1.0, min_class_recall=0.0, max_regression_to_champion=1.0
)
IMPOSSIBLE = ModelGates(min_macro_f1=1.01)
TRAINING = [
    "invoice_labels",
    "labeled_invoices",
    "invoice_classifier",
    "champion_model",
    "invoice_predictions",
]


def batches(settings) -> set[str]:
    engine = build_resources(settings)["database"].engine
    with engine.connect() as conn:
        return set(conn.execute(select(documents.c.batch).distinct()).scalars())


def train(settings, instance, batch, gates: ModelGates):
    """Labels → candidate → (gates) → champion → predictions of `batch`, six epochs at most."""
    resources = {**build_resources(settings), "model_gates": gates}
    return materialize(
        ALL_ASSETS,
        selection=AssetSelection.assets(*TRAINING),
        partition_key=batch,
        instance=instance,
        resources=resources,
        run_config={"ops": {"invoice_classifier": {"config": {"max_epochs": 6}}}},
        raise_on_error=False,
    )


def count(settings, table) -> int:
    engine = build_resources(settings)["database"].engine
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()
