"""CloudWatch: one log group per service and one for run tasks, alarms on everything that should wake
someone, and a dashboard of the same metrics.

Run failures: a Dagster run worker prints every event with its type, so a failed run writes a line
`... - RUN_FAILURE - Execution of run for "etl_job" failed. ...` to the runs log group
(`/invoices/<stack>/runs`). A metric filter counts those lines as `Invoices/<stack> RunFailures`; the alarm
fires on any failure within five minutes. A run whose task dies before its worker can log (out of memory,
image pull, no capacity) is failed by the daemon's run monitoring instead, which logs "Marking run <id>
as failed" or "Run timed out ... to start": a second filter on the daemon's group feeds the same metric."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .settings import StackSettings

SERVICES = ("webserver", "daemon", "usercode", "mlflow", "api")
LOG_GROUPS = (*SERVICES, "runs")
# Log group -> CloudWatch filter pattern of the lines that mean "a run failed".
RUN_FAILURE_PATTERNS = {
    "runs": '"RUN_FAILURE"',
    "daemon": '?"Marking run" ?"Run timed out"',
}
FIVE_MINUTES = 300


@dataclass
class Monitoring:
    log_groups: dict[str, aws.cloudwatch.LogGroup]
    topic: aws.sns.Topic
    metric_namespace: str
    alarms: list[aws.cloudwatch.MetricAlarm] = field(default_factory=list)


def build_logs(settings: StackSettings) -> Monitoring:
    prefix = f"invoices-{settings.stack}"
    groups = {
        name: aws.cloudwatch.LogGroup(
            f"{prefix}-{name}",
            name=f"/invoices/{settings.stack}/{name}",
            retention_in_days=settings.log_retention_days,
        )
        for name in LOG_GROUPS
    }
    namespace = f"Invoices/{settings.stack}"
    for source, pattern in RUN_FAILURE_PATTERNS.items():
        aws.cloudwatch.LogMetricFilter(
            f"{prefix}-run-failures-{source}",
            log_group_name=groups[source].name,
            pattern=pattern,
            metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                name="RunFailures", namespace=namespace, value="1", default_value="0"
            ),
        )
    topic = aws.sns.Topic(f"{prefix}-alarms")
    if settings.alarm_email:
        aws.sns.TopicSubscription(
            f"{prefix}-alarms-email", topic=topic.arn, protocol="email", endpoint=settings.alarm_email
        )
    return Monitoring(groups, topic, namespace)


def alarm(
    monitoring: Monitoring,
    name: str,
    *,
    namespace: str,
    metric: str,
    dimensions: dict[str, pulumi.Input[str]],
    threshold: float,
    comparison: str = "GreaterThanThreshold",
    statistic: str = "Average",
    periods: int = 3,
    missing: str = "notBreaching",
    description: str,
) -> aws.cloudwatch.MetricAlarm:
    created = aws.cloudwatch.MetricAlarm(
        name,
        namespace=namespace,
        metric_name=metric,
        dimensions=dimensions,
        statistic=statistic,
        period=FIVE_MINUTES,
        evaluation_periods=periods,
        threshold=threshold,
        comparison_operator=comparison,
        treat_missing_data=missing,
        alarm_description=description,
        alarm_actions=[monitoring.topic.arn],
        ok_actions=[monitoring.topic.arn],
    )
    monitoring.alarms.append(created)
    return created


def build_alarms(
    settings: StackSettings,
    monitoring: Monitoring,
    *,
    cluster_name: pulumi.Input[str],
    service_names: dict[str, pulumi.Input[str]],
    database_id: pulumi.Input[str],
    load_balancer_suffix: pulumi.Input[str],
    target_group_suffixes: dict[str, pulumi.Input[str]],
) -> None:
    prefix = f"invoices-{settings.stack}"
    alarm(
        monitoring,
        f"{prefix}-run-failures",
        namespace=monitoring.metric_namespace,
        metric="RunFailures",
        dimensions={},
        threshold=0,
        statistic="Sum",
        periods=1,
        description="A Dagster run failed (RUN_FAILURE in the runs or daemon log group): open it in the UI.",
    )
    for service, service_name in service_names.items():
        for metric, threshold in (("CPUUtilization", 85), ("MemoryUtilization", 85)):
            alarm(
                monitoring,
                f"{prefix}-{service}-{metric.lower()}",
                namespace="AWS/ECS",
                metric=metric,
                dimensions={"ClusterName": cluster_name, "ServiceName": service_name},
                threshold=threshold,
                description=f"ECS service {service}: {metric} above {threshold}% for 15 minutes.",
            )
    alarm(
        monitoring,
        f"{prefix}-db-cpu",
        namespace="AWS/RDS",
        metric="CPUUtilization",
        dimensions={"DBInstanceIdentifier": database_id},
        threshold=80,
        description="RDS MySQL CPU above 80% for 15 minutes.",
    )
    alarm(
        monitoring,
        f"{prefix}-db-free-storage",
        namespace="AWS/RDS",
        metric="FreeStorageSpace",
        dimensions={"DBInstanceIdentifier": database_id},
        threshold=5 * 1024**3,
        comparison="LessThanThreshold",
        statistic="Minimum",
        description="RDS MySQL has less than 5 GiB free (storage autoscaling may be at its maximum).",
    )
    alarm(
        monitoring,
        f"{prefix}-alb-5xx",
        namespace="AWS/ApplicationELB",
        metric="HTTPCode_ELB_5XX_Count",
        dimensions={"LoadBalancer": load_balancer_suffix},
        threshold=10,
        statistic="Sum",
        periods=1,
        description="The load balancer answered more than 10 5xx in five minutes (no healthy target?).",
    )
    for service, suffix in target_group_suffixes.items():
        dims = {"LoadBalancer": load_balancer_suffix, "TargetGroup": suffix}
        alarm(
            monitoring,
            f"{prefix}-{service}-target-5xx",
            namespace="AWS/ApplicationELB",
            metric="HTTPCode_Target_5XX_Count",
            dimensions=dims,
            threshold=10,
            statistic="Sum",
            periods=1,
            description=f"The {service} answered more than 10 5xx in five minutes.",
        )
        alarm(
            monitoring,
            f"{prefix}-{service}-unhealthy-hosts",
            namespace="AWS/ApplicationELB",
            metric="UnHealthyHostCount",
            dimensions=dims,
            threshold=0,
            statistic="Maximum",
            periods=2,
            description=f"At least one {service} task fails its ALB health check.",
        )


def dashboard_body(
    settings: StackSettings,
    namespace: str,
    cluster_name: str,
    service_names: dict[str, str],
    database_id: str,
    load_balancer_suffix: str,
    target_group_suffixes: dict[str, str],
) -> dict:
    """The dashboard's JSON (pure): one widget per concern, the same metrics the alarms watch."""
    region = settings.region

    def widget(title: str, metrics: list[list], stat: str = "Average") -> dict:
        return {
            "type": "metric",
            "width": 12,
            "height": 6,
            "properties": {"title": title, "region": region, "stat": stat, "period": 300, "metrics": metrics},
        }

    return {
        "widgets": [
            widget("Dagster run failures", [[namespace, "RunFailures"]], stat="Sum"),
            widget(
                "ECS CPU %",
                [
                    ["AWS/ECS", "CPUUtilization", "ClusterName", cluster_name, "ServiceName", name]
                    for name in service_names.values()
                ],
            ),
            widget(
                "ECS memory %",
                [
                    ["AWS/ECS", "MemoryUtilization", "ClusterName", cluster_name, "ServiceName", name]
                    for name in service_names.values()
                ],
            ),
            widget(
                "RDS",
                [
                    ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", database_id],
                    ["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", database_id, {"yAxis": "right"}],
                ],
            ),
            widget(
                "ALB 5xx",
                [["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", load_balancer_suffix]]
                + [
                    [
                        "AWS/ApplicationELB",
                        "HTTPCode_Target_5XX_Count",
                        "LoadBalancer",
                        load_balancer_suffix,
                        "TargetGroup",
                        suffix,
                    ]
                    for suffix in target_group_suffixes.values()
                ],
                stat="Sum",
            ),
            widget(
                "Unhealthy hosts",
                [
                    [
                        "AWS/ApplicationELB",
                        "UnHealthyHostCount",
                        "LoadBalancer",
                        load_balancer_suffix,
                        "TargetGroup",
                        suffix,
                    ]
                    for suffix in target_group_suffixes.values()
                ],
                stat="Maximum",
            ),
        ]
    }


def build_dashboard(
    settings: StackSettings,
    monitoring: Monitoring,
    *,
    cluster_name: pulumi.Input[str],
    service_names: dict[str, pulumi.Input[str]],
    database_id: pulumi.Input[str],
    load_balancer_suffix: pulumi.Input[str],
    target_group_suffixes: dict[str, pulumi.Input[str]],
) -> aws.cloudwatch.Dashboard:
    services = list(service_names)
    groups = list(target_group_suffixes)
    body = pulumi.Output.all(
        cluster_name,
        database_id,
        load_balancer_suffix,
        *service_names.values(),
        *target_group_suffixes.values(),
    ).apply(
        lambda values: pulumi.Output.json_dumps(
            dashboard_body(
                settings,
                monitoring.metric_namespace,
                values[0],
                dict(zip(services, values[3 : 3 + len(services)], strict=True)),
                values[1],
                values[2],
                dict(zip(groups, values[3 + len(services) :], strict=True)),
            )
        )
    )
    return aws.cloudwatch.Dashboard(
        f"invoices-{settings.stack}", dashboard_name=f"invoices-{settings.stack}", dashboard_body=body
    )
