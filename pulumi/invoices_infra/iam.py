"""IAM roles for the ECS tasks: one task role per service (what the code may do) and two execution
roles (what ECS may do to start the task: pull the image, write its logs, read its secrets).

Policy documents are built by small pure functions so the tests can read every statement; no
statement allows every action, and `Resource: "*"` appears only for the few actions AWS does not
scope to a resource (listed in `UNSCOPED_ACTIONS`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .settings import COMPUTE_LOGS_PREFIX, MLFLOW_ARTIFACTS_PREFIX, RUN_FAMILY, TRAINING_FAMILY, StackSettings

# Actions whose IAM definition has no resource type, so "*" is the only resource they accept.
UNSCOPED_ACTIONS = frozenset(
    {
        "ecr:GetAuthorizationToken",
        "ecs:DescribeTaskDefinition",
        "ec2:DescribeNetworkInterfaces",
    }
)

Input = pulumi.Input[str]


def statement(
    actions: Sequence[str], resources: Sequence[Input] | Input, condition: dict | None = None
) -> dict:
    body: dict = {"Effect": "Allow", "Action": list(actions), "Resource": resources}
    if condition:
        body["Condition"] = condition
    return body


def document(*statements: dict) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def ecs_tasks_trust() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def objects(bucket_arn: Input, prefix: str = "") -> pulumi.Output[str]:
    return pulumi.Output.concat(bucket_arn, "/", f"{prefix}/*" if prefix else "*")


def list_prefix(bucket_arn: Input, prefix: str) -> dict:
    return statement(["s3:ListBucket"], [bucket_arn], {"StringLike": {"s3:prefix": [f"{prefix}/*", prefix]}})


def execution_statements(
    repository_arns: Sequence[Input], log_group_arns: Sequence[Input], secret_arns: Sequence[Input]
) -> list[dict]:
    """Pull from our repositories, write to our log groups, read exactly these secrets."""
    return [
        statement(["ecr:GetAuthorizationToken"], "*"),
        statement(
            ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            list(repository_arns),
        ),
        statement(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [pulumi.Output.concat(arn, ":log-stream:*") for arn in log_group_arns],
        ),
        statement(["secretsmanager:GetSecretValue"], list(secret_arns)),
    ]


def task_arns(cluster_arn: Input) -> pulumi.Output[str]:
    """`arn:aws:ecs:<region>:<account>:task/<cluster>/*` from the cluster's ARN."""
    return pulumi.Output.from_input(cluster_arn).apply(
        lambda arn: arn.replace(":cluster/", ":task/", 1) + "/*"
    )


def task_definition_arn(cluster_arn: Input, family: str) -> pulumi.Output[str]:
    """Every revision of one task definition family in the cluster's account and region."""
    return pulumi.Output.from_input(cluster_arn).apply(
        lambda arn: arn.split(":cluster/")[0] + f":task-definition/{family}:*"
    )


def run_control_statements(cluster_arn: Input) -> list[dict]:
    """See and stop run tasks (run monitoring, and terminating a run from the UI)."""
    return [statement(["ecs:DescribeTasks", "ecs:StopTask"], [task_arns(cluster_arn)])]


