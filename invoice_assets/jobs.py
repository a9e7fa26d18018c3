"""Jobs: named selections of assets that sensors, schedules and commands launch."""

from dagster import AssetSelection, define_asset_job

from invoice_assets.assets.drift import weekly_partitions
from invoice_assets.assets.etl import ETL_GROUP
from invoice_assets.partitions import batch_partitions

etl_job = define_asset_job(
    "etl_job",
    selection=AssetSelection.groups(ETL_GROUP),
    partitions_def=batch_partitions,
    description="Receive, OCR and extract one batch of inbox files.",
)

training_job = define_asset_job(
    "training_job",
    selection=AssetSelection.assets(
        "invoice_labels", "labeled_invoices", "invoice_classifier", "champion_model"
    ),
    description="Load labels, train a candidate classifier, and promote it if every gate passes.",
)

prediction_job = define_asset_job(
    "prediction_job",
    selection=AssetSelection.assets("invoice_predictions"),
    partitions_def=batch_partitions,
    description="Label one batch's invoices with the champion model.",
)

drift_job = define_asset_job(
    "drift_job",
    selection=AssetSelection.assets("drift_report"),
    partitions_def=weekly_partitions,
    description="Compare one week's invoices with the champion's held-out data.",
)
