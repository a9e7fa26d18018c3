"""The ECS cluster, Cloud Map names, task definitions and Fargate services.

Long-running services: `webserver` (Dagster UI, behind the ALB), `daemon` (sensors, schedules, run
queue, run monitoring; exactly one task), `usercode` (Dagster gRPC code server, reached at
`usercode.invoices.internal:4000`), `mlflow` (tracking server and artifact proxy at
`mlflow.invoices.internal:5000`) and `api` (the online classifier, ALB path `/v1/*`). The services that
serve requests (webserver, api, mlflow) scale from 2 to 10 tasks on average CPU; the daemon must stay a
single task and the code server only answers the daemon and the UI, so both keep a fixed count.

Runs do not execute in any service: EcsRunLauncher starts one task per run from the task definitions
`invoices-run` (ETL, predictions) and `invoices-training` (training, drift), container `run`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .settings import (
    API_PORT,
    APP_DATABASE,
    COMPUTE_LOGS_PREFIX,
    DAGSTER_DATABASE,
    DAGSTER_HOME,
    DATABASE_USER,
    INBOX_PREFIX,
    MLFLOW_ARTIFACTS_PREFIX,
    MLFLOW_DATABASE,
    MLFLOW_PORT,
    NAMESPACE,
    RUN_CONTAINER,
    RUN_FAMILY,
    TRAINING_FAMILY,
    USERCODE_PORT,
    WEBSERVER_PORT,
    StackSettings,
)

Input = pulumi.Input[str]
MIN_TASKS = 2
MAX_TASKS = 10
CPU_TARGET = 60.0
SERVICE_NAMES = ("webserver", "daemon", "usercode", "mlflow", "api")
SCALED_SERVICES = ("webserver", "api", "mlflow")
WORKSPACE = "/opt/dagster/app/workspace.yaml"
LOCATION_NAME = "invoices"
# Every image runs deploy/healthcheck.py, which probes whatever the container's main process is; ECS
# ignores a Dockerfile HEALTHCHECK, so the long-running services declare it here.
HEALTH_CHECK = {
    "command": ["CMD", "python", "/opt/dagster/healthcheck.py"],
    "interval": 30,
    "timeout": 15,
    "retries": 3,
    "startPeriod": 120,
}
MLFLOW_URI = f"http://mlflow.{NAMESPACE}:{MLFLOW_PORT}"
# MLflow 3.5+ rejects requests whose Host header it does not know (DNS-rebinding protection).
# The list replaces MLflow's defaults, so the health check's 127.0.0.1 is named too.
MLFLOW_ALLOWED_HOSTS = (
    f"mlflow.{NAMESPACE}:{MLFLOW_PORT},mlflow.{NAMESPACE},localhost:{MLFLOW_PORT},127.0.0.1:{MLFLOW_PORT}"
)

# The MLflow server's backend URI carries the database password, which ECS injects as its own
# variable: quote it for a URL and hand the URI over in MLflow's own environment variable, so the
# password never appears in a command line or in this program.
MLFLOW_LAUNCHER = (
    "import os, urllib.parse\n"
    "password = urllib.parse.quote(os.environ['MLFLOW_DB_PASSWORD'], safe='')\n"
    "os.environ['MLFLOW_BACKEND_STORE_URI'] = (\n"
    "    f\"mysql+pymysql://{os.environ['MLFLOW_DB_USER']}:{password}@{os.environ['MLFLOW_DB_HOST']}:3306/"
    + MLFLOW_DATABASE
    + '")\n'
    f"os.execvp('mlflow', ['mlflow', 'server', '--host', '0.0.0.0', '--port', '{MLFLOW_PORT}',"
    " '--serve-artifacts', '--artifacts-destination', os.environ['MLFLOW_ARTIFACTS_DESTINATION']])\n"
)


@dataclass(frozen=True)
class TaskSpec:
    """One task definition: family, image, size, what the container runs and what it is given."""

    family: str
    container: str
    image: Input
    cpu: int
    memory: int
    task_role_arn: Input
    execution_role_arn: Input
    log_group: Input
    environment: dict[str, Input]
    secrets: dict[str, Input]
    command: list[str] | None = None
    entry_point: list[str] | None = None
    port: int | None = None
    ephemeral_storage_gb: int | None = None
    health_check: dict | None = None


def container_definitions(spec: TaskSpec, region: str) -> pulumi.Output[str]:
    """The task's single container as ECS JSON (pure apart from resolving the inputs)."""
    container: dict = {
        "name": spec.container,
        "image": spec.image,
        "essential": True,
        # Container-level memory too: EcsRunLauncher and moto's ECS both expect it.
        "memory": spec.memory,
        "environment": [{"name": k, "value": v} for k, v in sorted(spec.environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(spec.secrets.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": spec.log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": spec.container,
            },
        },
        "readonlyRootFilesystem": False,
    }
    if spec.command:
        container["command"] = spec.command
    if spec.entry_point:
        container["entryPoint"] = spec.entry_point
    if spec.health_check:
        container["healthCheck"] = spec.health_check
    if spec.port:
        container["portMappings"] = [{"containerPort": spec.port, "protocol": "tcp"}]
    return pulumi.Output.json_dumps([container])


def task_definition(spec: TaskSpec, region: str) -> aws.ecs.TaskDefinition:
    return aws.ecs.TaskDefinition(
        spec.family,
        family=spec.family,
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu=str(spec.cpu),
        memory=str(spec.memory),
        runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
            operating_system_family="LINUX", cpu_architecture="X86_64"
        ),
        task_role_arn=spec.task_role_arn,
        execution_role_arn=spec.execution_role_arn,
        ephemeral_storage=aws.ecs.TaskDefinitionEphemeralStorageArgs(size_in_gib=spec.ephemeral_storage_gb)
        if spec.ephemeral_storage_gb
        else None,
        container_definitions=container_definitions(spec, region),
    )


