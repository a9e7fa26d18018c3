"""The online service's API key in Secrets Manager (`invoices/<stack>/api-key`). Its value comes from
the stack's encrypted config (`pulumi config set --secret invoices:apiKey ...`), never from code."""

from __future__ import annotations

import pulumi_aws as aws

from .settings import StackSettings


def build_api_key(settings: StackSettings) -> aws.secretsmanager.Secret:
    secret = aws.secretsmanager.Secret(
        f"invoices-{settings.stack}-api-key",
        name=settings.api_key_secret_name,
        description="X-API-Key for the invoice classification service (invoices serve)",
        recovery_window_in_days=7,
    )
    aws.secretsmanager.SecretVersion(
        f"invoices-{settings.stack}-api-key", secret_id=secret.id, secret_string=settings.api_key
    )
    return secret
