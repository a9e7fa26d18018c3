"""`drift_report`: each week's invoices against the data the champion was validated and tested on."""

import base64
from datetime import UTC

from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    WeeklyPartitionsDefinition,
    asset,
)

from invoice_assets.defs.etl import OWNERS
from invoice_assets.registry.champion import NoChampion
from resources.database import DatabaseResource
from resources.mlflow_tracking import MlflowTracking
from resources.storage import InvoiceStorageResource

MONITORING_GROUP = "monitoring"
weekly_partitions = WeeklyPartitionsDefinition(start_date="2024-01-01", day_offset=1, timezone="UTC")


def plots_markdown(plots: dict[str, bytes], locations: dict[str, str]) -> str:
    """Inline images (the UI renders them) with where each PNG is kept."""
    parts = []
    for name, png in plots.items():
        encoded = base64.b64encode(png).decode()
        parts.append(f"**{name}** ({locations[name]})\n\n![{name}](data:image/png;base64,{encoded})")
    return "\n\n".join(parts) or "no feature drifted"


@asset(
    partitions_def=weekly_partitions,
    group_name=MONITORING_GROUP,
    kinds={"scipy", "sql"},
    owners=OWNERS,
    deps=[AssetDep("invoice_predictions", partition_mapping=AllPartitionMapping())],
    description="Drift of the week's invoices against the champion's held-out data: per feature the test, "
    "statistic, p-value or distance, threshold and flag (`drift_reports`, `drift_features`), with a "
    "plot per drifted feature. A drifted report starts a retraining run (drift_retraining_sensor).",
)
def drift_report(
    context: AssetExecutionContext,
    database: DatabaseResource,
    mlflow_tracking: MlflowTracking,
    storage: InvoiceStorageResource,
) -> MaterializeResult:
    # pandas, SciPy and matplotlib are imported here, not at module level: definitions.py imports this
    # module in the user-code image, which does not install them (drift_job runs on the training image).
    from invoice_assets.drift.comparison import compare_with_champion
    from invoice_assets.drift.data import documents_received_between, replace_drift_report

    period = context.partition_key
    window = context.partition_time_window
    start, end = (t.astimezone(UTC).replace(tzinfo=None) for t in (window.start, window.end))  # as stored
    with database.engine.connect() as conn:
        current = documents_received_between(conn, start, end)
        context.log.info(f"week {period}: {len(current)} invoices received")
        try:
            comparison = compare_with_champion(conn, mlflow_tracking.registry(), current)
        except NoChampion as error:
            raise Failure(str(error)) from error
    report = comparison.report
    with database.engine.begin() as conn:
        replace_drift_report(
            conn, period, report, comparison.model_version, len(comparison.reference), len(comparison.current)
        )
    locations = {
        name: storage.store_report(f"drift/{period}/{name}.png", png)
        for name, png in comparison.plots.items()
    }
    return MaterializeResult(
        metadata={
            "drift": report.drift,
            "share": round(report.share, 4),
            "drifted_features": ", ".join(report.drifted) or "none",
            "reasons": "; ".join(report.reasons) or "none",
            "model_version": comparison.model_version,
            "reference_size": len(comparison.reference),
            "current_size": len(comparison.current),
            "features": MetadataValue.md(report.to_markdown()),
            "plots": MetadataValue.md(plots_markdown(comparison.plots, locations)),
        }
    )


drift_assets = [drift_report]