def platform_environment(
    settings: StackSettings,
    *,
    inbox_bucket: Input,
    artifacts_bucket: Input,
    database_host: Input,
    database_secret_arn: Input,
) -> tuple[dict[str, Input], dict[str, Input]]:
    """Environment and secrets of every Dagster and user-code task (docs/contract.md; the names
    deploy/dagster.yaml reads). The database password only ever arrives through ECS `secrets`."""
    password = pulumi.Output.concat(database_secret_arn, ":password::")
    environment = {
        "AWS_REGION": settings.region,
        "DAGSTER_HOME": DAGSTER_HOME,
        "INVOICES_INBOX": pulumi.Output.concat("s3://", inbox_bucket, f"/{INBOX_PREFIX}"),
        "INVOICES_DATABASE_URL": pulumi.Output.concat(
            f"mysql+pymysql://{DATABASE_USER}@", database_host, f":3306/{APP_DATABASE}"
        ),
        "MLFLOW_TRACKING_URI": MLFLOW_URI,
        "DAGSTER_MYSQL_HOSTNAME": database_host,
        "DAGSTER_MYSQL_DB": DAGSTER_DATABASE,
        "DAGSTER_MYSQL_USERNAME": DATABASE_USER,
        "DAGSTER_COMPUTE_LOGS_BUCKET": artifacts_bucket,
        "DAGSTER_COMPUTE_LOGS_PREFIX": COMPUTE_LOGS_PREFIX,
        "DAGSTER_RUN_TASK_DEFINITION": RUN_FAMILY,
    }
    secrets = {"INVOICES_DATABASE_PASSWORD": password, "DAGSTER_MYSQL_PASSWORD": password}
    return environment, secrets


@dataclass
class Services:
    cluster: aws.ecs.Cluster
    services: dict[str, aws.ecs.Service]
    task_definitions: dict[str, aws.ecs.TaskDefinition]


def build_cluster(
    settings: StackSettings, vpc_id: Input
) -> tuple[aws.ecs.Cluster, aws.servicediscovery.PrivateDnsNamespace]:
    cluster = aws.ecs.Cluster(
        settings.cluster_name,
        name=settings.cluster_name,
        settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
    )
    namespace = aws.servicediscovery.PrivateDnsNamespace(
        f"invoices-{settings.stack}-namespace",
        name=NAMESPACE,
        vpc=vpc_id,
        description="Private names of the platform's internal services",
    )
    return cluster, namespace


def discovery_service(
    settings: StackSettings, name: str, namespace_id: Input
) -> aws.servicediscovery.Service:
    return aws.servicediscovery.Service(
        f"invoices-{settings.stack}-{name}-discovery",
        name=name,
        namespace_id=namespace_id,
        dns_config=aws.servicediscovery.ServiceDnsConfigArgs(
            namespace_id=namespace_id,
            routing_policy="MULTIVALUE",
            dns_records=[aws.servicediscovery.ServiceDnsConfigDnsRecordArgs(type="A", ttl=10)],
        ),
        health_check_custom_config=aws.servicediscovery.ServiceHealthCheckCustomConfigArgs(),
        force_destroy=True,
    )