def run_launcher_statements(
    cluster_arn: Input, passable_role_arns: Sequence[Input], runs_log_group_arn: Input
) -> list[dict]:
    """What dagster-aws's EcsRunLauncher calls: run the two run families in this cluster only, tag the
    tasks it starts, read the task definition and the current task's network interfaces (to copy its
    subnets and security groups), read a failed run task's log, pass the run roles. deploy/dagster.yaml
    turns the launcher's Secrets Manager tag scan off (`secrets_tag: null`), so no ListSecrets."""
    return [
        statement(
            ["ecs:RunTask"],
            [task_definition_arn(cluster_arn, RUN_FAMILY), task_definition_arn(cluster_arn, TRAINING_FAMILY)],
            {"ArnEquals": {"ecs:cluster": cluster_arn}},
        ),
        statement(
            ["ecs:TagResource"], [task_arns(cluster_arn)], {"StringEquals": {"ecs:CreateAction": "RunTask"}}
        ),
        *run_control_statements(cluster_arn),
        statement(["ecs:DescribeTaskDefinition", "ec2:DescribeNetworkInterfaces"], "*"),
        statement(["logs:GetLogEvents"], [pulumi.Output.concat(runs_log_group_arn, ":log-stream:*")]),
        statement(
            ["iam:PassRole"],
            list(passable_role_arns),
            {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        ),
    ]


@dataclass
class Roles:
    execution: aws.iam.Role
    api_execution: aws.iam.Role
    webserver: aws.iam.Role
    daemon: aws.iam.Role
    usercode: aws.iam.Role
    mlflow: aws.iam.Role
    api: aws.iam.Role
    run: aws.iam.Role


def role(name: str, statements: list[dict] | None) -> aws.iam.Role:
    created = aws.iam.Role(name, assume_role_policy=ecs_tasks_trust())
    if statements:
        aws.iam.RolePolicy(name, role=created.id, policy=document(*statements))
    return created


def build_roles(
    settings: StackSettings,
    *,
    cluster_arn: Input,
    inbox_bucket_arn: Input,
    artifacts_bucket_arn: Input,
    repository_arns: Sequence[Input],
    log_group_arns: dict[str, Input],
    database_secret_arn: Input,
    api_key_secret_arn: Input,
) -> Roles:
    prefix = f"invoices-{settings.stack}"
    all_logs = list(log_group_arns.values())
    execution = role(
        f"{prefix}-execution", execution_statements(repository_arns, all_logs, [database_secret_arn])
    )
    # Only the api's tasks may read the api key.
    api_execution = role(
        f"{prefix}-api-execution",
        execution_statements(
            repository_arns, [log_group_arns["api"]], [database_secret_arn, api_key_secret_arn]
        ),
    )
    run = role(
        f"{prefix}-run",
        [
            statement(["s3:ListBucket"], [inbox_bucket_arn]),
            statement(["s3:GetObject", "s3:PutObject"], [objects(inbox_bucket_arn)]),
            list_prefix(artifacts_bucket_arn, COMPUTE_LOGS_PREFIX),
            statement(["s3:GetObject", "s3:PutObject"], [objects(artifacts_bucket_arn, COMPUTE_LOGS_PREFIX)]),
        ],
    )
    webserver = role(
        f"{prefix}-webserver",
        [
            list_prefix(artifacts_bucket_arn, COMPUTE_LOGS_PREFIX),
            statement(["s3:GetObject"], [objects(artifacts_bucket_arn, COMPUTE_LOGS_PREFIX)]),
            *run_control_statements(cluster_arn),
        ],
    )
    daemon = role(
        f"{prefix}-daemon",
        run_launcher_statements(cluster_arn, [run.arn, execution.arn], log_group_arns["runs"]),
    )
    # Sensors run inside the code server: it lists the inbox and reads label files there.
    usercode = role(
        f"{prefix}-usercode",
        [
            statement(["s3:ListBucket"], [inbox_bucket_arn]),
            statement(["s3:GetObject"], [objects(inbox_bucket_arn)]),
        ],
    )
    # The MLflow server proxies every artifact (--serve-artifacts): clients need no S3 access at all.
    mlflow = role(
        f"{prefix}-mlflow",
        [
            list_prefix(artifacts_bucket_arn, MLFLOW_ARTIFACTS_PREFIX),
            statement(
                ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                [objects(artifacts_bucket_arn, MLFLOW_ARTIFACTS_PREFIX)],
            ),
        ],
    )
    # The online service reads the champion through MLflow and the database: no AWS API at all.
    api = role(f"{prefix}-api", None)
    return Roles(execution, api_execution, webserver, daemon, usercode, mlflow, api, run)
