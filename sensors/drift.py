"""Weekly drift reports, and retraining when one says the data moved."""

from __future__ import annotations

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    build_schedule_from_partitioned_job,
    sensor,
)

from invoice_assets.defs.jobs import drift_job, training_job

DRIFT_REPORT = AssetKey("drift_report")

weekly_drift_schedule = build_schedule_from_partitioned_job(
    drift_job,
    hour_of_day=6,
    name="weekly_drift_schedule",
    description="Last week's drift report, Mondays 06:00 UTC.",
)


@sensor(
    job=training_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts training_job (through the same gates) for every drift report that says drift.",
)
def drift_retraining_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    after = int(context.cursor) if context.cursor else None
    records = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=DRIFT_REPORT, after_storage_id=after), limit=100, ascending=True
    ).records
    if not records:
        return SkipReason("no new drift report")
    requests = []
    for record in records:
        metadata = record.asset_materialization.metadata if record.asset_materialization else {}
        drifted = metadata.get("drift")
        if drifted is not None and drifted.value is True:
            # One report, one run key: a report is never the cause of a second retraining.
            requests.append(
                RunRequest(
                    run_key=f"drift-report-{record.storage_id}",
                    tags={"invoices/drift_week": record.partition_key or "", "invoices/reason": "drift"},
                )
            )
    return SensorResult(run_requests=requests, cursor=str(records[-1].storage_id))
