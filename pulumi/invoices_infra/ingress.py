"""The public entrance: an HTTPS load balancer for `https://<domainName>`.

The Dagster UI has no login of its own, so every request to it first passes a Cognito sign-in
(`authenticate-cognito`, then forward). Machines call the classification service under `/v1/*`
with their `X-API-Key`; that path is forwarded without Cognito (a browser login cannot be done by a
script) and the service checks the key itself. HTTP only redirects to HTTPS."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .network import Network
from .settings import API_HEALTH_PATH, API_PORT, WEBSERVER_HEALTH_PATH, WEBSERVER_PORT, StackSettings

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
API_PATH = "/v1/*"


@dataclass
class Ingress:
    load_balancer: aws.lb.LoadBalancer
    webserver_target_group: aws.lb.TargetGroup
    api_target_group: aws.lb.TargetGroup
    https_listener: aws.lb.Listener
    user_pool: aws.cognito.UserPool


def build_certificate(settings: StackSettings) -> pulumi.Output[str]:
    """An ACM certificate for the domain, validated through DNS records in the stack's hosted zone."""
    prefix = f"invoices-{settings.stack}"
    certificate = aws.acm.Certificate(prefix, domain_name=settings.domain_name, validation_method="DNS")
    option = certificate.domain_validation_options.apply(lambda options: options[0])
    record = aws.route53.Record(
        f"{prefix}-certificate-validation",
        zone_id=settings.hosted_zone_id,
        name=option.apply(lambda o: o.resource_record_name),
        type=option.apply(lambda o: o.resource_record_type),
        records=[option.apply(lambda o: o.resource_record_value)],
        ttl=300,
        allow_overwrite=True,
    )
    validation = aws.acm.CertificateValidation(
        prefix, certificate_arn=certificate.arn, validation_record_fqdns=[record.fqdn]
    )
    return validation.certificate_arn


def build_user_pool(settings: StackSettings):
    """Cognito users for the Dagster UI: administrators create them (no self sign-up), MFA is offered."""
    prefix = f"invoices-{settings.stack}"
    pool = aws.cognito.UserPool(
        prefix,
        name=prefix,
        admin_create_user_config=aws.cognito.UserPoolAdminCreateUserConfigArgs(
            allow_admin_create_user_only=True
        ),
        auto_verified_attributes=["email"],
        username_attributes=["email"],
        mfa_configuration="OPTIONAL",
        software_token_mfa_configuration=aws.cognito.UserPoolSoftwareTokenMfaConfigurationArgs(enabled=True),
        password_policy=aws.cognito.UserPoolPasswordPolicyArgs(
            minimum_length=14,
            require_lowercase=True,
            require_uppercase=True,
            require_numbers=True,
            require_symbols=False,
            temporary_password_validity_days=3,
        ),
        deletion_protection="ACTIVE" if settings.deletion_protection else "INACTIVE",
    )
    domain = aws.cognito.UserPoolDomain(prefix, domain=settings.auth_domain_prefix, user_pool_id=pool.id)
    client = aws.cognito.UserPoolClient(
        prefix,
        user_pool_id=pool.id,
        generate_secret=True,
        allowed_oauth_flows_user_pool_client=True,
        allowed_oauth_flows=["code"],
        allowed_oauth_scopes=["openid", "email"],
        supported_identity_providers=["COGNITO"],
        callback_urls=[f"https://{settings.domain_name}/oauth2/idpresponse"],
    )
    return pool, domain, client


def target_group(settings: StackSettings, network: Network, name: str, port: int, health_path: str):
    return aws.lb.TargetGroup(
        f"invoices-{settings.stack}-{name}",
        port=port,
        protocol="HTTP",
        target_type="ip",
        vpc_id=network.vpc.id,
        deregistration_delay=30,
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            path=health_path,
            matcher="200",
            interval=15,
            timeout=5,
            healthy_threshold=2,
            unhealthy_threshold=3,
        ),
    )


def build_ingress(settings: StackSettings, network: Network) -> Ingress:
    prefix = f"invoices-{settings.stack}"
    certificate_arn = build_certificate(settings)
    pool, domain, client = build_user_pool(settings)
    alb = aws.lb.LoadBalancer(
        prefix,
        load_balancer_type="application",
        internal=False,
        subnets=[subnet.id for subnet in network.public_subnets],
        security_groups=[network.alb_security_group.id],
        drop_invalid_header_fields=True,
        # The UI keeps long-polling GraphQL requests open.
        idle_timeout=120,
        enable_deletion_protection=settings.deletion_protection,
    )
    webserver = target_group(settings, network, "webserver", WEBSERVER_PORT, WEBSERVER_HEALTH_PATH)
    api = target_group(settings, network, "api", API_PORT, API_HEALTH_PATH)
    aws.lb.Listener(
        f"{prefix}-http",
        load_balancer_arn=alb.arn,
        port=80,
        protocol="HTTP",
        default_actions=[
            aws.lb.ListenerDefaultActionArgs(
                type="redirect",
                redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                    protocol="HTTPS", port="443", status_code="HTTP_301"
                ),
            )
        ],
    )
    https = aws.lb.Listener(
        f"{prefix}-https",
        load_balancer_arn=alb.arn,
        port=443,
        protocol="HTTPS",
        ssl_policy=TLS_POLICY,
        certificate_arn=certificate_arn,
        default_actions=[
            aws.lb.ListenerDefaultActionArgs(
                type="authenticate-cognito",
                order=1,
                authenticate_cognito=aws.lb.ListenerDefaultActionAuthenticateCognitoArgs(
                    user_pool_arn=pool.arn,
                    user_pool_client_id=client.id,
                    user_pool_domain=domain.domain,
                    on_unauthenticated_request="authenticate",
                    session_timeout=8 * 3600,
                ),
            ),
            aws.lb.ListenerDefaultActionArgs(type="forward", order=2, target_group_arn=webserver.arn),
        ],
    )
    aws.lb.ListenerRule(
        f"{prefix}-api",
        listener_arn=https.arn,
        priority=10,
        conditions=[
            aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=[API_PATH])
            )
        ],
        actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=api.arn)],
    )
    aws.route53.Record(
        f"{prefix}-domain",
        zone_id=settings.hosted_zone_id,
        name=settings.domain_name,
        type="A",
        aliases=[
            aws.route53.RecordAliasArgs(name=alb.dns_name, zone_id=alb.zone_id, evaluate_target_health=True)
        ],
    )
    return Ingress(alb, webserver, api, https, pool)
