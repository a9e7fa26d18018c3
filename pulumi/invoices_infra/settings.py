"""Stack settings read from Pulumi config (`invoices:*`), and the production names other parts rely on.

The names below are shared with the Docker images and `deploy/dagster.yaml` (cluster, Cloud Map
namespace, ports, run task definition families and their container name): changing one here means
changing it there too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

NAMESPACE = "invoices.internal"
WEBSERVER_PORT = 3000
USERCODE_PORT = 4000
MLFLOW_PORT = 5000
API_PORT = 8000
RUN_FAMILY = "invoices-run"
TRAINING_FAMILY = "invoices-training"
RUN_CONTAINER = "run"
DATABASE_USER = "invoices"
APP_DATABASE = "invoices"
DAGSTER_DATABASE = "dagster"
MLFLOW_DATABASE = "mlflow"
COMPUTE_LOGS_PREFIX = "compute-logs"
MLFLOW_ARTIFACTS_PREFIX = "mlflow"
INBOX_PREFIX = "incoming"
ARCHIVE_PREFIX = "archive"  # resources/s3_storage.py derives archive/ beside incoming/
ARRIVALS_KEPT_DAYS = 30
DAGSTER_HOME = "/opt/dagster/home"
REPOSITORIES = ("invoices-usercode", "invoices-dagster", "invoices-training")
# The service's own readiness check (200 once the champion model is loaded and the database answers);
# the ALB probes targets directly, so it need not be under /v1/.
API_HEALTH_PATH = "/live"  # liveness; /health (readiness: a champion is loaded) is 503 until then
WEBSERVER_HEALTH_PATH = "/server_info"


@dataclass(frozen=True)
class StackSettings:
    """Everything that differs between `dev` and `prod` (or between AWS accounts)."""

    stack: str
    region: str
    domain_name: str
    hosted_zone_id: str
    auth_domain_prefix: str
    image_tag: str
    api_key: pulumi.Input[str]
    multi_az: bool
    deletion_protection: bool
    nat_gateway_per_az: bool
    db_instance_class: str
    db_allocated_storage_gb: int
    db_max_allocated_storage_gb: int
    backup_retention_days: int
    log_retention_days: int
    alarm_email: str | None = None

    @property
    def cluster_name(self) -> str:
        return f"invoices-{self.stack}"

    @property
    def api_key_secret_name(self) -> str:
        return f"invoices/{self.stack}/api-key"


def load_settings() -> StackSettings:
    """Read the selected stack's config. A missing required value stops `pulumi up` with Pulumi's own
    message naming the key and the `pulumi config set` command that fixes it."""
    config = pulumi.Config("invoices")
    region = pulumi.Config("aws").require("region")
    return StackSettings(
        stack=pulumi.get_stack(),
        region=region,
        domain_name=config.require("domainName"),
        hosted_zone_id=config.require("hostedZoneId"),
        auth_domain_prefix=config.require("authDomainPrefix"),
        image_tag=config.require("imageTag"),
        api_key=config.require_secret("apiKey"),
        multi_az=config.require_bool("multiAz"),
        deletion_protection=config.require_bool("deletionProtection"),
        nat_gateway_per_az=config.require_bool("natGatewayPerAz"),
        db_instance_class=config.require("dbInstanceClass"),
        db_allocated_storage_gb=config.require_int("dbAllocatedStorageGb"),
        db_max_allocated_storage_gb=config.require_int("dbMaxAllocatedStorageGb"),
        backup_retention_days=config.require_int("backupRetentionDays"),
        log_retention_days=config.require_int("logRetentionDays"),
        alarm_email=config.get("alarmEmail"),
    )
