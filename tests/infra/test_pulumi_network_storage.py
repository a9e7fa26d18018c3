"""The Pulumi stack's network, database and buckets, checked on the resources it declares under
Pulumi's mocks (tests/pulumi_mocks.py) for both committed stacks, dev and prod."""

from __future__ import annotations

import json

import pulumi
import pytest

from tests.support import pulumi_mocks as harness
from tests.support.pulumi_mocks import Recorder

# The harness's fixtures, registered in this module under their names (stack, dev, prod).
dev_fixture = harness.dev_fixture
prod_fixture = harness.prod_fixture
pulumi_event_loop_fixture = harness.pulumi_event_loop_fixture
stack_fixture = harness.stack_fixture

SUBNET = "aws:ec2/subnet:Subnet"
BUCKET = "aws:s3/bucket:Bucket"
DB = "aws:rds/instance:Instance"


def private_subnets(stack: Recorder):
    return [r for r in stack.of_type(SUBNET) if r.inputs["tags"]["tier"] == "private"]


def private_subnet_ids(stack: Recorder) -> set[str]:
    return {r.state["id"] for r in private_subnets(stack)}


@pulumi.runtime.test
def test_vpc_spans_two_availability_zones(stack):
    for tier in ("public", "private"):
        zones = [
            r.inputs["availabilityZone"] for r in stack.of_type(SUBNET) if r.inputs["tags"]["tier"] == tier
        ]
        assert len(zones) == 2 and len(set(zones)) == 2, f"{tier} subnets must be in two zones: {zones}"
    vpc = stack.one("aws:ec2/vpc:Vpc")
    assert vpc.inputs["enableDnsHostnames"] is True and vpc.inputs["enableDnsSupport"] is True


@pulumi.runtime.test
def test_private_subnets_never_map_public_ips(stack):
    for subnet in private_subnets(stack):
        assert subnet.inputs.get("mapPublicIpOnLaunch") is False, subnet.name


