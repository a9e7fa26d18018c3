"""RDS MySQL: the platform's tables (`invoices`), Dagster's instance (`dagster`) and MLflow's tracking
store (`mlflow`) in one encrypted, private instance whose master password RDS itself generates,
rotates and keeps in Secrets Manager (no password ever passes through this program or its state)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .network import Network
from .settings import APP_DATABASE, DATABASE_USER, StackSettings


@dataclass
class Database:
    instance: aws.rds.Instance
    secret_arn: pulumi.Output[str]


def build_database(settings: StackSettings, network: Network) -> Database:
    prefix = f"invoices-{settings.stack}"
    subnets = aws.rds.SubnetGroup(
        f"{prefix}-db", subnet_ids=[subnet.id for subnet in network.private_subnets]
    )
    instance = aws.rds.Instance(
        f"{prefix}-db",
        identifier=prefix,
        engine="mysql",
        engine_version="8.0",
        instance_class=settings.db_instance_class,
        allocated_storage=settings.db_allocated_storage_gb,
        max_allocated_storage=settings.db_max_allocated_storage_gb,
        storage_type="gp3",
        storage_encrypted=True,
        multi_az=settings.multi_az,
        publicly_accessible=False,
        db_subnet_group_name=subnets.name,
        vpc_security_group_ids=[network.database_security_group.id],
        db_name=APP_DATABASE,
        username=DATABASE_USER,
        manage_master_user_password=True,
        backup_retention_period=settings.backup_retention_days,
        backup_window="02:00-03:00",
        maintenance_window="sun:03:30-sun:04:30",
        copy_tags_to_snapshot=True,
        deletion_protection=settings.deletion_protection,
        skip_final_snapshot=not settings.deletion_protection,
        final_snapshot_identifier=f"{prefix}-final" if settings.deletion_protection else None,
        auto_minor_version_upgrade=True,
        enabled_cloudwatch_logs_exports=["error", "slowquery"],
        opts=pulumi.ResourceOptions(protect=settings.deletion_protection),
    )
    secret_arn = instance.master_user_secrets.apply(_secret_arn)
    return Database(instance, secret_arn)


def _secret_arn(secrets) -> str:
    if not secrets:
        raise RuntimeError(
            "RDS returned no master user secret although manage_master_user_password is set; check the "
            "instance in the RDS console (Configuration > Master credentials ARN)."
        )
    return secrets[0].secret_arn
