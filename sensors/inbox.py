"""`inbox_sensor`: new inbox files (folder or S3, through `InvoiceStorage`) become batch runs."""

from __future__ import annotations

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from invoice_assets.batching import InboxCursor, plan_batches
from invoice_assets.jobs import etl_job
from invoice_assets.partitions import batch_partitions
from resources.storage import InvoiceStorage

BATCH_SIZE = 200


def batch_run_request(batch_key: str, files: tuple[str, ...]) -> RunRequest:
    """One run for one batch partition; the run key makes a repeated request a no-op."""
    return RunRequest(
        run_key=batch_key,
        partition_key=batch_key,
        run_config={"ops": {"raw_invoices": {"config": {"files": list(files)}}}},
        tags={"invoices/files": str(len(files))},
    )


@sensor(
    job=etl_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description=f"Groups new inbox files into batches of up to {BATCH_SIZE}; one ETL run per batch.",
)
def inbox_sensor(context: SensorEvaluationContext, storage: InvoiceStorage) -> SensorResult | SkipReason:
    cursor = InboxCursor.parse(context.cursor)
    batches, advanced = plan_batches(storage.list_inbox(), cursor, BATCH_SIZE)
    if not batches:
        return SkipReason(f"no new files in {storage.describe()}")
    context.log.info(f"{sum(len(b.files) for b in batches)} new files in {len(batches)} batches")
    return SensorResult(
        run_requests=[batch_run_request(b.key, b.files) for b in batches],
        dynamic_partitions_requests=[batch_partitions.build_add_request([b.key for b in batches])],
        cursor=advanced.serialize(),
    )
