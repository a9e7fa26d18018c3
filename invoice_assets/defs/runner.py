"""Running the asset graph from the command line, through Dagster, on the configured instance.

The commands do what a person would do in the UI: add batch partitions for the inbox files no batch
has received and materialize the ETL job for each, so runs, metadata and checks show up in the UI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from dagster import DagsterInstance, Definitions, RunConfig

from invoice_assets.defs.batch_runs import batch_run_config
from invoice_assets.defs.labels import LabelsConfig
from invoice_assets.defs.partitions import batch_partitions
from invoice_assets.defs.run_log import loggers_run_config, say
from invoice_assets.intake.batching import BATCH_SIZE, group_into_batches
from invoice_assets.intake.storage import InvoiceStorage
from invoice_assets.settings import PlatformSettings
from invoice_assets.store.arrivals import unreceived_files
from resources.database import DatabaseResource


def open_instance(settings: PlatformSettings) -> DagsterInstance:
    """The persistent instance under DAGSTER_HOME (created on first use), as `dagster dev` would open it."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    return DagsterInstance.get()


@dataclass(frozen=True)
class BatchRun:
    batch: str
    files: int
    success: bool
    run_id: str


def materialize_new_batches(
    defs: Definitions, instance: DagsterInstance, batch_size: int = BATCH_SIZE
) -> list[BatchRun]:
    """Receive every unreceived inbox file, one ETL run per batch; progress goes to stderr."""
    storage: InvoiceStorage = defs.resources["storage"]
    database: DatabaseResource = defs.resources["database"]
    with database.engine.connect() as conn:
        waiting = unreceived_files(conn, storage.list_inbox())
    batches = group_into_batches(waiting, batch_size)
    if batches:
        instance.add_dynamic_partitions(batch_partitions.name, [b.key for b in batches])
    job = defs.resolve_job_def("etl_job")
    runs = []
    for number, batch in enumerate(batches, 1):
        say(f"[{number}/{len(batches)}] batch {batch.key}: {len(batch.files)} files")
        result = job.execute_in_process(
            instance=instance,
            partition_key=batch.key,
            run_config=RunConfig(ops=batch_run_config(batch.files).ops, loggers=loggers_run_config()),
            raise_on_error=False,
        )
        runs.append(BatchRun(batch.key, len(batch.files), result.success, result.run_id))
    return runs


@dataclass(frozen=True)
class TrainingOutcome:
    success: bool
    run_id: str
    gates: dict[str, bool]
    metadata: dict[str, object]

    @property
    def promoted(self) -> bool:
        return self.success and bool(self.gates) and all(self.gates.values())


def run_training(defs: Definitions, instance: DagsterInstance, labels_paths: list[str]) -> TrainingOutcome:
    """Labels → labelled invoices → candidate (gated) → champion, as one run of `training_job`."""
    say("training: loading labels, fitting the CNN and the baseline")
    result = defs.resolve_job_def("training_job").execute_in_process(
        instance=instance,
        run_config=RunConfig(
            ops={"invoice_labels": LabelsConfig(labels_paths=labels_paths)}, loggers=loggers_run_config()
        ),
        raise_on_error=False,
    )
    gates = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    metadata: dict[str, object] = {}
    for event in result.get_asset_materialization_events():
        if event.asset_key and event.asset_key.to_user_string() == "invoice_classifier":
            metadata = {key: value.value for key, value in event.materialization.metadata.items()}
    return TrainingOutcome(result.success, result.run_id, gates, metadata)


def run_predictions(defs: Definitions, instance: DagsterInstance, batches: list[str]) -> list[BatchRun]:
    """Label the invoices of `batches` with the champion, one run per batch."""
    job = defs.resolve_job_def("prediction_job")
    runs = []
    for number, batch in enumerate(batches, 1):
        say(f"[{number}/{len(batches)}] predictions for batch {batch}")
        result = job.execute_in_process(
            instance=instance,
            partition_key=batch,
            run_config=RunConfig(loggers=loggers_run_config()),
            raise_on_error=False,
        )
        runs.append(BatchRun(batch, 0, result.success, result.run_id))
    return runs