def fargate_service(
    settings: StackSettings,
    name: str,
    *,
    cluster: aws.ecs.Cluster,
    definition: aws.ecs.TaskDefinition,
    subnet_ids: list[Input],
    security_group_id: Input,
    desired_count: int,
    target_group_arn: Input | None = None,
    port: int | None = None,
    registry_arn: Input | None = None,
    singleton: bool = False,
) -> aws.ecs.Service:
    scaled = name in SCALED_SERVICES
    return aws.ecs.Service(
        f"invoices-{settings.stack}-{name}",
        name=name,
        cluster=cluster.arn,
        task_definition=definition.arn,
        launch_type="FARGATE",
        desired_count=desired_count,
        network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=subnet_ids, security_groups=[security_group_id], assign_public_ip=False
        ),
        load_balancers=[
            aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=target_group_arn, container_name=name, container_port=port
            )
        ]
        if target_group_arn
        else None,
        health_check_grace_period_seconds=120 if target_group_arn else None,
        service_registries=aws.ecs.ServiceServiceRegistriesArgs(registry_arn=registry_arn)
        if registry_arn
        else None,
        deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
        # Two daemons would both launch the queued runs: stop the old task before starting the new one.
        deployment_minimum_healthy_percent=0 if singleton else 100,
        deployment_maximum_percent=100 if singleton else 200,
        enable_execute_command=False,
        propagate_tags="SERVICE",
        # Auto-scaling owns the task count once the service exists.
        opts=pulumi.ResourceOptions(ignore_changes=["desiredCount"] if scaled else None),
    )


def cpu_autoscaling(
    settings: StackSettings, name: str, cluster: aws.ecs.Cluster, service: aws.ecs.Service
) -> None:
    target = aws.appautoscaling.Target(
        f"invoices-{settings.stack}-{name}-scaling",
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
        min_capacity=MIN_TASKS,
        max_capacity=MAX_TASKS,
    )
    aws.appautoscaling.Policy(
        f"invoices-{settings.stack}-{name}-cpu",
        policy_type="TargetTrackingScaling",
        service_namespace=target.service_namespace,
        scalable_dimension=target.scalable_dimension,
        resource_id=target.resource_id,
        target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
            target_value=CPU_TARGET,
            predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                predefined_metric_type="ECSServiceAverageCPUUtilization"
            ),
            scale_in_cooldown=300,
            scale_out_cooldown=60,
        ),
    )


