"""CloudWatch in the Pulumi stack: log groups with retention, the run-failure metric, alarms on ECS,
RDS and the load balancer, and a dashboard of the same metrics. Built under Pulumi's mocks."""

from __future__ import annotations

import json

import pulumi
import pytest

from tests.support import pulumi_mocks as harness
from tests.support.pulumi_mocks import container

# The harness's fixtures, registered in this module under their names (stack, dev, prod).
dev_fixture = harness.dev_fixture
prod_fixture = harness.prod_fixture
pulumi_event_loop_fixture = harness.pulumi_event_loop_fixture
stack_fixture = harness.stack_fixture

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SERVICES = ("webserver", "daemon", "usercode", "mlflow", "api")


def alarms(stack, namespace: str, metric: str) -> list:
    return [
        a
        for a in stack.of_type(ALARM)
        if a.inputs["namespace"] == namespace and a.inputs["metricName"] == metric
    ]


@pulumi.runtime.test
def test_every_service_and_the_runs_log_with_retention(dev, prod):
    for stack, days in ((dev, 30), (prod, 365)):
        groups = {g.inputs["name"]: g for g in stack.of_type("aws:cloudwatch/logGroup:LogGroup")}
        assert set(groups) == {f"/invoices/{stack.stack}/{name}" for name in (*SERVICES, "runs")}
        assert {g.inputs["retentionInDays"] for g in groups.values()} == {days}


@pulumi.runtime.test
def test_every_container_logs_to_a_stack_log_group(stack):
    groups = {g.inputs["name"] for g in stack.of_type("aws:cloudwatch/logGroup:LogGroup")}
    for definition in stack.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        logging = container(definition)["logConfiguration"]
        assert logging["logDriver"] == "awslogs"
        assert logging["options"]["awslogs-group"] in groups
        assert logging["options"]["awslogs-region"] == "eu-west-1"


@pulumi.runtime.test
def test_run_failures_become_a_metric_with_an_alarm(stack):
    filters = stack.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    runs_group = f"/invoices/{stack.stack}/runs"
    metrics = {
        (f.inputs["metricTransformation"]["namespace"], f.inputs["metricTransformation"]["name"])
        for f in filters
    }
    patterns = {f.inputs["logGroupName"]: f.inputs["pattern"] for f in filters}
    # What a run worker prints when its run fails (checked against Dagster's output: "... - RUN_FAILURE -
    # Execution of run for "j" failed."), and what the daemon's run monitoring logs for a dead task.
    assert patterns[runs_group] == '"RUN_FAILURE"'
    assert {term.strip('?"') for term in patterns[f"/invoices/{stack.stack}/daemon"].split(" ?")} == {
        "Marking run",
        "Run timed out",
    }
    assert len(metrics) == 1
    [(namespace, metric)] = metrics
    [alarm] = alarms(stack, namespace, metric)
    assert alarm.inputs["threshold"] == 0 and alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"
    assert alarm.inputs["statistic"] == "Sum"


@pytest.mark.parametrize("metric", ["CPUUtilization", "MemoryUtilization"])
@pulumi.runtime.test
def test_ecs_cpu_and_memory_alarm_per_service(stack, metric):
    found = {a.inputs["dimensions"]["ServiceName"]: a for a in alarms(stack, "AWS/ECS", metric)}
    assert set(found) == set(SERVICES)
    for alarm in found.values():
        assert alarm.inputs["dimensions"]["ClusterName"] == f"invoices-{stack.stack}"
        assert alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"


@pytest.mark.parametrize(
    ("metric", "comparison"), [("CPUUtilization", "Greater"), ("FreeStorageSpace", "Less")]
)
@pulumi.runtime.test
def test_rds_alarms(stack, metric, comparison):
    [alarm] = alarms(stack, "AWS/RDS", metric)
    assert alarm.inputs["dimensions"] == {"DBInstanceIdentifier": f"invoices-{stack.stack}"}
    assert alarm.inputs["comparisonOperator"].startswith(comparison)


@pulumi.runtime.test
def test_load_balancer_alarms(stack):
    suffix = stack.one("aws:lb/loadBalancer:LoadBalancer").state["arnSuffix"]
    [elb_5xx] = alarms(stack, "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count")
    assert elb_5xx.inputs["dimensions"] == {"LoadBalancer": suffix}
    groups = {g.state["arnSuffix"] for g in stack.of_type("aws:lb/targetGroup:TargetGroup")}
    assert len(groups) == 2
    for metric in ("HTTPCode_Target_5XX_Count", "UnHealthyHostCount"):
        found = alarms(stack, "AWS/ApplicationELB", metric)
        assert {a.inputs["dimensions"]["TargetGroup"] for a in found} == groups, metric
        assert {a.inputs["dimensions"]["LoadBalancer"] for a in found} == {suffix}


@pulumi.runtime.test
def test_every_alarm_notifies_the_topic(stack):
    topic = stack.one("aws:sns/topic:Topic").state["arn"]
    assert len(stack.of_type(ALARM)) >= 16
    for alarm in stack.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [topic], alarm.name
    subscription = stack.one("aws:sns/topicSubscription:TopicSubscription")
    assert subscription.inputs["topic"] == topic and subscription.inputs["protocol"] == "email"


@pulumi.runtime.test
def test_dashboard_shows_what_the_alarms_watch(stack):
    body = json.loads(stack.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    lines = [line for widget in body["widgets"] for line in widget["properties"]["metrics"]]
    shown = {(line[0], line[1]) for line in lines}
    watched = {(a.inputs["namespace"], a.inputs["metricName"]) for a in stack.of_type(ALARM)}
    assert watched <= shown, watched - shown
    ecs_services = {line[5] for line in lines if line[0] == "AWS/ECS"}
    assert ecs_services == set(SERVICES)