@pulumi.runtime.test
def test_private_subnets_reach_out_through_nat_and_s3_endpoint(stack):
    nat_ids = {r.state["id"] for r in stack.of_type("aws:ec2/natGateway:NatGateway")}
    public_ids = {r.state["id"] for r in stack.of_type(SUBNET) if r.inputs["tags"]["tier"] == "public"}
    for nat in stack.of_type("aws:ec2/natGateway:NatGateway"):
        assert nat.inputs["subnetId"] in public_ids
    private_tables = set()
    for association in stack.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation"):
        if association.inputs["subnetId"] in private_subnet_ids(stack):
            table = stack.by_id(association.inputs["routeTableId"])
            default = [route for route in table.inputs["routes"] if route["cidrBlock"] == "0.0.0.0/0"]
            assert [route.get("natGatewayId") for route in default] and default[0]["natGatewayId"] in nat_ids
            assert "gatewayId" not in default[0], "a private subnet must not route to the internet gateway"
            private_tables.add(table.state["id"])
    assert len(private_tables) == 2
    endpoint = stack.one("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert endpoint.inputs["serviceName"] == "com.amazonaws.eu-west-1.s3"
    assert set(endpoint.inputs["routeTableIds"]) == private_tables


@pulumi.runtime.test
def test_one_nat_gateway_per_zone_in_prod_and_one_shared_in_dev(dev, prod):
    assert len(prod.of_type("aws:ec2/natGateway:NatGateway")) == 2
    assert len(dev.of_type("aws:ec2/natGateway:NatGateway")) == 1


@pulumi.runtime.test
def test_services_and_database_live_in_the_private_subnets(stack):
    private = private_subnet_ids(stack)
    services = stack.of_type("aws:ecs/service:Service")
    assert services
    for service in services:
        network = service.inputs["networkConfiguration"]
        assert set(network["subnets"]) == private, service.name
        assert network.get("assignPublicIp") is False, service.name
    group = stack.one("aws:rds/subnetGroup:SubnetGroup")
    assert set(group.inputs["subnetIds"]) == private
    assert stack.one(DB).inputs["dbSubnetGroupName"] == group.state["name"]


@pulumi.runtime.test
def test_database_accepts_mysql_only_from_the_tasks(stack):
    db = stack.one(DB)
    [group_id] = db.inputs["vpcSecurityGroupIds"]
    group = stack.by_id(group_id)
    tasks = stack.one("aws:ec2/securityGroup:SecurityGroup", "-tasks")
    assert group.inputs["ingress"] == [
        {"protocol": "tcp", "fromPort": 3306, "toPort": 3306, "securityGroups": [tasks.state["id"]]}
    ]


# --- RDS -------------------------------------------------------------------------------------------


@pulumi.runtime.test
def test_multi_az_only_in_prod(dev, prod):
    assert prod.one(DB).inputs["multiAz"] is True
    assert dev.one(DB).inputs["multiAz"] is False


@pulumi.runtime.test
def test_database_is_encrypted_private_mysql(stack):
    db = stack.one(DB).inputs
    assert db["engine"] == "mysql"
    assert db["storageEncrypted"] is True
    assert db["publiclyAccessible"] is False


@pulumi.runtime.test
def test_master_password_is_managed_by_rds_in_secrets_manager(stack):
    db = stack.one(DB).inputs
    assert db["manageMasterUserPassword"] is True
    assert "password" not in db and "passwordWo" not in db


@pulumi.runtime.test
def test_backups_are_kept(stack):
    db = stack.one(DB).inputs
    assert db["backupRetentionPeriod"] >= 7
    assert db["backupWindow"]


@pulumi.runtime.test
def test_deletion_protection_and_final_snapshot_in_prod(dev, prod):
    assert prod.one(DB).inputs["deletionProtection"] is True
    assert prod.one(DB).inputs.get("skipFinalSnapshot") is False
    assert prod.one(DB).inputs["finalSnapshotIdentifier"]
    assert dev.one(DB).inputs["deletionProtection"] is False


# --- S3 --------------------------------------------------------------------------------------------


def bucket_part(stack: Recorder, bucket, type_token: str):
    parts = [r for r in stack.of_type(type_token) if r.inputs["bucket"] == bucket.state["id"]]
    assert len(parts) == 1, f"{bucket.name} needs exactly one {type_token}"
    return parts[0].inputs


@pytest.fixture(params=["inbox", "artifacts"])
def bucket(request, stack):
    return stack, stack.one(BUCKET, f"-{request.param}")


@pulumi.runtime.test
def test_bucket_blocks_all_public_access(bucket):
    stack, found = bucket
    block = bucket_part(stack, found, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block[flag] is True, flag


@pulumi.runtime.test
def test_bucket_is_encrypted(bucket):
    stack, found = bucket
    sse = bucket_part(
        stack, found, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    [rule] = sse["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] in {"aws:kms", "AES256"}


@pulumi.runtime.test
def test_bucket_is_versioned(bucket):
    stack, found = bucket
    versioning = bucket_part(stack, found, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning["versioningConfiguration"]["status"] == "Enabled"


@pulumi.runtime.test
def test_bucket_policy_denies_requests_without_tls(bucket):
    stack, found = bucket
    policy = json.loads(bucket_part(stack, found, "aws:s3/bucketPolicy:BucketPolicy")["policy"])
    denials = [
        s
        for s in policy["Statement"]
        if s["Effect"] == "Deny"
        and s["Principal"] == "*"
        and s["Action"] == "s3:*"
        and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert denials, policy
    arn = found.state["arn"]
    assert set(denials[0]["Resource"]) == {arn, f"{arn}/*"}


@pulumi.runtime.test
def test_bucket_lifecycle_expires_old_versions_and_aborts_uploads(bucket):
    stack, found = bucket
    rules = bucket_part(stack, found, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[
        "rules"
    ]
    enabled = [rule for rule in rules if rule["status"] == "Enabled"]
    assert any(rule.get("noncurrentVersionExpiration", {}).get("noncurrentDays") for rule in enabled)
    assert any(rule.get("abortIncompleteMultipartUpload", {}).get("daysAfterInitiation") for rule in enabled)


@pulumi.runtime.test
def test_arrivals_expire_the_archive_moves_to_cheaper_storage_and_compute_logs_expire(stack):
    def rules(kind):
        found = stack.one(BUCKET, f"-{kind}")
        return bucket_part(stack, found, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[
            "rules"
        ]

    incoming = [rule for rule in rules("inbox") if rule["filter"].get("prefix") == "incoming/"]
    assert incoming and incoming[0]["expiration"]["days"] >= 7, "the sensor lists incoming/ on every tick"
    archive = [rule for rule in rules("inbox") if rule["filter"].get("prefix") == "archive/"]
    assert archive and {t["storageClass"] for t in archive[0]["transitions"]} >= {"STANDARD_IA"}
    assert not archive[0].get("expiration"), "archived originals are never expired"
    logs = [rule for rule in rules("artifacts") if rule["filter"].get("prefix") == "compute-logs/"]
    assert logs and logs[0]["expiration"]["days"] > 0


@pulumi.runtime.test
def test_load_balancer_is_open_only_on_web_ports(stack):
    alb = stack.one("aws:lb/loadBalancer:LoadBalancer").inputs
    group = stack.by_id(alb["securityGroups"][0])
    assert {(rule["fromPort"], rule["toPort"]) for rule in group.inputs["ingress"]} == {(443, 443), (80, 80)}
    public = {r.state["id"] for r in stack.of_type(SUBNET) if r.inputs["tags"]["tier"] == "public"}
    assert alb["internal"] is False and set(alb["subnets"]) == public
    # Out: to the targets inside the VPC, and HTTPS to Cognito for the login.
    open_egress = [rule for rule in group.inputs["egress"] if "0.0.0.0/0" in rule.get("cidrBlocks", [])]
    assert [(rule["fromPort"], rule["toPort"]) for rule in open_egress] == [(443, 443)]