def build_services(
    settings: StackSettings,
    *,
    cluster: aws.ecs.Cluster,
    namespace: aws.servicediscovery.PrivateDnsNamespace,
    images: dict[str, Input],
    roles,
    log_groups: dict[str, aws.cloudwatch.LogGroup],
    subnet_ids: list[Input],
    security_group_id: Input,
    environment: dict[str, Input],
    secrets: dict[str, Input],
    artifacts_bucket: Input,
    database_host: Input,
    database_secret_arn: Input,
    api_key_secret_arn: Input,
    webserver_target_group_arn: Input,
    api_target_group_arn: Input,
) -> Services:
    """Register the seven task definitions and start the five services."""
    usercode_image, dagster_image, training_image = (
        images["invoices-usercode"],
        images["invoices-dagster"],
        images["invoices-training"],
    )
    # The baked-in deploy/workspace.yaml names the code server usercode.invoices.internal:4000 with the
    # location name `invoices` (sensor and schedule state is kept per location name).
    workspace = ["--workspace", WORKSPACE]

    def spec(family: str, name: str, image: Input, cpu: int, memory: int, task_role, **extra) -> TaskSpec:
        return TaskSpec(
            family=family,
            container=name,
            image=image,
            cpu=cpu,
            memory=memory,
            task_role_arn=task_role.arn,
            execution_role_arn=extra.pop("execution_role", roles.execution).arn,
            log_group=log_groups[extra.pop("log", name)].name,
            environment=extra.pop("environment", environment),
            secrets=extra.pop("secrets", secrets),
            **extra,
        )

    specs = {
        "webserver": spec(
            "invoices-webserver",
            "webserver",
            dagster_image,
            1024,
            2048,
            roles.webserver,
            command=["dagster-webserver", "--host", "0.0.0.0", "--port", str(WEBSERVER_PORT), *workspace],
            port=WEBSERVER_PORT,
        ),
        "daemon": spec(
            "invoices-daemon",
            "daemon",
            dagster_image,
            1024,
            2048,
            roles.daemon,
            command=["dagster-daemon", "run", *workspace],
        ),
        "usercode": spec(
            "invoices-usercode",
            "usercode",
            usercode_image,
            1024,
            2048,
            roles.usercode,
            command=[
                "dagster",
                "api",
                "grpc",
                "--host",
                "0.0.0.0",
                "--port",
                str(USERCODE_PORT),
                "--module-name",
                "invoice_assets.definitions",
                "--location-name",
                LOCATION_NAME,
            ],
            environment={**environment, "DAGSTER_CURRENT_IMAGE": usercode_image},
            port=USERCODE_PORT,
        ),
        "mlflow": spec(
            "invoices-mlflow",
            "mlflow",
            training_image,
            1024,
            2048,
            roles.mlflow,
            entry_point=["python", "-c", MLFLOW_LAUNCHER],
            environment={
                "AWS_REGION": settings.region,
                "MLFLOW_DB_USER": DATABASE_USER,
                "MLFLOW_DB_HOST": database_host,
                "MLFLOW_ARTIFACTS_DESTINATION": pulumi.Output.concat(
                    "s3://", artifacts_bucket, f"/{MLFLOW_ARTIFACTS_PREFIX}"
                ),
                "MLFLOW_SERVER_ALLOWED_HOSTS": MLFLOW_ALLOWED_HOSTS,
            },
            secrets={"MLFLOW_DB_PASSWORD": pulumi.Output.concat(database_secret_arn, ":password::")},
            port=MLFLOW_PORT,
        ),
        "api": spec(
            "invoices-api",
            "api",
            usercode_image,
            1024,
            2048,
            roles.api,
            command=["invoices", "serve", "--host", "0.0.0.0", "--port", str(API_PORT)],
            execution_role=roles.api_execution,
            secrets={**secrets, "INVOICES_API_KEY": api_key_secret_arn},
            port=API_PORT,
        ),
        # Run tasks: EcsRunLauncher supplies the command; the task definition supplies everything else.
        RUN_FAMILY: spec(RUN_FAMILY, RUN_CONTAINER, usercode_image, 2048, 4096, roles.run, log="runs"),
        TRAINING_FAMILY: spec(
            TRAINING_FAMILY,
            RUN_CONTAINER,
            training_image,
            8192,
            32768,
            roles.run,
            log="runs",
            ephemeral_storage_gb=50,
        ),
    }
    for name in SERVICE_NAMES:
        specs[name] = dataclasses.replace(specs[name], health_check=HEALTH_CHECK)
    definitions = {name: task_definition(item, settings.region) for name, item in specs.items()}

    usercode_discovery = discovery_service(settings, "usercode", namespace.id)
    mlflow_discovery = discovery_service(settings, "mlflow", namespace.id)
    common = dict(cluster=cluster, subnet_ids=subnet_ids, security_group_id=security_group_id)
    services = {
        "webserver": fargate_service(
            settings,
            "webserver",
            definition=definitions["webserver"],
            desired_count=MIN_TASKS,
            target_group_arn=webserver_target_group_arn,
            port=WEBSERVER_PORT,
            **common,
        ),
        "daemon": fargate_service(
            settings, "daemon", definition=definitions["daemon"], desired_count=1, singleton=True, **common
        ),
        "usercode": fargate_service(
            settings,
            "usercode",
            definition=definitions["usercode"],
            desired_count=1,
            registry_arn=usercode_discovery.arn,
            **common,
        ),
        "mlflow": fargate_service(
            settings,
            "mlflow",
            definition=definitions["mlflow"],
            desired_count=MIN_TASKS,
            registry_arn=mlflow_discovery.arn,
            **common,
        ),
        "api": fargate_service(
            settings,
            "api",
            definition=definitions["api"],
            desired_count=MIN_TASKS,
            target_group_arn=api_target_group_arn,
            port=API_PORT,
            **common,
        ),
    }
    for name in SCALED_SERVICES:
        cpu_autoscaling(settings, name, cluster, services[name])
    return Services(cluster, services, definitions)
