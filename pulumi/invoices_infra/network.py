"""The VPC: two availability zones, public subnets for the load balancer and the NAT gateways only,
private subnets for every task and the database, and the security groups between them."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi_aws as aws

from .settings import API_PORT, MLFLOW_PORT, USERCODE_PORT, WEBSERVER_PORT, StackSettings

VPC_CIDR = "10.20.0.0/16"
PUBLIC_CIDRS = ("10.20.0.0/24", "10.20.1.0/24")
# /20 each: every Fargate task takes an address, and a backlog becomes hundreds of run tasks at once.
PRIVATE_CIDRS = ("10.20.16.0/20", "10.20.32.0/20")


@dataclass
class Network:
    vpc: aws.ec2.Vpc
    public_subnets: list[aws.ec2.Subnet]
    private_subnets: list[aws.ec2.Subnet]
    alb_security_group: aws.ec2.SecurityGroup
    tasks_security_group: aws.ec2.SecurityGroup
    database_security_group: aws.ec2.SecurityGroup


def two_zones() -> list[str]:
    """The first two available zones of the region: Multi-AZ RDS and the ALB both need two."""
    names = aws.get_availability_zones(state="available").names
    if len(names) < 2:
        raise RuntimeError(
            f"The region offers {len(names)} available zone(s); the stack needs two. Pick another "
            "region with `pulumi config set aws:region <region>`."
        )
    return list(names[:2])


def build_network(settings: StackSettings) -> Network:
    prefix = f"invoices-{settings.stack}"
    zones = two_zones()
    vpc = aws.ec2.Vpc(
        f"{prefix}-vpc",
        cidr_block=VPC_CIDR,
        # Cloud Map's private DNS names (usercode.invoices.internal) need both.
        enable_dns_hostnames=True,
        enable_dns_support=True,
        tags={"Name": f"{prefix}-vpc"},
    )
    igw = aws.ec2.InternetGateway(f"{prefix}-igw", vpc_id=vpc.id)
    public_routes = aws.ec2.RouteTable(
        f"{prefix}-public",
        vpc_id=vpc.id,
        routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
    )
    public_subnets, private_subnets = [], []
    for index, zone in enumerate(zones):
        public = aws.ec2.Subnet(
            f"{prefix}-public-{index}",
            vpc_id=vpc.id,
            cidr_block=PUBLIC_CIDRS[index],
            availability_zone=zone,
            map_public_ip_on_launch=False,
            tags={"Name": f"{prefix}-public-{zone}", "tier": "public"},
        )
        aws.ec2.RouteTableAssociation(
            f"{prefix}-public-{index}", subnet_id=public.id, route_table_id=public_routes.id
        )
        private = aws.ec2.Subnet(
            f"{prefix}-private-{index}",
            vpc_id=vpc.id,
            cidr_block=PRIVATE_CIDRS[index],
            availability_zone=zone,
            map_public_ip_on_launch=False,
            tags={"Name": f"{prefix}-private-{zone}", "tier": "private"},
        )
        public_subnets.append(public)
        private_subnets.append(private)

    # Egress for the private subnets (ECR pulls, CloudWatch, Secrets Manager): one NAT gateway per zone in
    # prod so losing a zone does not cut the other off; one shared NAT in dev to save its hourly cost.
    nat_count = 2 if settings.nat_gateway_per_az else 1
    nats = []
    for index in range(nat_count):
        eip = aws.ec2.Eip(f"{prefix}-nat-{index}", domain="vpc")
        nats.append(
            aws.ec2.NatGateway(
                f"{prefix}-nat-{index}", allocation_id=eip.id, subnet_id=public_subnets[index].id
            )
        )
    private_tables = []
    for index, subnet in enumerate(private_subnets):
        table = aws.ec2.RouteTable(
            f"{prefix}-private-{index}",
            vpc_id=vpc.id,
            routes=[
                aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nats[index % nat_count].id)
            ],
        )
        aws.ec2.RouteTableAssociation(
            f"{prefix}-private-{index}", subnet_id=subnet.id, route_table_id=table.id
        )
        private_tables.append(table)
    # S3 traffic (the inbox, artifacts, compute logs) stays off the NAT gateways: free and faster.
    aws.ec2.VpcEndpoint(
        f"{prefix}-s3",
        vpc_id=vpc.id,
        service_name=f"com.amazonaws.{settings.region}.s3",
        vpc_endpoint_type="Gateway",
        route_table_ids=[table.id for table in private_tables],
    )

    alb_sg = aws.ec2.SecurityGroup(
        f"{prefix}-alb",
        vpc_id=vpc.id,
        description="Public HTTPS (and HTTP that only redirects) to the load balancer",
        ingress=[
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp", from_port=443, to_port=443, cidr_blocks=["0.0.0.0/0"]
            ),
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp", from_port=80, to_port=80, cidr_blocks=["0.0.0.0/0"]
            ),
        ],
        egress=[
            # To the targets (webserver, api) only inside the VPC...
            aws.ec2.SecurityGroupEgressArgs(
                protocol="tcp", from_port=0, to_port=65535, cidr_blocks=[VPC_CIDR]
            ),
            # ...and HTTPS out, because the load balancer itself calls Cognito's token and user-info
            # endpoints during the login (authenticate-cognito).
            aws.ec2.SecurityGroupEgressArgs(
                protocol="tcp", from_port=443, to_port=443, cidr_blocks=["0.0.0.0/0"]
            ),
        ],
    )
    tasks_sg = aws.ec2.SecurityGroup(
        f"{prefix}-tasks",
        vpc_id=vpc.id,
        description="ECS tasks: the ALB reaches the webserver and the api; tasks reach usercode and mlflow",
        ingress=[
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp", from_port=port, to_port=port, security_groups=[alb_sg.id]
            )
            for port in (WEBSERVER_PORT, API_PORT)
        ]
        + [
            aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=port, to_port=port, self=True)
            for port in (USERCODE_PORT, MLFLOW_PORT)
        ],
        egress=[
            aws.ec2.SecurityGroupEgressArgs(protocol="-1", from_port=0, to_port=0, cidr_blocks=["0.0.0.0/0"])
        ],
    )
    db_sg = aws.ec2.SecurityGroup(
        f"{prefix}-db",
        vpc_id=vpc.id,
        description="MySQL from the ECS tasks only",
        ingress=[
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp", from_port=3306, to_port=3306, security_groups=[tasks_sg.id]
            )
        ],
    )
    return Network(vpc, public_subnets, private_subnets, alb_sg, tasks_sg, db_sg)
