"""The production instance config (deploy/dagster.yaml) launches runs as ECS tasks, checked end to end
against moto's ECS over HTTP: the real `EcsRunLauncher` from that file, real runs of the project's jobs,
and the `RunTask` call read back from moto with `DescribeTasks`.

Only what a test machine cannot have is overridden: SQLite storage instead of RDS MySQL, and, instead of
reading the cluster and network from the ECS task metadata endpoint (the daemon is not in a task here),
the same values given as `run_task_kwargs` (`use_current_ecs_task_config: false`): how moto's ECS runs it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import yaml
from dagster import DagsterInstance, DagsterRunStatus, instance_for_test
from dagster._core.definitions.reconstruct import ReconstructableRepository

from invoice_assets.definitions import build_defs
from invoice_assets.defs.batch_runs import batch_run_request
from invoice_assets.defs.jobs import RUN_TASK_DEFINITION, TRAINING_TASK_DEFINITION
from invoice_assets.intake.batching import BATCH_SIZE
from invoice_assets.settings import PlatformSettings
from tests.support.aws_fixtures import MotoServer
from tests.support.paths import ROOT

DAGSTER_YAML = ROOT / "deploy" / "dagster.yaml"
USERCODE_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/invoices-usercode:test"
TRAINING_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/invoices-training:test"
CLUSTER = "invoices-test"
COMPUTE_LOGS_BUCKET = "invoices-test-compute-logs"


@dataclass(frozen=True)
class EcsAccount:
    """What the Pulumi stack provides in production: a cluster, private subnets, a security group, the
    compute-log bucket and the two run task definitions."""

    cluster: str
    subnets: list[str]
    security_group: str


def register_run_task_definition(ecs, family: str, image: str) -> None:
    """A Fargate task definition shaped like the stack's: container `run`, container-level memory."""
    ecs.register_task_definition(
        family=family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "run",
                "image": image,
                "memory": 512,
                "essential": True,
                "environment": [{"name": "DAGSTER_HOME", "value": "/opt/dagster/home"}],
            }
        ],
    )


@pytest.fixture
def ecs_account(aws: MotoServer) -> EcsAccount:
    ec2 = boto3.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    subnets = [
        ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"10.40.{index}.0/24", AvailabilityZone=f"{aws.region}{zone}"
        )["Subnet"]["SubnetId"]
        for index, zone in enumerate("ab", start=1)
    ]
    security_group = ec2.create_security_group(
        GroupName="invoices-runs", Description="run tasks", VpcId=vpc_id
    )["GroupId"]

    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName=CLUSTER)
    register_run_task_definition(ecs, RUN_TASK_DEFINITION, USERCODE_IMAGE)
    register_run_task_definition(ecs, TRAINING_TASK_DEFINITION, TRAINING_IMAGE)

    boto3.client("s3").create_bucket(
        Bucket=COMPUTE_LOGS_BUCKET, CreateBucketConfiguration={"LocationConstraint": aws.region}
    )
    return EcsAccount(cluster=CLUSTER, subnets=subnets, security_group=security_group)


def instance_config(account: EcsAccount, storage_dir: Path) -> dict:
    """deploy/dagster.yaml with the two test-only overrides; everything else exactly as deployed."""
    config = yaml.safe_load(DAGSTER_YAML.read_text())
    config["storage"] = {"sqlite": {"base_dir": str(storage_dir)}}
    launcher = config["run_launcher"]["config"]
    launcher["use_current_ecs_task_config"] = False
    launcher["run_task_kwargs"] = {
        **launcher.get("run_task_kwargs", {}),
        "cluster": account.cluster,
        "launchType": "FARGATE",
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": account.subnets,
                "securityGroups": [account.security_group],
                "assignPublicIp": "DISABLED",
            }
        },
    }
    return config


@pytest.fixture
def ecs_instance(
    ecs_account: EcsAccount, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DagsterInstance]:
    """A Dagster instance from deploy/dagster.yaml, with the environment an ECS task would have."""
    monkeypatch.setenv("DAGSTER_RUN_TASK_DEFINITION", RUN_TASK_DEFINITION)
    monkeypatch.setenv("DAGSTER_COMPUTE_LOGS_BUCKET", COMPUTE_LOGS_BUCKET)
    monkeypatch.setenv("DAGSTER_COMPUTE_LOGS_PREFIX", "compute-logs")
    with instance_for_test(overrides=instance_config(ecs_account, tmp_path / "storage")) as instance:
        yield instance


