"""IAM in the Pulumi stack: every policy document the stack declares is parsed and checked for
least privilege; execution roles read only their own secrets; the daemon may start only the two run
task families and pass only the run roles. Built under Pulumi's mocks (tests/pulumi_mocks.py)."""

from __future__ import annotations

import json

import pulumi
import pytest
import yaml

from tests.support import pulumi_mocks as harness
from tests.support.paths import ROOT
from tests.support.pulumi_mocks import as_list, container, policy_statements

# The harness's fixtures, registered in this module under their names (stack, dev, prod).
pulumi_event_loop_fixture = harness.pulumi_event_loop_fixture
stack_fixture = harness.stack_fixture

DEPLOY = ROOT / "deploy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
# Actions AWS does not scope to any resource: "*" is the only resource they take.
UNSCOPED = {
    "ecr:GetAuthorizationToken",
    "ecs:DescribeTaskDefinition",
    "ec2:DescribeNetworkInterfaces",
}


def role_named(stack, short_name: str):
    [role] = [r for r in stack.of_type(ROLE) if r.name == f"invoices-{stack.stack}-{short_name}"]
    return role


def role_statements(stack, short_name: str) -> list[dict]:
    role = role_named(stack, short_name)
    policies = [r for r in stack.of_type(ROLE_POLICY) if r.inputs["role"] == role.state["id"]]
    return [s for policy in policies for s in policy_statements(policy.inputs["policy"])]


def allowed(statements: list[dict], action: str) -> list[str]:
    return [
        resource
        for s in statements
        if s["Effect"] == "Allow" and action in as_list(s["Action"])
        for resource in as_list(s["Resource"])
    ]


@pulumi.runtime.test
def test_no_policy_allows_everything_on_everything(stack):
    documents = [r.inputs["policy"] for r in stack.of_type(ROLE_POLICY)]
    documents += [r.inputs["policy"] for r in stack.of_type("aws:iam/policy:Policy")]
    assert len(documents) >= 7
    for document in documents:
        for s in policy_statements(document):
            if s["Effect"] != "Allow":
                continue
            actions, resources = as_list(s["Action"]), as_list(s["Resource"])
            assert not any(a == "*" or a.endswith(":*") for a in actions), s
            if "*" in resources:
                assert set(actions) <= UNSCOPED, f"only unscoped actions may use Resource '*': {s}"
    assert not stack.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"), (
        "managed policies are too broad"
    )


@pulumi.runtime.test
def test_roles_are_assumable_by_ecs_tasks_only(stack):
    roles = stack.of_type(ROLE)
    assert len(roles) == 8
    for role in roles:
        [s] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert s["Principal"] == {"Service": "ecs-tasks.amazonaws.com"} and s["Action"] == "sts:AssumeRole"


@pytest.mark.parametrize(
    ("role", "secrets"), [("execution", {"database"}), ("api-execution", {"database", "api key"})]
)
@pulumi.runtime.test
def test_execution_roles_read_only_their_secrets(stack, role, secrets):
    known = {
        "database": stack.exports["databaseSecretArn"],
        "api key": stack.one("aws:secretsmanager/secret:Secret").state["arn"],
    }
    statements = role_statements(stack, role)
    readable = allowed(statements, "secretsmanager:GetSecretValue")
    assert sorted(readable) == sorted(known[name] for name in secrets)
    repositories = {r.state["arn"] for r in stack.of_type("aws:ecr/repository:Repository")}
    assert set(allowed(statements, "ecr:BatchGetImage")) == repositories


@pulumi.runtime.test
def test_task_definitions_use_their_own_roles(stack):
    roles = {r.state["arn"]: r.name.removeprefix(f"invoices-{stack.stack}-") for r in stack.of_type(ROLE)}
    expected = {
        "invoices-webserver": ("webserver", "execution"),
        "invoices-daemon": ("daemon", "execution"),
        "invoices-usercode": ("usercode", "execution"),
        "invoices-mlflow": ("mlflow", "execution"),
        "invoices-api": ("api", "api-execution"),
        "invoices-run": ("run", "execution"),
        "invoices-training": ("run", "execution"),
    }
    found = {
        d.inputs["family"]: (roles[d.inputs["taskRoleArn"]], roles[d.inputs["executionRoleArn"]])
        for d in stack.of_type("aws:ecs/taskDefinition:TaskDefinition")
    }
    assert found == expected


