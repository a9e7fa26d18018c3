"""The champion's predictions per batch, with uncertain invoices sent to review."""

from dagster import (
    AssetExecutionContext,
    AutomationCondition,
    Config,
    Failure,
    MaterializeResult,
    asset,
)
from pydantic import Field

from invoice_assets.defs.classifier import champion_model, invoice_classifier
from invoice_assets.defs.etl import OWNERS, invoice_fields
from invoice_assets.defs.labels import ML_GROUP, invoice_labels, labeled_invoices
from invoice_assets.defs.partitions import batch_partitions
from invoice_assets.ml.predictions import REVIEW_BELOW_PROBABILITY, to_predictions
from invoice_assets.registry.champion import NoChampion, load_champion
from invoice_assets.store.predictions import replace_predictions
from invoice_assets.store.texts import batch_texts
from resources.database import DatabaseResource
from resources.mlflow_tracking import MlflowTracking


class PredictionConfig(Config):
    review_below_probability: float = Field(
        default=REVIEW_BELOW_PROBABILITY,
        description="Predictions less confident than this go to the `review_queue` table.",
    )


@asset(
    partitions_def=batch_partitions,
    group_name=ML_GROUP,
    kinds={"litert", "sql"},
    owners=OWNERS,
    deps=[invoice_fields, champion_model],
    automation_condition=AutomationCondition.eager(),
    description="The champion's label and probability for every invoice of the batch "
    "(`invoice_predictions`, replaced on re-materialization); uncertain ones join `review_queue`.",
)
def invoice_predictions(
    context: AssetExecutionContext,
    config: PredictionConfig,
    database: DatabaseResource,
    mlflow_tracking: MlflowTracking,
) -> MaterializeResult:
    batch = context.partition_key
    try:
        champion = load_champion(mlflow_tracking.registry())
    except NoChampion as error:
        raise Failure(str(error)) from error
    version, classifier = champion.version, champion.classifier
    with database.engine.connect() as conn:
        texts = batch_texts(conn, batch)
    predictions = to_predictions(classifier.predict_proba([t.text for t in texts])) if texts else []
    rows = [
        {"sha256": t.sha256, "label": p.label, "probability": p.probability, "model_version": version}
        for t, p in zip(texts, predictions, strict=True)
    ]
    with database.engine.begin() as conn:
        queued = replace_predictions(conn, batch, rows, config.review_below_probability)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["label"]] = counts.get(row["label"], 0) + 1
    shown = ", ".join(f"{count} {label}" for label, count in sorted(counts.items()))
    context.log.info(f"batch {batch}: {shown or 'no invoices'} by version {version}; {queued} to review")
    return MaterializeResult(
        metadata={
            "predictions": len(rows),
            "model_version": version,
            "queued_for_review": queued,
            **{f"label_{k}": v for k, v in sorted(counts.items())},
        }
    )


ml_assets = [invoice_labels, labeled_invoices, invoice_classifier, champion_model, invoice_predictions]
