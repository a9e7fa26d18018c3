"""`hourly_etl_schedule`: the sweep that catches inbox files no batch has received.

The sensor trusts modification times; a file copied in with an old time preserved, or one that arrived
while the sensor was off, would wait forever. Once an hour this schedule compares the inbox with the
manifest itself and requests batches for whatever has waited longer than `MIN_WAIT_SECONDS` unreceived
(newer files are the sensor's, whose runs may still be going).
"""

from __future__ import annotations

from dagster import ScheduleEvaluationContext, SkipReason, schedule

from invoice_assets.defs.batch_runs import batch_run_request
from invoice_assets.defs.jobs import etl_job
from invoice_assets.defs.partitions import batch_partitions
from invoice_assets.intake.batching import BATCH_SIZE, group_into_batches
from invoice_assets.store.arrivals import unreceived_files
from resources.database import DatabaseResource
from resources.storage import InvoiceStorageResource

MIN_WAIT_SECONDS = 15 * 60


@schedule(job=etl_job, cron_schedule="0 * * * *", execution_timezone="UTC")
def hourly_etl_schedule(
    context: ScheduleEvaluationContext, storage: InvoiceStorageResource, database: DatabaseResource
):
    with database.engine.connect() as conn:
        unreceived = unreceived_files(conn, storage.list_inbox())
    cutoff = context.scheduled_execution_time.timestamp() - MIN_WAIT_SECONDS
    waiting = [f for f in unreceived if f.modified <= cutoff]
    if not waiting:
        return SkipReason(f"every inbox file older than {MIN_WAIT_SECONDS // 60} minutes is received")
    batches = group_into_batches(waiting, BATCH_SIZE)
    # Schedules cannot return partition requests the way sensors do, so the sweep adds them itself.
    context.instance.add_dynamic_partitions(batch_partitions.name, [b.key for b in batches])
    return [batch_run_request(b.key, b.files) for b in batches]
