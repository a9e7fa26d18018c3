"""`inbox_sensor`: new inbox files (folder or S3, through `InvoiceStorageResource`) become batch runs.

One sensor for every backend: it only lists through the storage interface and plans with the cursor of
`invoice_assets.intake.batching` (watermark, overlap window, bounded memory of recent keys). Run keys are the
batch keys, so a tick evaluated twice with the same cursor asks for the same runs, which Dagster drops.
"""

from __future__ import annotations

from dagster import (
    DefaultSensorStatus,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from invoice_assets.defs.batch_runs import batch_run_request
from invoice_assets.defs.jobs import etl_job
from invoice_assets.defs.partitions import batch_partitions
from invoice_assets.intake.batching import (
    BATCH_SIZE,
    DEFAULT_OVERLAP_SECONDS,
    InboxCursor,
    new_files,
    plan_batches,
)
from resources.storage import InvoiceStorageResource

MAX_REQUESTED_CHARS = 20_000
"""Keys one tick may request (about 800 of 25 characters; more wait for the next tick). Dagster writes
a tick's run requests and cursor into one row before submitting the runs, a TEXT column of 64 KB in
MySQL (dagster-mysql 0.29): a tick over a burst of thousands of new files would not fit, fail, and fail
again on every retry."""


@sensor(
    job=etl_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description=f"Groups new inbox files into batches of up to {BATCH_SIZE}; one ETL run per batch.",
)
def inbox_sensor(
    context: SensorEvaluationContext, storage: InvoiceStorageResource
) -> SensorResult | SkipReason:
    cursor = InboxCursor.parse(context.cursor)
    listing = storage.list_inbox()
    batches, advanced = plan_batches(listing, cursor, BATCH_SIZE, max_request_chars=MAX_REQUESTED_CHARS)
    if not batches:
        return SkipReason(f"no new files among {len(listing)} in {storage.describe()}")
    serialized = advanced.serialize()
    context.log.info(
        f"{sum(len(b.files) for b in batches)} new files of {len(listing)} listed in {storage.describe()}: "
        f"{len(batches)} batches; cursor {len(serialized):,} characters, {len(advanced.recent)} recent keys"
    )
    waiting = len(new_files(listing, advanced, DEFAULT_OVERLAP_SECONDS))
    if waiting:
        context.log.info(f"{waiting} more new files wait for the next tick (the tick's size limit)")
    return SensorResult(
        run_requests=[batch_run_request(b.key, b.files) for b in batches],
        dynamic_partitions_requests=[batch_partitions.build_add_request([b.key for b in batches])],
        cursor=serialized,
    )
