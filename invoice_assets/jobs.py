"""Jobs: named selections of assets that sensors and schedules launch."""

from dagster import AssetSelection, define_asset_job

from invoice_assets.assets.etl import ETL_GROUP
from invoice_assets.partitions import batch_partitions

etl_job = define_asset_job(
    "etl_job",
    selection=AssetSelection.groups(ETL_GROUP),
    partitions_def=batch_partitions,
    description="Receive, OCR and extract one batch of inbox files.",
)