@pulumi.runtime.test
def test_daemon_starts_only_the_run_families_in_its_cluster(stack):
    statements = role_statements(stack, "daemon")
    prefix = "arn:aws:ecs:eu-west-1:123456789012:task-definition"
    assert sorted(allowed(statements, "ecs:RunTask")) == [
        f"{prefix}/invoices-run:*",
        f"{prefix}/invoices-training:*",
    ]
    [run_task] = [s for s in statements if "ecs:RunTask" in as_list(s["Action"])]
    cluster = stack.one("aws:ecs/cluster:Cluster").state["arn"]
    assert run_task["Condition"] == {"ArnEquals": {"ecs:cluster": cluster}}
    tasks = f"arn:aws:ecs:eu-west-1:123456789012:task/invoices-{stack.stack}/*"
    for action in ("ecs:DescribeTasks", "ecs:StopTask", "ecs:TagResource"):
        assert allowed(statements, action) == [tasks], action
    for action in ("ecs:DescribeTaskDefinition", "ec2:DescribeNetworkInterfaces", "logs:GetLogEvents"):
        assert allowed(statements, action), f"EcsRunLauncher needs {action}"


@pulumi.runtime.test
def test_daemon_passes_only_the_run_roles(stack):
    statements = role_statements(stack, "daemon")
    run_role = role_named(stack, "run").state["arn"]
    execution_role = role_named(stack, "execution").state["arn"]
    assert sorted(allowed(statements, "iam:PassRole")) == sorted([run_role, execution_role])
    run_definitions = [
        d
        for d in stack.of_type("aws:ecs/taskDefinition:TaskDefinition")
        if d.inputs["family"] in ("invoices-run", "invoices-training")
    ]
    for definition in run_definitions:
        assert {definition.inputs["taskRoleArn"], definition.inputs["executionRoleArn"]} == {
            run_role,
            execution_role,
        }
        assert container(definition)["name"] == "run"


@pulumi.runtime.test
def test_only_mlflow_touches_model_artifacts_and_nobody_deletes_invoices(stack):
    artifacts = stack.one("aws:s3/bucket:Bucket", "-artifacts").state["arn"]
    inbox = stack.one("aws:s3/bucket:Bucket", "-inbox").state["arn"]
    for role in ("webserver", "daemon", "usercode", "mlflow", "api", "run", "execution", "api-execution"):
        statements = role_statements(stack, role)
        objects = allowed(statements, "s3:PutObject") + allowed(statements, "s3:GetObject")
        touches_models = any(o.startswith(f"{artifacts}/mlflow") for o in objects)
        assert touches_models == (role == "mlflow"), role
        assert not any(r.startswith(inbox) for r in allowed(statements, "s3:DeleteObject")), role
    assert role_statements(stack, "api") == [], "the online service calls no AWS API"


@pulumi.runtime.test
def test_daemon_policy_matches_the_launcher_configuration(stack):
    """deploy/dagster.yaml's EcsRunLauncher must not need more than the daemon's role grants: no tag scan
    of Secrets Manager (the role has no ListSecrets), the container `run` and the family the stack sets."""
    instance = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    launcher = instance["run_launcher"]
    assert launcher["class"] == "EcsRunLauncher"
    config = launcher["config"]
    assert config["secrets_tag"] is None
    assert not allowed(role_statements(stack, "daemon"), "secretsmanager:ListSecrets")
    assert config["container_name"] == "run"
    variable = config["task_definition"]["env"]
    daemon = container(stack_definition(stack, "invoices-daemon"))
    environment = {e["name"]: e["value"] for e in daemon["environment"]}
    assert environment[variable] == "invoices-run"


def stack_definition(stack, family: str):
    definitions = stack.of_type("aws:ecs/taskDefinition:TaskDefinition")
    [found] = [d for d in definitions if d.inputs["family"] == family]
    return found