def launch(
    instance: DagsterInstance,
    platform: PlatformSettings,
    job_name: str,
    tags: dict[str, str],
    run_config: dict | None = None,
):
    """Create a run of the project's job as the daemon would (the job's run tags plus the request's) with
    the user-code image in its origin, launch it through the instance, and return it with its ECS task."""
    job = build_defs(platform).resolve_job_def(job_name)
    origin = (
        ReconstructableRepository.for_module(
            "invoice_assets.definitions",
            "defs",
            working_directory="/opt/dagster/app",
            container_image=USERCODE_IMAGE,
        )
        .get_reconstructable_job(job_name)
        .get_python_origin()
    )
    run = instance.create_run_for_job(
        job_def=job, run_config=run_config, tags={**job.run_tags, **tags}, job_code_origin=origin
    )
    instance.launch_run(run.run_id, workspace=None)

    run = instance.get_run_by_id(run.run_id)
    ecs = boto3.client("ecs")
    (task,) = ecs.describe_tasks(
        cluster=run.tags["ecs/cluster"], tasks=[run.tags["ecs/task_arn"]], include=["TAGS"]
    )["tasks"]
    definition = ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])["taskDefinition"]
    return run, task, definition


def test_etl_batch_runs_on_the_usercode_task_definition_with_a_small_task(ecs_instance, platform):
    # A full batch exactly as inbox_sensor requests it.
    batch = "20261127T212400-0a1b2c3d4e"
    request = batch_run_request(batch, tuple(f"incoming/scan-{n:05d}.pdf" for n in range(BATCH_SIZE)))
    tags = {**request.tags, "dagster/partition": batch}
    run, task, definition = launch(ecs_instance, platform, "etl_job", tags, request.run_config)

    assert definition["family"] == RUN_TASK_DEFINITION
    assert definition["containerDefinitions"][0]["image"] == USERCODE_IMAGE
    (container,) = task["overrides"]["containerOverrides"]
    assert container["name"] == "run"
    assert container["command"][-3:-1] == ["api", "execute_run"]
    assert run.run_id in container["command"][-1]
    assert (task["overrides"]["cpu"], task["overrides"]["memory"]) == ("2048", "4096")
    assert (container["cpu"], container["memory"]) == (2048, 4096)

    tags = {tag["key"]: tag["value"] for tag in task["tags"]}
    assert tags["dagster/run_id"] == run.run_id
    assert tags["dagster/job_name"] == "etl_job"
    assert tags["invoices/workload"] == "etl"
    assert tags["dagster/partition"] == batch
    assert tags["project"] == "invoices"
    assert task["launchType"] == "FARGATE"

    # ECS refuses overrides over 8,192 characters; the batch's file list must not travel in the command.
    assert len(json.dumps(task["overrides"], separators=(",", ":"))) < 8192
    assert "scan-00000.pdf" not in json.dumps(task["overrides"])
    assert run.status == DagsterRunStatus.STARTING
    assert run.tags["ecs/task_arn"] == task["taskArn"]


@pytest.mark.parametrize(
    ("job_name", "tags"),
    [("training_job", {}), ("drift_job", {"dagster/partition": "2026-11-16"})],
)
def test_tensorflow_jobs_run_on_the_training_task_definition_with_8_vcpu_and_32_gb(
    ecs_instance, platform, job_name, tags
):
    run, task, definition = launch(ecs_instance, platform, job_name, tags)

    # The run's origin names the user-code image, but the job's tag switches the task definition.
    assert definition["family"] == TRAINING_TASK_DEFINITION
    assert definition["containerDefinitions"][0]["image"] == TRAINING_IMAGE
    (container,) = task["overrides"]["containerOverrides"]
    assert container["name"] == "run"
    assert container["command"][-3:-1] == ["api", "execute_run"]
    assert (task["overrides"]["cpu"], task["overrides"]["memory"]) == ("8192", "32768")
    assert (container["cpu"], container["memory"]) == (8192, 32768)
    tags = {tag["key"]: tag["value"] for tag in task["tags"]}
    assert tags["dagster/run_id"] == run.run_id
    assert tags["dagster/job_name"] == job_name
    assert tags["invoices/workload"] == job_name.removesuffix("_job")


def test_instance_from_deploy_config_monitors_runs_and_queues_them(ecs_instance):
    from dagster_aws.ecs import EcsRunLauncher
    from dagster_aws.s3.compute_log_manager import S3ComputeLogManager

    assert isinstance(ecs_instance.run_launcher, EcsRunLauncher)
    assert ecs_instance.run_launcher.task_definition.endswith(f":task-definition/{RUN_TASK_DEFINITION}:1")
    deployed = yaml.safe_load(DAGSTER_YAML.read_text())["run_monitoring"]
    assert ecs_instance.run_monitoring_enabled
    assert ecs_instance.run_monitoring_start_timeout_seconds == deployed["start_timeout_seconds"]
    assert ecs_instance.run_monitoring_max_resume_run_attempts >= 1
    assert ecs_instance.run_launcher.supports_check_run_worker_health
    assert isinstance(ecs_instance.compute_log_manager, S3ComputeLogManager)
    queue = ecs_instance.get_concurrency_config().run_queue_config
    assert queue.max_concurrent_runs > 0
    assert {"key": "invoices/workload", "value": "training", "limit": 1} in queue.tag_concurrency_limits
