"""S3 buckets: `inbox` (invoices arriving under `incoming/`, plus whatever the pipeline keeps beside
them) and `artifacts` (MLflow's artifact store under `mlflow/`, Dagster compute logs under
`compute-logs/`). Every bucket is private, encrypted, versioned and reachable over TLS only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .settings import (
    ARCHIVE_PREFIX,
    ARRIVALS_KEPT_DAYS,
    COMPUTE_LOGS_PREFIX,
    INBOX_PREFIX,
    MLFLOW_ARTIFACTS_PREFIX,
    StackSettings,
)

S3 = aws.s3
Rule = S3.BucketLifecycleConfigurationRuleArgs
Filter = S3.BucketLifecycleConfigurationRuleFilterArgs


@dataclass
class Buckets:
    inbox: aws.s3.Bucket
    artifacts: aws.s3.Bucket


def tls_only_policy(bucket_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Deny every request that does not arrive over TLS, whoever makes it."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def housekeeping_rules() -> list[Rule]:
    """Rules every bucket gets: old versions and failed multipart uploads do not accumulate forever."""
    return [
        Rule(
            id="expire-noncurrent-versions",
            status="Enabled",
            filter=Filter(prefix=""),
            noncurrent_version_expiration=S3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=90
            ),
        ),
        Rule(
            id="abort-incomplete-uploads",
            status="Enabled",
            filter=Filter(prefix=""),
            abort_incomplete_multipart_upload=S3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=7
            ),
        ),
    ]


def inbox_rules() -> list[Rule]:
    """`incoming/` only holds arrivals: the first ETL run copies every original to `archive/` (by sha256)
    before anything else, and the inbox sensor lists the whole prefix on every tick, so an inbox that only
    grew would slow every tick. Arrivals expire after 30 days (versioning keeps them recoverable for the
    noncurrent-version period). The archive is read in its first days and then only for audits or
    retraining: Infrequent Access after 30 days, Glacier Instant Retrieval after 180 (still readable at
    once, so a re-run works)."""
    return [
        Rule(
            id="expire-processed-arrivals",
            status="Enabled",
            filter=Filter(prefix=f"{INBOX_PREFIX}/"),
            expiration=S3.BucketLifecycleConfigurationRuleExpirationArgs(days=ARRIVALS_KEPT_DAYS),
        ),
        Rule(
            id="archive-to-cheaper-storage",
            status="Enabled",
            filter=Filter(prefix=f"{ARCHIVE_PREFIX}/"),
            transitions=[
                S3.BucketLifecycleConfigurationRuleTransitionArgs(days=30, storage_class="STANDARD_IA"),
                S3.BucketLifecycleConfigurationRuleTransitionArgs(days=180, storage_class="GLACIER_IR"),
            ],
        ),
        *housekeeping_rules(),
    ]


def artifact_rules() -> list[Rule]:
    """Compute logs are for debugging recent runs; model artifacts stay (the registry points at them)."""
    return [
        Rule(
            id="expire-compute-logs",
            status="Enabled",
            filter=Filter(prefix=f"{COMPUTE_LOGS_PREFIX}/"),
            expiration=S3.BucketLifecycleConfigurationRuleExpirationArgs(days=90),
        ),
        Rule(
            id="old-model-artifacts-to-ia",
            status="Enabled",
            filter=Filter(prefix=f"{MLFLOW_ARTIFACTS_PREFIX}/"),
            transitions=[
                S3.BucketLifecycleConfigurationRuleTransitionArgs(days=90, storage_class="STANDARD_IA")
            ],
        ),
        *housekeeping_rules(),
    ]


def secure_bucket(name: str, rules: Sequence[Rule]) -> aws.s3.Bucket:
    """A bucket with public access blocked, SSE-KMS, versioning, a TLS-only policy and lifecycle rules."""
    bucket = aws.s3.Bucket(name, force_destroy=False, tags={"Name": name})
    block = aws.s3.BucketPublicAccessBlock(
        name,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        name,
        bucket=bucket.id,
        rules=[
            S3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=S3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms"
                ),
                bucket_key_enabled=True,
            )
        ],
    )
    versioning = aws.s3.BucketVersioning(
        name,
        bucket=bucket.id,
        versioning_configuration=S3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
    )
    # Lifecycle rules on noncurrent versions need versioning in place first.
    aws.s3.BucketLifecycleConfiguration(
        name, bucket=bucket.id, rules=list(rules), opts=pulumi.ResourceOptions(depends_on=[versioning])
    )
    # The account-level block rejects a policy put before the bucket's own block exists.
    aws.s3.BucketPolicy(
        name,
        bucket=bucket.id,
        policy=tls_only_policy(bucket.arn),
        opts=pulumi.ResourceOptions(depends_on=[block]),
    )
    return bucket


def build_buckets(settings: StackSettings) -> Buckets:
    prefix = f"invoices-{settings.stack}"
    return Buckets(
        inbox=secure_bucket(f"{prefix}-inbox", inbox_rules()),
        artifacts=secure_bucket(f"{prefix}-artifacts", artifact_rules()),
    )
