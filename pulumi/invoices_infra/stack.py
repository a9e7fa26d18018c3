"""Assemble the whole platform for one stack; `pulumi/__main__.py` calls `build` and exports the result."""

from __future__ import annotations

import pulumi

from .api_key import build_api_key
from .database import build_database
from .iam import build_roles
from .ingress import build_ingress
from .monitoring import build_alarms, build_dashboard, build_logs
from .network import build_network
from .registry import build_repositories, image
from .services import build_cluster, build_services, platform_environment
from .settings import StackSettings
from .storage import build_buckets


def build(settings: StackSettings) -> dict[str, pulumi.Input]:
    """Create every resource and return the values worth exporting (names, endpoints, the setup hints)."""
    network = build_network(settings)
    buckets = build_buckets(settings)
    repositories = build_repositories(settings)
    database = build_database(settings, network)
    api_key = build_api_key(settings)
    monitoring = build_logs(settings)
    cluster, namespace = build_cluster(settings, network.vpc.id)
    roles = build_roles(
        settings,
        cluster_arn=cluster.arn,
        inbox_bucket_arn=buckets.inbox.arn,
        artifacts_bucket_arn=buckets.artifacts.arn,
        repository_arns=[repository.arn for repository in repositories.values()],
        log_group_arns={name: group.arn for name, group in monitoring.log_groups.items()},
        database_secret_arn=database.secret_arn,
        api_key_secret_arn=api_key.arn,
    )
    ingress = build_ingress(settings, network)
    environment, secrets = platform_environment(
        settings,
        inbox_bucket=buckets.inbox.bucket,
        artifacts_bucket=buckets.artifacts.bucket,
        database_host=database.instance.address,
        database_secret_arn=database.secret_arn,
    )
    services = build_services(
        settings,
        cluster=cluster,
        namespace=namespace,
        images={name: image(repository, settings) for name, repository in repositories.items()},
        roles=roles,
        log_groups=monitoring.log_groups,
        subnet_ids=[subnet.id for subnet in network.private_subnets],
        security_group_id=network.tasks_security_group.id,
        environment=environment,
        secrets=secrets,
        artifacts_bucket=buckets.artifacts.bucket,
        database_host=database.instance.address,
        database_secret_arn=database.secret_arn,
        api_key_secret_arn=api_key.arn,
        webserver_target_group_arn=ingress.webserver_target_group.arn,
        api_target_group_arn=ingress.api_target_group.arn,
    )
    watched = dict(
        cluster_name=cluster.name,
        service_names={name: service.name for name, service in services.services.items()},
        database_id=database.instance.identifier,
        load_balancer_suffix=ingress.load_balancer.arn_suffix,
        target_group_suffixes={
            "webserver": ingress.webserver_target_group.arn_suffix,
            "api": ingress.api_target_group.arn_suffix,
        },
    )
    build_alarms(settings, monitoring, **watched)
    build_dashboard(settings, monitoring, **watched)
    return {
        "url": f"https://{settings.domain_name}",
        "apiUrl": f"https://{settings.domain_name}/v1/",
        "clusterName": cluster.name,
        "inboxBucket": buckets.inbox.bucket,
        "artifactsBucket": buckets.artifacts.bucket,
        "databaseHost": database.instance.address,
        "databaseSecretArn": database.secret_arn,
        "apiKeySecretName": api_key.name,
        "userPoolId": ingress.user_pool.id,
        "repositoryUrls": {name: repository.repository_url for name, repository in repositories.items()},
        "privateSubnetIds": [subnet.id for subnet in network.private_subnets],
        "tasksSecurityGroupId": network.tasks_security_group.id,
        "alarmTopicArn": monitoring.topic.arn,
    }
