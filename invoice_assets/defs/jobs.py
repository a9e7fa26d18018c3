"""Jobs: named selections of assets that sensors, schedules and commands launch.

Each job also says, through run tags, what an ECS task for one of its runs needs (read by `EcsRunLauncher`
in production, ignored by the local run launcher): ETL and prediction batches run on the user-code image
(`invoices-run`, no TensorFlow) with a small task, training and drift on the training image
(`invoices-training`) with 8 vCPU / 32 GB. deploy/README.md explains the mechanism.
"""

from __future__ import annotations

import json

from dagster import AssetSelection, define_asset_job

from invoice_assets.defs.drift import weekly_partitions
from invoice_assets.defs.etl import ETL_GROUP
from invoice_assets.defs.partitions import batch_partitions

# ECS task definition families registered by the Pulumi stack (container `run` in both).
RUN_TASK_DEFINITION = "invoices-run"
TRAINING_TASK_DEFINITION = "invoices-training"

# The run tag the run queue limits (deploy/dagster.yaml) so expensive workloads cannot pile up.
WORKLOAD_TAG = "invoices/workload"


def ecs_run_tags(workload: str, cpu: int, memory: int, task_definition: str | None = None) -> dict[str, str]:
    """Run tags giving a job's ECS task `cpu` units and `memory` MiB (a valid Fargate pair), and, when
    `task_definition` is given, that task definition family instead of the launcher's default.

    `EcsRunLauncher` merges the JSON of `ecs/run_task_kwargs` into its `RunTask` call last, so its
    `taskDefinition` replaces the configured one while the container overrides (command, cpu, memory)
    still name the container `run`, which both families define.
    """
    tags = {WORKLOAD_TAG: workload, "ecs/cpu": str(cpu), "ecs/memory": str(memory)}
    if task_definition is not None:
        tags["ecs/run_task_kwargs"] = json.dumps({"taskDefinition": task_definition})
    return tags


etl_job = define_asset_job(
    "etl_job",
    selection=AssetSelection.groups(ETL_GROUP),
    partitions_def=batch_partitions,
    description="Receive, OCR and extract one batch of inbox files.",
    run_tags=ecs_run_tags("etl", cpu=2048, memory=4096),
)

training_job = define_asset_job(
    "training_job",
    selection=AssetSelection.assets(
        "invoice_labels", "labeled_invoices", "invoice_classifier", "champion_model"
    ),
    description="Load labels, train a candidate classifier, and promote it if every gate passes.",
    run_tags=ecs_run_tags("training", cpu=8192, memory=32768, task_definition=TRAINING_TASK_DEFINITION),
)

prediction_job = define_asset_job(
    "prediction_job",
    selection=AssetSelection.assets("invoice_predictions"),
    partitions_def=batch_partitions,
    description="Label one batch's invoices with the champion model.",
    run_tags=ecs_run_tags("prediction", cpu=1024, memory=2048),
)

drift_job = define_asset_job(
    "drift_job",
    selection=AssetSelection.assets("drift_report"),
    partitions_def=weekly_partitions,
    description="Compare one week's invoices with the champion's held-out data.",
    run_tags=ecs_run_tags("drift", cpu=8192, memory=32768, task_definition=TRAINING_TASK_DEFINITION),
)
