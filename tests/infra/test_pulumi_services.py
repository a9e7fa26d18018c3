"""The Pulumi stack's ECS cluster, services, load balancer, auto-scaling, task definitions and API key,
checked on the resources it declares under Pulumi's mocks (tests/pulumi_mocks.py), dev and prod."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
import yaml
from pulumi.runtime import rpc

from tests.support import pulumi_mocks as harness
from tests.support.paths import ROOT
from tests.support.pulumi_mocks import OPERATOR_CONFIG, container

# The harness's fixtures, registered in this module under their names (stack, dev, prod).
dev_fixture = harness.dev_fixture
prod_fixture = harness.prod_fixture
pulumi_event_loop_fixture = harness.pulumi_event_loop_fixture
stack_fixture = harness.stack_fixture

DEPLOY = ROOT / "deploy"
SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SERVICES = ("webserver", "daemon", "usercode", "mlflow", "api")
PLATFORM_VARIABLES = {
    "DAGSTER_HOME",
    "INVOICES_INBOX",
    "INVOICES_DATABASE_URL",
    "MLFLOW_TRACKING_URI",
    "DAGSTER_MYSQL_HOSTNAME",
    "DAGSTER_MYSQL_DB",
    "DAGSTER_MYSQL_USERNAME",
    "DAGSTER_COMPUTE_LOGS_BUCKET",
    "DAGSTER_COMPUTE_LOGS_PREFIX",
    "DAGSTER_RUN_TASK_DEFINITION",
}


def service(stack, name):
    [found] = [r for r in stack.of_type(SERVICE) if r.inputs["name"] == name]
    return found


def definition_of(stack, service_name):
    return stack.by_arn(service(stack, service_name).inputs["taskDefinition"])


def family(stack, name):
    [found] = [r for r in stack.of_type(TASK_DEFINITION) if r.inputs["family"] == name]
    return found


def https_listener(stack):
    [found] = [r for r in stack.of_type(LISTENER) if r.inputs["protocol"] == "HTTPS"]
    return found


def target_group_of(stack, service_name):
    [balancer] = service(stack, service_name).inputs["loadBalancers"]
    return stack.by_arn(balancer["targetGroupArn"]), balancer


# --- cluster and services --------------------------------------------------------------------------


@pulumi.runtime.test
def test_cluster_is_named_after_the_stack(stack):
    cluster = stack.one("aws:ecs/cluster:Cluster")
    assert cluster.inputs["name"] == f"invoices-{stack.stack}"
    assert {"name": "containerInsights", "value": "enabled"} in cluster.inputs["settings"]


@pytest.mark.parametrize("name", SERVICES)
@pulumi.runtime.test
def test_each_service_runs_on_fargate_in_the_cluster(stack, name):
    found = service(stack, name)
    assert found.inputs["launchType"] == "FARGATE"
    assert found.inputs["cluster"] == stack.one("aws:ecs/cluster:Cluster").state["arn"]
    definition = definition_of(stack, name)
    assert definition.inputs["requiresCompatibilities"] == ["FARGATE"]
    assert definition.inputs["networkMode"] == "awsvpc"


@pytest.mark.parametrize(("name", "port"), [("usercode", 4000), ("mlflow", 5000)])
@pulumi.runtime.test
def test_internal_services_register_in_cloud_map(stack, name, port):
    namespace = stack.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")
    assert namespace.inputs["name"] == "invoices.internal"
    assert namespace.inputs["vpc"] == stack.one("aws:ec2/vpc:Vpc").state["id"]
    registry = stack.by_arn(service(stack, name).inputs["serviceRegistries"]["registryArn"])
    assert registry.inputs["name"] == name
    assert registry.inputs["dnsConfig"]["namespaceId"] == namespace.state["id"]
    assert container(definition_of(stack, name))["portMappings"][0]["containerPort"] == port


@pulumi.runtime.test
def test_daemon_is_a_single_task_that_never_overlaps(stack):
    daemon = service(stack, "daemon").inputs
    assert daemon["desiredCount"] == 1
    assert daemon["deploymentMaximumPercent"] == 100
    scaled = {r.inputs["resourceId"] for r in stack.of_type("aws:appautoscaling/target:Target")}
    assert f"service/invoices-{stack.stack}/daemon" not in scaled


@pulumi.runtime.test
def test_dagster_processes_find_the_code_server_and_mlflow(stack):
    """The webserver and daemon load deploy/workspace.yaml (baked into the dagster image): it must name
    the code server by its Cloud Map name and port, under the location name the code server uses."""
    [location] = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())["load_from"]
    server = location["grpc_server"]
    assert (server["host"], server["port"]) == ("usercode.invoices.internal", 4000)
    for name in ("webserver", "daemon"):
        command = container(definition_of(stack, name))["command"]
        assert command[command.index("--workspace") + 1] == "/opt/dagster/app/workspace.yaml"
    usercode = container(definition_of(stack, "usercode"))["command"]
    assert usercode[:3] == ["dagster", "api", "grpc"]
    assert usercode[usercode.index("--port") + 1] == str(server["port"])
    assert usercode[usercode.index("--location-name") + 1] == server["location_name"]
    environment = {e["name"]: e["value"] for e in container(definition_of(stack, "usercode"))["environment"]}
    assert environment["MLFLOW_TRACKING_URI"] == "http://mlflow.invoices.internal:5000"


@pytest.mark.parametrize("name", SERVICES)
@pulumi.runtime.test
def test_services_declare_the_images_health_check(stack, name):
    """ECS ignores a Dockerfile HEALTHCHECK; the task definition repeats deploy/healthcheck.py."""
    check = container(definition_of(stack, name))["healthCheck"]
    assert check["command"] == ["CMD", "python", "/opt/dagster/healthcheck.py"]
    assert check["startPeriod"] > 0 and check["retries"] >= 1


# --- load balancer ---------------------------------------------------------------------------------


@pulumi.runtime.test
def test_https_listener_uses_a_tls_policy_and_the_validated_certificate(stack):
    listener = https_listener(stack).inputs
    assert listener["port"] == 443
    assert listener["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    validation = stack.one("aws:acm/certificateValidation:CertificateValidation")
    assert listener["certificateArn"] == validation.state["certificateArn"]
    certificate = stack.by_arn(validation.inputs["certificateArn"])
    assert certificate.inputs["domainName"] == OPERATOR_CONFIG["invoices:domainName"]


@pulumi.runtime.test
def test_http_only_redirects_to_https(stack):
    [http] = [r for r in stack.of_type(LISTENER) if r.inputs["protocol"] == "HTTP"]
    [action] = http.inputs["defaultActions"]
    assert action["type"] == "redirect"
    assert action["redirect"]["protocol"] == "HTTPS" and action["redirect"]["statusCode"] == "HTTP_301"


@pulumi.runtime.test
def test_the_ui_is_behind_a_cognito_login(stack):
    actions = sorted(https_listener(stack).inputs["defaultActions"], key=lambda a: a["order"])
    assert [a["type"] for a in actions] == ["authenticate-cognito", "forward"]
    login = actions[0]["authenticateCognito"]
    pool = stack.one("aws:cognito/userPool:UserPool")
    assert login["userPoolArn"] == pool.state["arn"]
    assert login["userPoolClientId"] == stack.one("aws:cognito/userPoolClient:UserPoolClient").state["id"]
    assert pool.inputs["adminCreateUserConfig"]["allowAdminCreateUserOnly"] is True
    webserver_group, _ = target_group_of(stack, "webserver")
    assert actions[1]["targetGroupArn"] == webserver_group.state["arn"]


@pulumi.runtime.test
def test_api_path_goes_to_the_api_without_cognito(stack):
    [rule] = stack.of_type("aws:lb/listenerRule:ListenerRule")
    assert rule.inputs["listenerArn"] == https_listener(stack).state["arn"]
    assert rule.inputs["conditions"] == [{"pathPattern": {"values": ["/v1/*"]}}]
    api_group, _ = target_group_of(stack, "api")
    assert rule.inputs["actions"] == [{"type": "forward", "targetGroupArn": api_group.state["arn"]}]


@pytest.mark.parametrize(
    ("name", "port", "path"), [("webserver", 3000, "/server_info"), ("api", 8000, "/live")]
)
@pulumi.runtime.test
def test_target_groups_check_health(stack, name, port, path):
    group, balancer = target_group_of(stack, name)
    assert balancer["containerName"] == name and balancer["containerPort"] == port
    assert group.inputs["port"] == port and group.inputs["targetType"] == "ip"
    assert group.inputs["healthCheck"]["path"] == path
    assert group.inputs["healthCheck"]["matcher"] == "200"


# --- auto-scaling ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["webserver", "api", "mlflow"])
@pulumi.runtime.test
def test_serving_services_scale_from_2_to_10_on_cpu(stack, name):
    resource_id = f"service/invoices-{stack.stack}/{name}"
    [target] = [
        r for r in stack.of_type("aws:appautoscaling/target:Target") if r.inputs["resourceId"] == resource_id
    ]
    assert target.inputs["minCapacity"] == 2 and target.inputs["maxCapacity"] == 10
    assert target.inputs["scalableDimension"] == "ecs:service:DesiredCount"
    [policy] = [
        r for r in stack.of_type("aws:appautoscaling/policy:Policy") if r.inputs["resourceId"] == resource_id
    ]
    assert policy.inputs["policyType"] == "TargetTrackingScaling"
    tracking = policy.inputs["targetTrackingScalingPolicyConfiguration"]
    assert (
        tracking["predefinedMetricSpecification"]["predefinedMetricType"] == "ECSServiceAverageCPUUtilization"
    )
    assert 0 < tracking["targetValue"] < 100


# --- task definitions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "repository", "cpu", "memory"),
    [
        ("invoices-run", "invoices-usercode", "2048", "4096"),
        ("invoices-training", "invoices-training", "8192", "32768"),
    ],
)
@pulumi.runtime.test
def test_run_task_definitions_for_the_ecs_run_launcher(stack, name, repository, cpu, memory):
    definition = family(stack, name)
    assert (definition.inputs["cpu"], definition.inputs["memory"]) == (cpu, memory)
    run = container(definition)
    assert run["name"] == "run"
    assert run["image"] == f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{repository}:0123abc"


@pytest.mark.parametrize(
    "name", ["webserver", "daemon", "usercode", "api", "invoices-run", "invoices-training"]
)
@pulumi.runtime.test
def test_every_dagster_task_gets_the_platform_environment(stack, name):
    definition = family(stack, name if name.startswith("invoices-") else f"invoices-{name}")
    found = container(definition)
    environment = {e["name"]: e["value"] for e in found["environment"]}
    secrets = {s["name"]: s["valueFrom"] for s in found["secrets"]}
    assert set(environment) >= PLATFORM_VARIABLES
    assert environment["DAGSTER_RUN_TASK_DEFINITION"] == "invoices-run"
    assert environment["INVOICES_INBOX"] == f"s3://{stack.exports['inboxBucket']}/incoming"
    assert environment["INVOICES_DATABASE_URL"] == (
        f"mysql+pymysql://invoices@{stack.exports['databaseHost']}:3306/invoices"
    )
    database_secret = f"{stack.exports['databaseSecretArn']}:password::"
    assert secrets["INVOICES_DATABASE_PASSWORD"] == database_secret
    assert secrets["DAGSTER_MYSQL_PASSWORD"] == database_secret
    assert not any("password" in value.lower() for value in environment.values())


@pulumi.runtime.test
def test_mlflow_server_gets_its_database_password_from_the_secret(stack):
    mlflow = container(definition_of(stack, "mlflow"))
    assert {s["name"]: s["valueFrom"] for s in mlflow["secrets"]} == {
        "MLFLOW_DB_PASSWORD": f"{stack.exports['databaseSecretArn']}:password::"
    }
    environment = {e["name"]: e["value"] for e in mlflow["environment"]}
    assert environment["MLFLOW_ARTIFACTS_DESTINATION"] == f"s3://{stack.exports['artifactsBucket']}/mlflow"
    assert "mlflow.invoices.internal:5000" in environment["MLFLOW_SERVER_ALLOWED_HOSTS"].split(",")


# --- the API key -----------------------------------------------------------------------------------


@pulumi.runtime.test
def test_api_key_lives_in_secrets_manager_with_the_configured_value(stack):
    secret = stack.one("aws:secretsmanager/secret:Secret")
    assert secret.inputs["name"] == f"invoices/{stack.stack}/api-key"
    version = stack.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretId"] == secret.state["id"]
    # The value flows from the stack's secret config and stays marked secret (encrypted in the state).
    assert version.inputs["secretString"] == {
        rpc._special_sig_key: rpc._special_secret_sig,
        "value": OPERATOR_CONFIG["invoices:apiKey"],
    }


@pulumi.runtime.test
def test_only_the_api_task_receives_the_api_key(stack):
    arn = stack.one("aws:secretsmanager/secret:Secret").state["arn"]
    for definition in stack.of_type(TASK_DEFINITION):
        secrets = {s["name"]: s["valueFrom"] for s in container(definition)["secrets"]}
        if definition.inputs["family"] == "invoices-api":
            assert secrets["INVOICES_API_KEY"] == arn
            assert container(definition)["command"][:2] == ["invoices", "serve"]
        else:
            assert "INVOICES_API_KEY" not in secrets and arn not in secrets.values(), definition.name


def test_mlflow_launcher_quotes_the_password_into_the_backend_uri(tmp_path):
    """Run the MLflow container's entry point for real against a stand-in `mlflow` executable: the
    password (with characters a URL cannot carry raw) reaches MLflow only in MLFLOW_BACKEND_STORE_URI."""
    import os
    import subprocess
    import sys

    sys.path.append(str(ROOT / "pulumi"))
    from invoices_infra.services import MLFLOW_LAUNCHER

    stand_in = tmp_path / "mlflow"
    stand_in.write_text('#!/bin/sh\necho "$MLFLOW_BACKEND_STORE_URI"\necho "$@"\n')
    stand_in.chmod(0o755)
    environment = {
        "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}",
        "MLFLOW_DB_PASSWORD": "p@ss:w/rd#1",
        "MLFLOW_DB_USER": "invoices",
        "MLFLOW_DB_HOST": "db.internal",
        "MLFLOW_ARTIFACTS_DESTINATION": "s3://artifacts/mlflow",
    }
    done = subprocess.run(
        [sys.executable, "-c", MLFLOW_LAUNCHER], env=environment, capture_output=True, text=True, check=True
    )
    uri, arguments = done.stdout.splitlines()
    assert uri == "mysql+pymysql://invoices:p%40ss%3Aw%2Frd%231@db.internal:3306/mlflow"
    assert "p@ss" not in arguments and "--serve-artifacts" in arguments.split()
    assert "--artifacts-destination s3://artifacts/mlflow" in arguments


def test_project_file_runs_the_program_with_the_projects_virtualenv():
    """`pulumi up` in pulumi/ must find a Python project named like the stacks' config namespace, run it
    with the repository's locked virtualenv, and never shadow the `pulumi` package."""
    program = ROOT / "pulumi"
    project = yaml.safe_load((program / "Pulumi.yaml").read_text())
    assert project["name"] == "invoices"
    runtime = project["runtime"]
    assert runtime["name"] == "python"
    assert runtime["options"]["toolchain"] == "pip"
    assert (program / runtime["options"]["virtualenv"] / "bin" / "python").exists()
    assert not (program / "__init__.py").exists()
    assert Path(pulumi.__file__).parent.name == "pulumi" and "site-packages" in pulumi.__file__
    for stack in ("dev", "prod"):
        config = yaml.safe_load((program / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert all(key.split(":")[0] in ("aws", "invoices") for key in config), stack
